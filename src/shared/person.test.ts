import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ageOn } from './person.js';

const iso = (d: Date) => d.toISOString().slice(0, 10);
const day = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 11, 31) }).map((t) => new Date(t));

describe('ageOn', () => {
  it('counts whole years, the birthday itself included', () => {
    expect(ageOn('1946-05-20', '2026-05-19')).toBe(79);
    expect(ageOn('1946-05-20', '2026-05-20')).toBe(80);
    expect(ageOn('1946-12-31', '2027-01-01')).toBe(80);
    expect(ageOn('2026-05-20', '2026-05-20')).toBe(0);
  });

  it('born on 29 February: a year older on 1 March in other years, on 29 February in leap years', () => {
    expect(ageOn('1944-02-29', '2025-02-28')).toBe(80);
    expect(ageOn('1944-02-29', '2025-03-01')).toBe(81);
    expect(ageOn('1944-02-29', '2024-02-28')).toBe(79);
    expect(ageOn('1944-02-29', '2024-02-29')).toBe(80);
  });

  it('agrees with counting calendar years, month and day (property)', () => {
    fc.assert(
      fc.property(day, day, (a, b) => {
        const [birth, on] = a <= b ? [a, b] : [b, a];
        const [by, bm, bd] = [birth.getUTCFullYear(), birth.getUTCMonth(), birth.getUTCDate()];
        const [y, m, d] = [on.getUTCFullYear(), on.getUTCMonth(), on.getUTCDate()];
        const expected = y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
        expect(ageOn(iso(birth), iso(on))).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });
});
