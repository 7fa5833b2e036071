import { describe, expect, it } from 'vitest';
import {
  addMonths,
  CARE_DEFAULTS,
  maskName,
  previousReviewPeriod,
  reviewPeriodOf,
  scoreReview,
} from './care.js';

const rule = CARE_DEFAULTS['care.review'];
const none = { visits: 0, duty: { yes: 0, partly: 0, no: 0 }, seriousInfringements: 0 };

describe('caregiver review score', () => {
  it('weights satisfaction, neighbours and visits, and passes at the threshold', () => {
    const r = scoreReview(
      {
        satisfaction: 5,
        neighbourScores: [4, 4],
        observations: { visits: 4, duty: { yes: 3, partly: 1, no: 0 }, seriousInfringements: 0 },
      },
      rule,
    );
    // 0.4·100 + 0.3·75 + 0.3·87.5
    expect(r).toEqual({
      satisfactionScore: 100,
      neighbourScore: 75,
      visitScore: 87.5,
      score: 88.8,
      passed: true,
    });
    expect(
      scoreReview({ satisfaction: 3, neighbourScores: [], observations: none }, { ...rule, passScore: 50 })
        .passed,
    ).toBe(true);
    expect(
      scoreReview({ satisfaction: 3, neighbourScores: [], observations: none }, { ...rule, passScore: 50.1 })
        .passed,
    ).toBe(false);
  });

  it('drops a part with no data and rescales the other weights', () => {
    const r = scoreReview({ satisfaction: 4, neighbourScores: [], observations: none }, rule);
    expect(r.neighbourScore).toBeNull();
    expect(r.visitScore).toBeNull();
    expect(r.score).toBe(75);
  });

  it('fails any review whose period saw a serious infringement', () => {
    const r = scoreReview(
      {
        satisfaction: 5,
        neighbourScores: [5, 5, 5],
        observations: { visits: 3, duty: { yes: 3, partly: 0, no: 0 }, seriousInfringements: 1 },
      },
      rule,
    );
    expect(r.visitScore).toBe(0);
    expect(r.score).toBe(70);
    expect(r.passed).toBe(false);
  });
});

describe('helpers', () => {
  it('masks names to the surname', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳娜娜')).toBe('欧*');
    expect(maskName('王秀英')).toBe('王*');
    expect(maskName('王')).toBe('*');
  });
  it('finds quarters and months', () => {
    expect(reviewPeriodOf('2026-05-20', 3)).toEqual({ from: '2026-04-01', to: '2026-06-30' });
    expect(previousReviewPeriod('2026-01-10', 3)).toEqual({ from: '2025-10-01', to: '2025-12-31' });
    expect(reviewPeriodOf('2026-11-02', 6)).toEqual({ from: '2026-07-01', to: '2026-12-31' });
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(addMonths('2026-11', 3)).toBe('2027-02');
  });
});
