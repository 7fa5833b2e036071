/**
 * Visit periods (DOMAIN.md section 4), always in China time.
 *
 * A period key names its own length:
 * - 'YYYY-MM'   — a calendar month (普遍探访, default for `general`);
 * - 'YYYY-MM-1' — the first half of a month, days 1–15; 'YYYY-MM-2' — day 16 to the last day
 *   (重点探访, default for `key`).
 * A window runs from 00:00 China time of its first day (inclusive) to 00:00 China time of the day after
 * its last day (exclusive); the due date is the last day.
 */
import { addDays, chinaDate, chinaDayStart, daysBetween, daysInMonth } from './china-time.js';

export const FREQUENCIES = ['month', 'half_month'] as const;
export type Frequency = (typeof FREQUENCIES)[number];
export const FREQUENCY_LABELS: Record<Frequency, string> = { month: '每月一次', half_month: '每半月一次' };

export interface PeriodWindow {
  period: string;
  frequency: Frequency;
  /** First China day, 'YYYY-MM-DD'. */
  startDate: string;
  /** Last China day (the due date), 'YYYY-MM-DD'. */
  endDate: string;
  /** Instant the window opens (inclusive). */
  start: Date;
  /** Instant the window closes (exclusive): 00:00 China time after endDate. */
  end: Date;
}

const pad = (n: number) => String(n).padStart(2, '0');
const PERIOD_RE = /^(\d{4})-(\d{2})(?:-([12]))?$/;

/** True when `s` is a well-formed period key. */
export function isPeriod(s: string): boolean {
  const m = PERIOD_RE.exec(s);
  return !!m && Number(m[2]) >= 1 && Number(m[2]) <= 12;
}

/** The frequency a period key belongs to. */
export function frequencyOf(period: string): Frequency {
  return period.length === 7 ? 'month' : 'half_month';
}

/** The period of `freq` containing China day `date` ('YYYY-MM-DD'). */
export function periodOfDate(date: string, freq: Frequency): string {
  const month = date.slice(0, 7);
  if (freq === 'month') return month;
  return `${month}-${Number(date.slice(8, 10)) <= 15 ? 1 : 2}`;
}

/** The period of `freq` containing instant `at` (China time). */
export function periodOf(at: Date, freq: Frequency): string {
  return periodOfDate(chinaDate(at), freq);
}

