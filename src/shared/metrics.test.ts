import { describe, expect, it } from 'vitest';
import {
  type AssessmentWeights,
  assessmentScore,
  compareWorstFirst,
  DEFAULT_ASSESSMENT_WEIGHTS,
  figureState,
  formatMetric,
  METRIC_IDS,
  type MetricId,
  type MetricValue,
  MIN_SAMPLE,
  periodStateOf,
  ruleOf,
} from './metrics.js';

type Figs = Partial<Record<MetricId, MetricValue>>;
const r = (numerator: number, denominator: number): MetricValue => ({
  value: denominator > 0 ? numerator / denominator : null,
  numerator,
  denominator,
});
/** The district's figures: numerators and denominators summed over the towns. */
function district(...towns: Figs[]): Figs {
  const out: Figs = {};
  for (const t of towns)
    for (const [k, v] of Object.entries(t) as [MetricId, MetricValue][]) {
      const o = out[k] ?? { value: null, numerator: 0, denominator: 0 };
      out[k] = r((o.numerator ?? 0) + (v.numerator ?? 0), (o.denominator ?? 0) + (v.denominator ?? 0));
    }
  return out;
}
const score = (t: Figs, d: Figs, w: AssessmentWeights = DEFAULT_ASSESSMENT_WEIGHTS) =>
  assessmentScore(t, w, d).score!;

describe('the town assessment is fair whatever records a town has', () => {
  it('ranks the town that opens incidents above one with worse coverage that reports nothing (issue 25)', () => {
    // 罕台镇: better coverage and in-person share, the only town with an incident (acknowledged late),
    // a concern (overdue) and a due task (missed), each 0/1. 纺织街道: worse, and nothing to report.
    const hantai: Figs = {
      coverage: r(14, 27),
      inPersonShare: r(40, 47),
      onTime: r(0, 1),
      incidentAckWithin: r(0, 1),
      rectificationOnTime: r(0, 1),
      agreementCoverage: r(3, 4),
    };
    const fangzhi: Figs = {
      coverage: r(11, 26),
      inPersonShare: r(24, 33),
      onTime: r(0, 0),
      incidentAckWithin: r(0, 0),
      rectificationOnTime: r(0, 0),
      agreementCoverage: r(3, 4),
    };
    const d = district(hantai, fangzhi);
    expect(score(hantai, d)).toBeGreaterThan(score(fangzhi, d));
    // The former rule (leave the empty indicators out, renormalise) ranked them the other way round.
    const old = (t: Figs) => {
      const ws = Object.entries(DEFAULT_ASSESSMENT_WEIGHTS) as [MetricId, number][];
      const used = ws.filter(([m]) => t[m]?.value != null);
      const total = used.reduce((s, [, w]) => s + w, 0);
      return used.reduce((s, [m, w]) => s + (t[m]!.value! * w * 100) / total, 0);
    };
    expect(old(hantai)).toBeLessThan(old(fangzhi));
  });

  it('an indicator without records moves a town neither up nor down: it scores the district value', () => {
    const w: AssessmentWeights = { coverage: 50, incidentAckWithin: 50 };
    // Two towns alike in coverage; one has incidents (at the district's rate, enough of them), the other none.
    const withCases: Figs = { coverage: r(8, 10), incidentAckWithin: r(6, 10) };
    const without: Figs = { coverage: r(8, 10), incidentAckWithin: r(0, 0) };
    const other: Figs = { coverage: r(5, 10), incidentAckWithin: r(6, 10) };
    const d = district(withCases, without, other);
    expect(d.incidentAckWithin?.value).toBe(0.6);
    const s = assessmentScore(without, w, d);
    expect(s.components.find((c) => c.metric === 'incidentAckWithin')).toMatchObject({
      basis: 'district',
      scored: 0.6,
    });
    expect(score(without, d, w)).toBe(score(withCases, d, w));
  });

  it('a town does not gain by not reporting: no full marks for an empty indicator', () => {
    const w: AssessmentWeights = { coverage: 50, rectificationOnTime: 50 };
    const good: Figs = { coverage: r(8, 10), rectificationOnTime: r(10, 10) };
    const silent: Figs = { coverage: r(8, 10), rectificationOnTime: r(0, 0) };
    const poor: Figs = { coverage: r(8, 10), rectificationOnTime: r(2, 10) };
    const d = district(good, silent, poor);
    // Reporting and handling on time beats reporting nothing, which beats handling late.
    expect(score(good, d, w)).toBeGreaterThan(score(silent, d, w));
    expect(score(silent, d, w)).toBeGreaterThan(score(poor, d, w));
    expect(score(silent, d, w)).toBeLessThan(100 * (0.8 * 0.5 + 1 * 0.5));
  });

  it('a tiny sample (0/1 early in the month) is padded with the district value, not scored as 0', () => {
    const w: AssessmentWeights = { coverage: 50, onTime: 50 };
    const one: Figs = { coverage: r(8, 10), onTime: r(0, 1) };
    const many: Figs = { coverage: r(8, 10), onTime: r(18, 20) };
    const d = district(one, many); // onTime 18/21
    const c = assessmentScore(one, w, d).components.find((x) => x.metric === 'onTime')!;
    expect(c.basis).toBe('padded');
    expect(c.scored).toBeCloseTo(((MIN_SAMPLE - 1) * (18 / 21)) / MIN_SAMPLE, 10);
    // One late task still counts against the town, but not as a zero for the whole indicator.
    expect(c.scored!).toBeLessThan(d.onTime!.value!);
    expect(c.scored!).toBeGreaterThan(0.5);
  });

  it('is continuous at the sample threshold and uses the own value from MIN_SAMPLE records on', () => {
    const w: AssessmentWeights = { onTime: 100 };
    const d: Figs = { onTime: r(50, 100) };
    const at = assessmentScore({ onTime: r(5, MIN_SAMPLE) }, w, d).components[0];
    expect(at).toMatchObject({ basis: 'own', scored: 1 });
    const below = assessmentScore({ onTime: r(MIN_SAMPLE - 1, MIN_SAMPLE - 1) }, w, d).components[0];
    expect(below.basis).toBe('padded');
    expect(below.scored).toBeCloseTo((MIN_SAMPLE - 1 + 0.5) / MIN_SAMPLE, 10);
  });

  it('leaves out an indicator the whole district has fewer than MIN_SAMPLE records of, for every town alike', () => {
    // 罕台镇's single missed task is the whole district's: it says nothing yet about anyone.
    const w: AssessmentWeights = { coverage: 50, onTime: 50 };
    const a: Figs = { coverage: r(9, 10), onTime: r(0, 1) };
    const b: Figs = { coverage: r(5, 10), onTime: r(0, 0) };
    const d = district(a, b);
    expect(assessmentScore(a, w, d).components[1]).toMatchObject({ basis: 'excluded', points: null });
    expect(score(a, d, w)).toBe(90);
    expect(score(b, d, w)).toBe(50);
  });

  it('leaves out an indicator no town has records in, for every town alike', () => {
    const w: AssessmentWeights = { coverage: 60, incidentAckWithin: 40 };
    const a: Figs = { coverage: r(9, 10), incidentAckWithin: r(0, 0) };
    const b: Figs = { coverage: r(5, 10), incidentAckWithin: r(0, 0) };
    const d = district(a, b);
    const s = assessmentScore(a, w, d);
    expect(s.components.find((c) => c.metric === 'incidentAckWithin')).toMatchObject({
      basis: 'excluded',
      points: null,
    });
    expect(s.score).toBe(90);
    expect(score(b, d, w)).toBe(50);
  });

  it('a town with no records at all scores the district level, not 0 and not 100', () => {
    const busy: Figs = { coverage: r(6, 10), onTime: r(7, 10), inPersonShare: r(8, 10) };
    const empty: Figs = {};
    const d = district(busy);
    const s = score(empty, d);
    expect(s).toBe(score(busy, d));
  });
});

