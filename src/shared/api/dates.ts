import { z } from 'zod';

/** True when `s` is a real calendar day 'YYYY-MM-DD' between 1900 and 2199 (no 2026-13-01, 0000-00-00, 2026-02-30). */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1900 || y > 2199 || mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/**
 * A calendar date 'YYYY-MM-DD' in a request: the one schema of every date field, so an impossible
 * date is a 400 naming the field, never a value the database refuses (a 500 before).
 */
export const DateStr = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD')
  .refine(isCalendarDate, '不是有效的日期（年 1900–2199，月 01–12，日在该月之内）');

/** A month 'YYYY-MM' (years 1900–2199). */
export const MonthStr = z.string().regex(/^(19|20|21)\d{2}-(0[1-9]|1[0-2])$/, '月份格式应为 YYYY-MM');
