import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown } from '../../../../test/factories.js';
import { isolatedEnv } from '../../../../test/isolated-db.js';
import { CHECKLIST_V1, type ChecklistAnswers, fineAnswers } from '../../../shared/checklist.js';
import { chinaDate } from '../../../shared/china-time.js';
import { seasonFlags } from '../../../shared/schedule.js';
import { migrate } from '../../db/migrate.js';
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
      M: { policyAware: { value: null } },
    };
    expect(answersToStored(a)).toEqual({
      D: { house: { value: 'unsafe', note: '西墙开裂' }, waterHeating: 'safe' },
      G: { indoorTemp: 8 },
      I: { risks: [{ code: 'missing', note: '三天未见' }] },
      J: {},
      M: { policyAware: null },
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

// Migration 021 on a database of its own: rows written in the whole form before it are compacted, and
// policy_aware (the dashboards' column) reads either form.
describe('migration 021 (compact answers)', () => {
  let iso: Awaited<ReturnType<typeof isolatedEnv>>;
  beforeAll(async () => {
    iso = await isolatedEnv(await testEnv());
  });
  afterAll(async () => {
    await iso?.drop();
  });

  it('stores new visits compact, compacts rows stored whole, and policy_aware reads both forms', async () => {
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
        'select id, answers, policy_aware from visits where id = any($1::int[]) order by id',
        [ids],
      );
    const compact = [answersToStored(fine), answersToStored(unaware)];
    expect(await rows()).toEqual([
      { id: ids[0], answers: through(compact[0]), policy_aware: 'yes' },
      { id: ids[1], answers: through(compact[1]), policy_aware: 'no' },
    ]);
    expect(compact[1].M.policyAware).toEqual({ value: 'no', note: '不知道救助标准' });

    // As a database written before 021 holds them: whole.
    await db.query(`update visits set answers = $2 where id = $1`, [ids[0], JSON.stringify(fine)]);
    await db.query(`update visits set answers = $2 where id = $1`, [ids[1], JSON.stringify(unaware)]);
    expect((await rows()).map((r) => r.policy_aware)).toEqual(['yes', 'no']);
    const read = await visitor.http.get(`/api/visits/${ids[0]}`);
    expect(read.json().answers).toEqual(fine);

    await db.query(`delete from schema_migrations where name = '021_visit_answers_compact.sql'`);
    expect(await migrate(db)).toEqual(['021_visit_answers_compact.sql']);
    expect(await rows()).toEqual([
      { id: ids[0], answers: through(compact[0]), policy_aware: 'yes' },
      { id: ids[1], answers: through(compact[1]), policy_aware: 'no' },
    ]);
    for (const [i, a] of [fine, unaware].entries())
      expect((await visitor.http.get(`/api/visits/${ids[i]}`)).json().answers).toEqual(a);
    // The dashboards' index is back, with the column.
    const [ix] = await db.query<{ def: string }>(
      `select indexdef as def from pg_indexes where indexname = 'visits_oversight_idx'`,
    );
    expect(ix.def).toContain('policy_aware');
  });
});
