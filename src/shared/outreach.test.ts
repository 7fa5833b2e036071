import { describe, expect, it } from 'vitest';
import { outreachPeriodDays, outreachPeriodLabel, quarterOf, reachRuleText } from './outreach.js';

describe('outreach periods and rules', () => {
  it('a quarter spans its three months, a month itself; leap February ends on the 29th', () => {
    expect(outreachPeriodDays('2026-Q1')).toEqual({
      from: '2026-01-01',
      to: '2026-03-31',
      months: ['2026-01', '2026-02', '2026-03'],
    });
    expect(outreachPeriodDays('2026-Q4').to).toBe('2026-12-31');
    expect(outreachPeriodDays('2028-02')).toEqual({
      from: '2028-02-01',
      to: '2028-02-29',
      months: ['2028-02'],
    });
    expect(() => outreachPeriodDays('2026-Q5')).toThrow();
    expect(() => outreachPeriodDays('2026-13')).toThrow();
  });

  it('a date’s quarter, and the labels people read', () => {
    expect(['2026-01-01', '2026-03-31', '2026-04-01', '2026-12-31'].map(quarterOf)).toEqual([
      '2026-Q1',
      '2026-Q1',
      '2026-Q2',
      '2026-Q4',
    ]);
    expect(outreachPeriodLabel('2026-Q2')).toBe('2026年第2季度');
    expect(outreachPeriodLabel('2026-03')).toBe('2026年3月');
    expect(reachRuleText(null)).toBe('逐个选择');
    expect(reachRuleText({ areaId: 5, flags: ['lives_alone'], aged80: true }, '罕台村')).toBe(
      '按规则：罕台村 · 独居、80 岁以上',
    );
    expect(reachRuleText({ areaId: 5 }, '罕台村')).toBe('按规则：罕台村 · 全部在保对象');
  });
});