describe('figure rules for empty and small samples and the period in progress', () => {
  it('shows no records as —, a small sample as 样本不足 with n, and never a red 0.0 % from 0/1', () => {
    expect(formatMetric('onTime', r(0, 0))).toBe('—');
    expect(formatMetric('onTime', r(0, 1))).toBe('样本不足（n=1）');
    expect(figureState('onTime', r(0, 1))).toBe('small');
    expect(formatMetric('onTime', r(0, MIN_SAMPLE))).toBe('0.0%');
    expect(figureState('missed', { value: 0 })).toBe('ok');
    expect(formatMetric('incidentAckMedian', { value: 30, denominator: 2 })).toBe('样本不足（n=2）');
    expect(formatMetric('incidentAckMedian', { value: 30, denominator: 6 })).toBe('30 分钟');
  });

  it('sorts small samples last in worst-first tables (not known to be bad)', () => {
    const rows = [r(0, 1), r(3, 10), r(9, 10), r(0, 0)];
    const sorted = [...rows].sort((a, b) => compareWorstFirst('coverage', a, b));
    expect(sorted.slice(0, 2)).toEqual([r(3, 10), r(9, 10)]);
  });

  it('states the rule of every figure, and marks a period that has not ended', () => {
    for (const id of METRIC_IDS) expect(ruleOf(id).length).toBeGreaterThan(10);
    expect(ruleOf('onTime')).toContain('样本不足');
    expect(ruleOf('onTime')).toContain('进行中');
    const w = { start: new Date('2026-12-01T00:00:00+08:00'), end: new Date('2027-01-01T00:00:00+08:00') };
    expect(periodStateOf(w, new Date('2026-12-02T10:00:00+08:00'))).toBe('current');
    expect(periodStateOf(w, new Date('2027-01-01T00:00:00+08:00'))).toBe('past');
    expect(periodStateOf(w, new Date('2026-11-30T00:00:00+08:00'))).toBe('future');
  });
});
