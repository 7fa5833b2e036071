import { describe, expect, it } from 'vitest';
import {
  CHECKLIST_V1,
  checklistColumns,
  fineAnswers,
  formatAnswer,
  type RoundTask,
  requestsOf,
  risksOf,
  roundChecksText,
  roundErrorMessage,
  roundsAt,
  seasonsWithRounds,
  validateChecklist,
  wishesOf,
} from './checklist.js';

const ctx = { method: 'in_person' as const, seasons: { heating: false, flood: false } };

describe('checklist validation', () => {
  it('accepts a complete good answer set', () => {
    expect(validateChecklist(CHECKLIST_V1, fineAnswers(CHECKLIST_V1), ctx)).toEqual([]);
  });

  it('requires every required item and names the field', () => {
    const a = fineAnswers(CHECKLIST_V1);
    delete a.D!.house;
    const errs = validateChecklist(CHECKLIST_V1, a, ctx);
    expect(errs).toEqual([{ field: 'answers.D.house', message: '请填写「安全情况·房屋安全」' }]);
  });

  it('needs a description on hazard, poor and no answers', () => {
    const a = fineAnswers(CHECKLIST_V1);
    a.D!.house = { value: 'hazard' };
    a.E!.home = { value: 'poor', note: '  ' };
    a.M!.policyAware = { value: 'no' };
    a.E!.personal = { value: 'poor', note: '衣物脏乱' };
    const fields = validateChecklist(CHECKLIST_V1, a, ctx).map((e) => e.field);
    expect(fields).toEqual(['answers.D.house', 'answers.E.home', 'answers.M.policyAware']);
  });

  it('asks the seasonal checks only in season, and a cold room needs a note', () => {
    expect(
      validateChecklist(CHECKLIST_V1, fineAnswers(CHECKLIST_V1), {
        ...ctx,
        seasons: { heating: true, flood: false },
      }).map((e) => e.field),
    ).toEqual(['answers.G.indoorTemp', 'answers.G.heatingSafety', 'answers.G.ventilation']);
    const a = fineAnswers(CHECKLIST_V1, { heating: true, flood: false });
    a.G!.indoorTemp = { value: 9 };
    expect(
      validateChecklist(CHECKLIST_V1, a, { ...ctx, seasons: { heating: true, flood: false } })[0].field,
    ).toBe('answers.G.indoorTemp');
  });

  it('does not require the home checks on a phone call', () => {
    const a = fineAnswers(CHECKLIST_V1);
    delete a.D;
    delete a.E;
    delete a.F;
    expect(validateChecklist(CHECKLIST_V1, a, { ...ctx, method: 'phone' })).toEqual([]);
    expect(validateChecklist(CHECKLIST_V1, a, ctx).length).toBe(10);
  });

  it('checks risks and requests and rejects unknown keys', () => {
    const a = fineAnswers(CHECKLIST_V1);
    a.I = {
      risks: {
        value: [
          { code: 'missing', note: '三天未归' },
          { code: 'bogus' as any, note: 'x' },
        ],
      },
    };
    a.J = { requests: { value: [{ category: 'housing', note: '' }] } };
    (a as any).Z = {};
    a.A!.extra = { value: 'x' };
    const fields = validateChecklist(CHECKLIST_V1, a, ctx).map((e) => e.field);
    expect(fields).toEqual([
      'answers.A.extra',
      'answers.Z',
      'answers.I.risks.1.code',
      'answers.J.requests.0.note',
    ]);
  });

  it('extracts typed answers and formats them for the ledger', () => {
    const a = fineAnswers(CHECKLIST_V1);
    a.I = { risks: { value: [{ code: 'serious_illness', note: '高烧' }] } };
    a.J = { requests: { value: [{ category: 'housing', note: '屋顶漏雨' }] } };
    a.K!.wantsCentralized = { value: 'yes', note: '想去敬老院' };
    expect(risksOf(a)).toEqual([{ code: 'serious_illness', note: '高烧' }]);
    expect(requestsOf(a)[0].category).toBe('housing');
    expect(wishesOf(a).centralizedSupport).toBe(true);
    const col = checklistColumns(CHECKLIST_V1).find((c) => c.key === 'D.house')!;
    expect(col.header).toBe('D 安全情况·房屋安全');
    expect(formatAnswer(col.item, { value: 'hazard', note: '墙体开裂' })).toBe('有隐患（墙体开裂）');
  });
});

describe('round checks (roundsAt, seasonsWithRounds, roundErrorMessage)', () => {
  const task = (o: Partial<RoundTask>): RoundTask => ({
    status: 'open',
    windowStart: '2026-03-01T02:00:00.000Z',
    windowEnd: '2026-03-04T16:00:00.000Z',
    checks: ['heating'],
    name: '寒潮专项探访',
    ...o,
  });
  it('picks the open or missed tasks with checks whose window holds the time (start in, end out)', () => {
    const at = (s: string) => new Date(s);
    expect(roundsAt([task({})], at('2026-03-01T02:00:00.000Z'))).toHaveLength(1);
    expect(roundsAt([task({})], at('2026-03-01T01:59:59.999Z'))).toHaveLength(0);
    expect(roundsAt([task({})], at('2026-03-04T16:00:00.000Z'))).toHaveLength(0);
    expect(roundsAt([task({ status: 'missed' })], at('2026-03-02T00:00:00Z'))).toHaveLength(1);
    for (const status of ['done', 'cancelled'])
      expect(roundsAt([task({ status })], at('2026-03-02T00:00:00Z'))).toHaveLength(0);
    expect(roundsAt([task({ checks: [] })], at('2026-03-02T00:00:00Z'))).toHaveLength(0);
  });
  it('adds the rounds’ checks to the day’s seasons and says which round asks an item', () => {
    const off = { heating: false, flood: false };
    const rounds = [task({}), task({ checks: ['flood'], name: '暴雨' })];
    const seasons = seasonsWithRounds(off, rounds);
    expect(seasons).toEqual({ heating: true, flood: true });
    const errors = validateChecklist(CHECKLIST_V1, fineAnswers(CHECKLIST_V1, off), {
      method: 'in_person',
      seasons,
    });
    expect(errors.map((e) => e.field)).toEqual([
      'answers.G.indoorTemp',
      'answers.G.heatingSafety',
      'answers.G.ventilation',
      'answers.G.electrical',
      'answers.G.floodSafety',
    ]);
    expect(roundErrorMessage(CHECKLIST_V1, errors[0], off, rounds)).toBe(
      '请填写「季节性检查·室内温度」（专项探访「寒潮专项探访」须检查取暖安全）',
    );
    expect(roundErrorMessage(CHECKLIST_V1, errors[4], off, rounds)).toContain('「暴雨」须检查防汛与用电安全');
    // In season the item is asked anyway: the plain message.
    expect(roundErrorMessage(CHECKLIST_V1, errors[0], { heating: true, flood: false }, rounds)).toBe(
      '请填写「季节性检查·室内温度」',
    );
    // A phone call is not asked section G, round or not.
    expect(
      validateChecklist(CHECKLIST_V1, fineAnswers(CHECKLIST_V1, off), { method: 'phone', seasons }).filter(
        (e) => e.field.startsWith('answers.G'),
      ),
    ).toEqual([]);
    expect(roundChecksText(['heating', 'flood'])).toBe('须检查：取暖安全、防汛与用电安全');
    expect(roundChecksText([])).toBeNull();
  });
});
