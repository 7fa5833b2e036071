import { describe, expect, it } from 'vitest';
import {
  addDays,
  chinaDate,
  chinaDayBounds,
  chinaDayStart,
  chinaMonth,
  chinaMonthBounds,
} from './china-time.js';

describe('China day and month bounds (arithmetic, for every visit submission)', () => {
  it('agree with the date-text definitions at every hour across a year boundary', () => {
    // Every hour from 2026-12-30 to 2027-01-02 China time, and the instants either side of midnight.
    const from = Date.parse('2026-12-29T15:00:00Z');
    for (let t = from; t < from + 4 * 86400000; t += 1800000) {
      for (const at of [new Date(t), new Date(t - 1)]) {
        const day = chinaDate(at);
        expect(chinaDayBounds(at)).toEqual({
          start: chinaDayStart(day),
          end: chinaDayStart(addDays(day, 1)),
        });
        const month = chinaMonth(at);
        const next = month === '2026-12' ? '2027-01' : '2027-02';
        expect(chinaMonthBounds(at)).toEqual({
          start: chinaDayStart(`${month}-01`),
          end: chinaDayStart(`${next}-01`),
        });
      }
    }
  });

  it('put China midnight in the new day and the new month', () => {
    const midnight = new Date('2026-11-30T16:00:00Z'); // 2026-12-01 00:00 in China
    expect(chinaDayBounds(midnight).start).toEqual(midnight);
    expect(chinaMonthBounds(midnight)).toEqual({
      start: midnight,
      end: new Date('2026-12-31T16:00:00Z'),
    });
    const before = new Date(midnight.getTime() - 1);
    expect(chinaDayBounds(before)).toEqual({ start: new Date('2026-11-29T16:00:00Z'), end: midnight });
    expect(chinaMonthBounds(before).end).toEqual(midnight);
  });
});