/** Window of a period key: first and last China day, and the instants bounding it. */
export function periodWindow(period: string): PeriodWindow {
  const m = PERIOD_RE.exec(period);
  if (!m) throw new Error(`invalid period ${period}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const half = m[3];
  const last = daysInMonth(year, month);
  const ym = `${m[1]}-${m[2]}`;
  const startDay = half === '2' ? 16 : 1;
  const endDay = half === '1' ? 15 : last;
  const startDate = `${ym}-${pad(startDay)}`;
  const endDate = `${ym}-${pad(endDay)}`;
  return {
    period,
    frequency: half ? 'half_month' : 'month',
    startDate,
    endDate,
    start: chinaDayStart(startDate),
    end: chinaDayStart(addDays(endDate, 1)),
  };
}

/** The due date (last China day) of a period. */
export function dueDate(period: string): string {
  return periodWindow(period).endDate;
}

/** The period after `period`, of the same frequency. */
export function nextPeriod(period: string): string {
  return periodOfDate(addDays(periodWindow(period).endDate, 1), frequencyOf(period));
}

/** The period before `period`, of the same frequency. */
export function previousPeriod(period: string): string {
  return periodOfDate(addDays(periodWindow(period).startDate, -1), frequencyOf(period));
}

/** Every period of `freq` overlapping China days from..to (inclusive), in order. */
export function periodsBetween(from: string, to: string, freq: Frequency): string[] {
  const out: string[] = [];
  if (from > to) return out;
  let p = periodOfDate(from, freq);
  const lastP = periodOfDate(to, freq);
  for (;;) {
    out.push(p);
    if (p === lastP) return out;
    p = nextPeriod(p);
  }
}

/** Chinese label: '2026年3月' or '2026年3月上半月' / '下半月'. */
export function periodLabel(period: string): string {
  if (!isPeriod(period)) return period;
  const [y, m, h] = period.split('-');
  const base = `${y}年${Number(m)}月`;
  return h ? `${base}${h === '1' ? '上半月' : '下半月'}` : base;
}

/** Whole days left until a due date, seen from China day `today` (0 = due today, negative = late). */
export function daysLeft(dueDateStr: string, today: string): number {
  return daysBetween(today, dueDateStr);
}

/** Open tasks due in this many days or fewer are "due soon" (DOMAIN.md section 10). */
export const DUE_SOON_DAYS = 3;

/** True when an open task with this due date is "due soon" on China day `today`. */
export function isDueSoon(dueDateStr: string, today: string, days = DUE_SOON_DAYS): boolean {
  const left = daysLeft(dueDateStr, today);
  return left >= 0 && left <= days;
}

/** A yearly season as 'MM-DD' bounds, both inclusive; may wrap the new year (10-15 … 04-15). */
export interface SeasonRange {
  from: string;
  to: string;
}

export const DEFAULT_SEASONS: { heating: SeasonRange; flood: SeasonRange } = {
  heating: { from: '10-15', to: '04-15' },
  flood: { from: '06-15', to: '09-30' },
};

/** True when China day `date` ('YYYY-MM-DD') lies in the season. */
export function inSeason(date: string, s: SeasonRange): boolean {
  const md = date.slice(5);
  return s.from <= s.to ? md >= s.from && md <= s.to : md >= s.from || md <= s.to;
}

/** Season flags for a China day under the given seasons. */
export function seasonFlags(
  date: string,
  seasons: { heating: SeasonRange; flood: SeasonRange } = DEFAULT_SEASONS,
): { heating: boolean; flood: boolean } {
  return { heating: inSeason(date, seasons.heating), flood: inSeason(date, seasons.flood) };
}

/** The due date of a window ending (exclusively) at `end`: the China day of its last instant. */
export function dueDateOfWindowEnd(end: Date): string {
  return chinaDate(new Date(end.getTime() - 1));
}

/** Schedule configuration, per area, inherited down the tree (settings keys and built-in defaults). */
export interface VisitSettings {
  /** Visit frequency per tier. */
  'visits.frequency': { general: Frequency; key: Frequency };
  /** Require an in-person visit at least every N periods (0 = no such rule). */
  'visits.inPersonEvery': number;
  /** Follow-up window length in hours, by severity. */
  'visits.followUpHours': { critical: number; normal: number };
  /** Heating and flood seasons (section G checks are asked inside them). */
  'visits.seasons': { heating: SeasonRange; flood: SeasonRange };
  /** Visitors are reminded this many days before a task is due. */
  'visits.reminderDays': number;
}
export type VisitSettingKey = keyof VisitSettings;

export const VISIT_SETTING_DEFAULTS: VisitSettings = {
  'visits.frequency': { general: 'month', key: 'half_month' },
  'visits.inPersonEvery': 0,
  'visits.followUpHours': { critical: 24, normal: 72 },
  'visits.seasons': DEFAULT_SEASONS,
  'visits.reminderDays': DUE_SOON_DAYS,
};

/** The visit settings' keys (the settings module reads exactly these). */
export const VISIT_SETTING_KEYS = Object.keys(VISIT_SETTING_DEFAULTS) as VisitSettingKey[];

export const VISIT_SETTING_LABELS: Record<VisitSettingKey, string> = {
  'visits.frequency': '探访频次',
  'visits.inPersonEvery': '上门探访最长间隔（期）',
  'visits.followUpHours': '跟进探访时限（小时）',
  'visits.seasons': '供暖期与汛期',
  'visits.reminderDays': '到期提醒提前天数',
};

/**
 * The floor rule down the tree (DOMAIN.md §2): a value an area above has set is the least a lower
 * area may require; it may be stricter, never looser. Returns what `value` loosens of `floor` in
 * words (e.g. '重点对象探访频次 每半月一次 → 每月一次'), or null when it is as strict or stricter. Keys
 * without an order (seasons, reminder days) have no floor.
 */
export function loosens<K extends VisitSettingKey>(
  key: K,
  value: VisitSettings[K],
  floor: VisitSettings[K],
): string | null {
  const out: string[] = [];
  if (key === 'visits.frequency') {
    const v = value as VisitSettings['visits.frequency'];
    const f = floor as VisitSettings['visits.frequency'];
    const rank = (x: Frequency) => (x === 'half_month' ? 0 : 1);
    for (const [tier, word] of [
      ['general', '一般对象'],
      ['key', '重点对象'],
    ] as const)
      if (rank(v[tier]) > rank(f[tier]))
        out.push(`${word}${FREQUENCY_LABELS[f[tier]]} → ${FREQUENCY_LABELS[v[tier]]}`);
  } else if (key === 'visits.inPersonEvery') {
    const v = value as number;
    const f = floor as number;
    if (f > 0 && (v === 0 || v > f))
      out.push(`至少每 ${f} 期上门一次 → ${v === 0 ? '不要求' : `每 ${v} 期`}`);
  } else if (key === 'visits.followUpHours') {
    const v = value as VisitSettings['visits.followUpHours'];
    const f = floor as VisitSettings['visits.followUpHours'];
    for (const [sev, word] of [
      ['critical', '紧急'],
      ['normal', '一般'],
    ] as const)
      if (v[sev] > f[sev]) out.push(`${word}跟进时限 ${f[sev]} 小时 → ${v[sev]} 小时`);
  }
  return out.length ? out.join('；') : null;
}
