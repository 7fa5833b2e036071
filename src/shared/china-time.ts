/**
 * China time (Asia/Shanghai, UTC+8, no daylight saving since 1991). Periods, due dates and "today"
 * are always computed here, whatever the server's or the browser's zone.
 */
export const CHINA_OFFSET_MS = 8 * 3600 * 1000;

const pad = (n: number) => String(n).padStart(2, '0');

/** Calendar parts of an instant as seen in China. */
export function chinaParts(at: Date): {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
} {
  const d = new Date(at.getTime() + CHINA_OFFSET_MS);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
  };
}

/** 'YYYY-MM-DD' of the China calendar day containing `at`. */
export function chinaDate(at: Date): string {
  const p = chinaParts(at);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** 'YYYY-MM' of the China calendar month containing `at`. */
export function chinaMonth(at: Date): string {
  return chinaDate(at).slice(0, 7);
}

/** 'YYYY-MM-DD HH:mm' in China time, for display. */
export function chinaDateTime(at: Date): string {
  const p = chinaParts(at);
  return `${chinaDate(at)} ${pad(p.hour)}:${pad(p.minute)}`;
}

/** The instant at which China day `date` ('YYYY-MM-DD') begins. */
export function chinaDayStart(date: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d) - CHINA_OFFSET_MS);
}

const DAY_MS = 86400000;

/** The China day containing `at`: [its first instant, the next day's) — arithmetic, no date text. */
export function chinaDayBounds(at: Date): { start: Date; end: Date } {
  const start = Math.floor((at.getTime() + CHINA_OFFSET_MS) / DAY_MS) * DAY_MS - CHINA_OFFSET_MS;
  return { start: new Date(start), end: new Date(start + DAY_MS) };
}

/** The China month containing `at`: [its first instant, the next month's). */
export function chinaMonthBounds(at: Date): { start: Date; end: Date } {
  const d = new Date(at.getTime() + CHINA_OFFSET_MS);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  // Date.UTC carries month 12 into January of the next year.
  return {
    start: new Date(Date.UTC(y, m, 1) - CHINA_OFFSET_MS),
    end: new Date(Date.UTC(y, m + 1, 1) - CHINA_OFFSET_MS),
  };
}

/** Number of days in a month (month 1–12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Adds `days` to a 'YYYY-MM-DD' date. */
export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86400000;
  return new Date(t).toISOString().slice(0, 10);
}

/** The later of two 'YYYY-MM-DD' dates (such dates order as strings; Math.max would give NaN). */
export function laterDate(a: string, b: string): string {
  return a > b ? a : b;
}

/** The earlier of two 'YYYY-MM-DD' dates. */
export function earlierDate(a: string, b: string): string {
  return a < b ? a : b;
}

/** Whole days from date a to date b ('YYYY-MM-DD'). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);
}
