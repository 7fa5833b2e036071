import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown } from '../../../../test/factories.js';
import { isolatedEnv } from '../../../../test/isolated-db.js';
import { CHECKLIST_V1, type ChecklistAnswers, fineAnswers } from '../../../shared/checklist.js';
import { chinaDate } from '../../../shared/china-time.js';
import { seasonFlags } from '../../../shared/schedule.js';
import { sql } from '../../db/sql.js';
import { compactStoredAnswers } from './compact-answers.js';
import { answersFromStored, answersToStored } from './stored-answers.js';

const through = (x: unknown) => JSON.parse(JSON.stringify(x));

const value = fc.oneof(
  fc.string(),
  fc.integer({ min: -50, max: 60 }),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.array(fc.record({ code: fc.string(), note: fc.string() }), { maxLength: 2 }),
);
const answer = fc.oneof(
  value.map((v) => ({ value: v })),
  fc.tuple(value, fc.string()).map(([v, note]) => ({ value: v, note })),
);
const answers = fc.dictionary(
  fc.constantFrom('A', 'B', 'C', 'D', 'G', 'I', 'J', 'M'),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), answer, { maxKeys: 6 }),
) as fc.Arbitrary<ChecklistAnswers>;

describe('stored form of the checklist answers', () => {
  it('keeps an answer that is only a value as the value, and one with a note whole', () => {
    const a: ChecklistAnswers = {
      D: { house: { value: 'unsafe', note: '西墙开裂' }, waterHeating: { value: 'safe' } },
      G: { indoorTemp: { value: 8 } },
      I: { risks: { value: [{ code: 'missing', note: '三天未见' }] as never } },
      J: {},
      M: { comfort: { value: 'yes' }, policyAware: { value: null } },
    };
    expect(answersToStored(a)).toEqual({
      D: { house: { value: 'unsafe', note: '西墙开裂' }, waterHeating: 'safe' },
      G: { indoorTemp: 8 },
      I: { risks: [{ code: 'missing', note: '三天未见' }] },
      J: {},
      // policyAware is read by SQL (the generated column policy_aware): kept whole.
      M: { comfort: 'yes', policyAware: { value: null } },
    });
    expect(answersFromStored(through(answersToStored(a)))).toEqual(a);
  });

  it('reads back exactly what it stored, through JSON, for any answers', () => {
    fc.assert(
      fc.property(answers, (a) => {
        expect(answersFromStored(through(answersToStored(a)))).toEqual(through(a));
      }),
      { numRuns: 300 },
    );
  });

  it('reads answers stored whole (rows written before the compact form) unchanged', () => {
    fc.assert(
      fc.property(answers, (a) => {
        expect(answersFromStored(through(a))).toEqual(through(a));
      }),
      { numRuns: 300 },
    );
    expect(answersFromStored(null)).toEqual({});
  });

  it('is much smaller than the whole answers', () => {
    const a = fineAnswers(CHECKLIST_V1, { heating: true, flood: false });
    expect(JSON.stringify(answersToStored(a)).length).toBeLessThan(JSON.stringify(a).length * 0.75);
  });
});

// On a database of its own: visits stored compact, rows written whole before that compacted by the
// command, and policy_aware (the dashboards' generated column) right for both.
describe('compacting answers stored whole (tanfang db compact-answers)', () => {
  let iso: Awaited<ReturnType<typeof isolatedEnv>>;
  beforeAll(async () => {
    iso = await isolatedEnv(await testEnv());
  });
  afterAll(async () => {
    await iso?.drop();
  });

  it('stores new visits compact, compacts rows stored whole in batches, and reads them the same', async () => {
    const db = iso.ctx.db;
    const { town, villages } = await buildTown(iso);
    const visitor = await actorClient(iso, 'visitor', villages[0].id);
    const person = await buildPerson(iso, {
      townId: town.id,
      villageId: villages[0].id,
      visitorId: visitor.id,
      supportStart: '2025-06-01',
    });
    const fine = fineAnswers(CHECKLIST_V1, seasonFlags(chinaDate(new Date('2026-09-03T10:00:00+08:00'))));
    const unaware: ChecklistAnswers = {
      ...fine,
      M: { ...fine.M, policyAware: { value: 'no', note: '不知道救助标准' } },
    };
    const ids: number[] = [];
    for (const [a, at] of [
      [fine, '2026-09-03T10:00:00+08:00'],
      [unaware, '2026-09-04T10:00:00+08:00'],
      [fine, '2026-09-05T10:00:00+08:00'],
    ] as const) {
      const res = await visitor.http.post('/api/visits', {
        clientId: randomUUID(),
        personId: person.id,
        at,
        method: 'in_person',
        outcome: 'reached',
        answers: a,
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().answers).toEqual(a);
      ids.push(res.json().id);
    }
    const rows = () =>
      db.query<{ id: number; answers: unknown; policy_aware: string | null }>(
        sql('select id, answers, policy_aware from visits where id = any($1::int[]) order by id'),
        [ids],
      );
    const stored = [answersToStored(fine), answersToStored(unaware), answersToStored(fine)];
    const expected = [
      { id: ids[0], answers: through(stored[0]), policy_aware: 'yes' },
      { id: ids[1], answers: through(stored[1]), policy_aware: 'no' },
      { id: ids[2], answers: through(stored[2]), policy_aware: 'yes' },
    ];
    expect(await rows()).toEqual(expected);
    expect(through(stored[0]).A.foodClothing).toBe('adequate');
    expect(through(stored[0]).M.policyAware).toEqual({ value: 'yes' });

    // Two of them as a database written before the stored form holds them: whole.
    await db.query(sql('update visits set answers = $2 where id = $1'), [ids[0], JSON.stringify(fine)]);
    await db.query(sql('update visits set answers = $2 where id = $1'), [ids[1], JSON.stringify(unaware)]);
    expect((await rows()).map((r) => r.policy_aware)).toEqual(['yes', 'no', 'yes']);
    for (const [i, a] of [fine, unaware, fine].entries())
      expect((await visitor.http.get(`/api/visits/${ids[i]}`)).json().answers).toEqual(a);

    const progress: number[] = [];
    const first = await compactStoredAnswers(iso.ctx, { batch: 1, onProgress: (d) => progress.push(d) });
    expect(first).toEqual({ visits: 3, compacted: 2 });
    expect(progress).toEqual(Array.from({ length: ids[2] - ids[0] + 1 }, (_, i) => i + 1));
    expect(await rows()).toEqual(expected);
    for (const [i, a] of [fine, unaware, fine].entries())
      expect((await visitor.http.get(`/api/visits/${ids[i]}`)).json().answers).toEqual(a);
    // Run again (after a stop, say): nothing left to write.
    expect(await compactStoredAnswers(iso.ctx, { batch: 1000 })).toEqual({ visits: 3, compacted: 0 });
  });
});
