import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chinaDate, chinaDayStart, daysInMonth, earlierDate, laterDate } from './china-time.js';
import {
  dueDate,
  frequencyOf,
  inSeason,
  isDueSoon,
  nextPeriod,
  periodLabel,
  periodOf,
  periodsBetween,
  periodWindow,
  previousPeriod,
} from './schedule.js';

const at = (s: string) => new Date(s);

describe('periods in China time', () => {
  it('splits the half month exactly at midnight China time', () => {
    expect(periodOf(at('2026-03-15T23:30:00+08:00'), 'half_month')).toBe('2026-03-1');
    expect(periodOf(at('2026-03-16T00:10:00+08:00'), 'half_month')).toBe('2026-03-2');
    expect(periodOf(at('2026-03-15T23:59:59.999+08:00'), 'half_month')).toBe('2026-03-1');
    expect(periodOf(at('2026-03-16T00:00:00+08:00'), 'half_month')).toBe('2026-03-2');
    // 16:30 UTC on the 15th is already the 16th in China.
    expect(periodOf(at('2026-03-15T16:30:00Z'), 'half_month')).toBe('2026-03-2');
  });

  it('splits months at midnight China time, not UTC or the host zone', () => {
    expect(periodOf(at('2026-03-31T23:59:00+08:00'), 'month')).toBe('2026-03');
    expect(periodOf(at('2026-03-31T16:00:00Z'), 'month')).toBe('2026-04');
    expect(periodOf(at('2026-12-31T16:00:00Z'), 'half_month')).toBe('2027-01-1');
  });

  it('orders China dates as dates when clamping one to a term', () => {
    expect(laterDate('2026-09-30', '2026-10-01')).toBe('2026-10-01');
    expect(laterDate('2026-12-01', '2026-02-28')).toBe('2026-12-01');
    expect(earlierDate('2026-09-30', '2026-10-01')).toBe('2026-09-30');
    expect(earlierDate('2027-01-01', '2026-12-31')).toBe('2026-12-31');
  });

  it('gives windows and due dates including month ends and leap Februaries', () => {
    const w = periodWindow('2024-02-2');
    expect(w.startDate).toBe('2024-02-16');
    expect(w.endDate).toBe('2024-02-29');
    expect(w.start.toISOString()).toBe('2024-02-15T16:00:00.000Z');
    expect(w.end.toISOString()).toBe('2024-02-29T16:00:00.000Z');
    expect(dueDate('2025-02-2')).toBe('2025-02-28');
    expect(dueDate('2100-02')).toBe('2100-02-28');
    expect(dueDate('2000-02')).toBe('2000-02-29');
    expect(dueDate('2026-04-1')).toBe('2026-04-15');
    expect(dueDate('2026-12')).toBe('2026-12-31');
    expect(nextPeriod('2026-12-2')).toBe('2027-01-1');
    expect(nextPeriod('2026-12')).toBe('2027-01');
    expect(previousPeriod('2026-01-1')).toBe('2025-12-2');
    expect(periodsBetween('2026-01-20', '2026-03-02', 'half_month')).toEqual([
      '2026-01-2',
      '2026-02-1',
      '2026-02-2',
      '2026-03-1',
    ]);
    expect(periodLabel('2026-03-2')).toBe('2026年3月下半月');
  });

  it('knows due soon and seasons that wrap the new year', () => {
    expect(isDueSoon('2026-03-15', '2026-03-12')).toBe(true);
    expect(isDueSoon('2026-03-15', '2026-03-11')).toBe(false);
    expect(isDueSoon('2026-03-15', '2026-03-16')).toBe(false);
    const heating = { from: '10-15', to: '04-15' };
    expect(inSeason('2026-01-10', heating)).toBe(true);
    expect(inSeason('2026-04-15', heating)).toBe(true);
    expect(inSeason('2026-04-16', heating)).toBe(false);
    expect(inSeason('2026-10-15', heating)).toBe(true);
    expect(inSeason('2026-07-01', { from: '06-15', to: '09-30' })).toBe(true);
  });
});

const instant = fc.integer({ min: Date.UTC(1999, 0, 1), max: Date.UTC(2101, 0, 1) }).map((t) => new Date(t));
const freq = fc.constantFrom('month' as const, 'half_month' as const);

describe('period properties', () => {
  it('every instant lies inside the window of its period', () => {
    fc.assert(
      fc.property(instant, freq, (t, f) => {
        const w = periodWindow(periodOf(t, f));
        return w.start <= t && t < w.end && frequencyOf(w.period) === f;
      }),
    );
  });

  it('windows start and end at midnight China time and tile time without gaps', () => {
    fc.assert(
      fc.property(instant, freq, (t, f) => {
        const w = periodWindow(periodOf(t, f));
        const n = periodWindow(nextPeriod(w.period));
        expect(n.start.getTime()).toBe(w.end.getTime());
        expect(chinaDayStart(w.startDate).getTime()).toBe(w.start.getTime());
        expect(chinaDate(new Date(w.end.getTime() - 1))).toBe(w.endDate);
        expect(previousPeriod(n.period)).toBe(w.period);
        const [y, m] = w.startDate.split('-').map(Number);
        const last = daysInMonth(y, m);
        const endDay = Number(w.endDate.slice(8));
        expect(endDay === 15 || endDay === last).toBe(true);
      }),
    );
  });

  it('the instant just before a window belongs to the previous period', () => {
    fc.assert(
      fc.property(instant, freq, (t, f) => {
        const w = periodWindow(periodOf(t, f));
        return periodOf(new Date(w.start.getTime() - 1), f) === previousPeriod(w.period);
      }),
    );
  });

  it('two half months make up their month exactly', () => {
    fc.assert(
      fc.property(instant, (t) => {
        const m = periodWindow(periodOf(t, 'month'));
        const h1 = periodWindow(`${m.period}-1`);
        const h2 = periodWindow(`${m.period}-2`);
        return (
          h1.start.getTime() === m.start.getTime() &&
          h2.end.getTime() === m.end.getTime() &&
          h1.end.getTime() === h2.start.getTime()
        );
      }),
    );
  });
});
