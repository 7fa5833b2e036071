import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown, buildUser } from '../../../../test/factories.js';
import { insertAgreementRow, insertTaskRow, insertVisitRow } from '../../../../test/oversight-fixtures.js';
import type { MetricId } from '../../../shared/metrics.js';
import { type Clock, createClock } from '../../clock.js';
import { sql } from '../../db/sql.js';
import type { Scope } from '../../http/scope.js';
import * as repo from './repo.js';
import {
  availableMetrics,
  figureCounts,
  figureOptions,
  keptPeriods,
  periodBounds,
  refreshAllMetricCells,
  refreshMetricCells,
} from './service.js';

/**
 * The figure cells (migration 009) against the live query: after random writes, and as the clock
 * moves with no write at all, every cached count of every slice equals repo.countFigures.
 */
let env: TestEnv;
let savedClock: Clock;

beforeAll(async () => {
  env = await testEnv();
  savedClock = env.ctx.clock;
});
afterAll(() => {
  env.ctx.clock = savedClock;
});

const scopeOf = (o: Partial<Scope>): Scope => ({
  userId: 0,
  all: false,
  areaIds: [],
  visitor: false,
  departments: [],
  ...o,
});

/** Cached (figureCounts) and live (countFigures) counts of a slice, for each period, side by side. */
async function expectSame(slice: repo.Slice, group: repo.GroupKey, periods: string[], label: string) {
  const ctx = env.ctx;
  const now = ctx.clock.now();
  const metrics = await availableMetrics(ctx.db);
  const opts = await figureOptions(ctx.db);
  const cached = await figureCounts(ctx, metrics, slice, periods, now, group, opts);
  for (const p of periods) {
    const live = await repo.countFigures(ctx.db, metrics, slice, periodBounds(p, now), group, opts);
    expect(normal(cached.get(p)!, metrics), `${label} ${p}`).toEqual(normal(live, metrics));
  }
}
const normal = (rows: repo.GroupedCounts[], metrics: MetricId[]) =>
  Object.fromEntries(
    rows.map((r) => [
      r.total ? 'total' : String(r.key),
      Object.fromEntries(metrics.map((m) => [m, r.counts[m] ? r.counts[m]!.map(String).join('/') : '-'])),
    ]),
  );

/** A small seeded generator, so a failure can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)],
  };
}

describe('figure cells', () => {
  it('equal the live counts for every slice after random writes', async () => {
    env.ctx.clock = createClock('2026-03-20T12:00:00+08:00');
    const db = env.ctx.db;
    const towns = [await buildTown(env, 3), await buildTown(env, 2)];
    const villages = towns.flatMap((t) => t.villages.map((v) => ({ id: v.id, townId: t.town.id })));
    const visitors = [
      await buildUser(env, 'visitor', villages[0].id),
      await buildUser(env, 'visitor', villages[1].id),
      await buildUser(env, 'visitor', villages[3].id),
    ];
    const persons: number[] = [];
    for (let i = 0; i < 16; i++) {
      const v = villages[i % villages.length];
      const p = await buildPerson(env, {
        townId: v.townId,
        villageId: v.id,
        visitorId: visitors[i % 3].id,
        selfCare: (['capable', 'partial', 'none'] as const)[i % 3],
      });
      persons.push(p.id);
    }
    const periods = ['2026-02', '2026-03', '2026-04', '2026-03-1', '2026-03-2'];
    const r = prng(20261201);
    const personRow = async (id: number) =>
      (
        await db.query<{ town_id: number; village_id: number; visitor_id: number | null }>(
          sql('select town_id, village_id, visitor_id from persons where id = $1'),
          [id],
        )
      )[0];
    const writes: Record<string, () => Promise<unknown>> = {
      visit: async () => {
        const id = r.pick(persons);
        const p = await personRow(id);
        const day = 1 + r.int(28);
        return insertVisitRow(db, {
          personId: id,
          visitorId: p.visitor_id ?? visitors[0].id,
          townId: p.town_id,
          villageId: p.village_id,
          at: new Date(`2026-0${2 + r.int(3)}-${String(day).padStart(2, '0')}T${10 + r.int(12)}:00:00+08:00`),
          method: r.pick(['in_person', 'phone', 'video'] as const),
          outcome: r.pick(['reached', 'reached', 'no_answer'] as const),
          answers: { M: { policyAware: { value: r.pick(['yes', 'no', 'unsure']) } } },
        });
      },
      task: async () => {
        const id = r.pick(persons);
        const p = await personRow(id);
        const period = r.pick(periods);
        const taken = await db.query(sql('select 1 from visit_tasks where person_id = $1 and period = $2'), [
          id,
          period,
        ]);
        if (taken.length) return;
        return insertTaskRow(db, {
          personId: id,
          period,
          status: r.pick(['open', 'done', 'missed', 'cancelled'] as const),
          townId: p.town_id,
          villageId: p.village_id,
          visitorId: p.visitor_id,
        });
      },
      taskStatus: () =>
        db.query(
          sql(`update visit_tasks set status = $3 where id = (select id from visit_tasks where person_id = any($1::int[])
             order by id offset $2 limit 1)`),
          [persons, r.int(8), r.pick(['missed', 'cancelled', 'done', 'open'])],
        ),
      pause: () =>
        db.query(sql(`update persons set status = $2, status_since = $3 where id = $1`), [
          r.pick(persons),
          r.pick(['paused', 'active', 'ended']),
          `2026-0${2 + r.int(3)}-1${r.int(10)}`,
        ]),
      // A paused or ended person made active again inside a period (counts by the status history).
      statusHistory: async () => {
        const [p] = await db.query<{ id: number }>(
          sql(
            `select id from persons where id = any($1::int[]) and status <> 'active' order by id offset $2 limit 1`,
          ),
          [persons, r.int(3)],
        );
        if (!p) return;
        return db.query(
          sql(`insert into person_status_changes (person_id, status, effective_on) values ($1, $2, $3)`),
          [p.id, 'active', `2026-0${2 + r.int(3)}-1${r.int(10)}`],
        );
      },
      move: () => {
        const v = r.pick(villages);
        return db.query(
          sql('update persons set town_id = $2, village_id = $3, visitor_id = $4 where id = $1'),
          [r.pick(persons), v.townId, v.id, r.pick([...visitors.map((x) => x.id), null])],
        );
      },
      selfCare: () =>
        db.query(sql('update persons set self_care = $2 where id = $1'), [
          r.pick(persons),
          r.pick(['capable', 'partial', 'none']),
        ]),
      // An agreement added or ended for a person who needs one (the agreementCoverage figure).
      agreement: async () => {
        const needing = await db.query<{ id: number }>(
          sql(
            `select id from persons where id = any($1::int[]) and status = 'active' and self_care <> 'capable' order by id`,
          ),
          [persons],
        );
        if (!needing.length) return;
        const id = r.pick(needing).id;
        const active = await db.query(
          sql(`select 1 from care_agreements where person_id = $1 and status = 'active'`),
          [id],
        );
        if (active.length)
          return db.query(
            sql(`update care_agreements set status = 'terminated', terminated_on = start_date, termination_reason = '测试'
             where person_id = $1 and status = 'active'`),
            [id],
          );
        return insertAgreementRow(db, {
          personId: id,
          townId: (await personRow(id)).town_id,
          startDate: '2026-01-01',
          endDate: '2026-12-31',
          status: 'active',
        });
      },
      deleteVisit: () =>
        db.query(
          sql('delete from visits where id = (select max(id) from visits where person_id = any($1::int[]))'),
          [persons],
        ),
    };
    const names = Object.keys(writes);
    const areaIds = villages.flatMap((v) => [v.id, v.townId]);
    // One write, then the towns by village (every count of every village) and one more slice in turn.
    const all = scopeOf({ all: true });
    for (let round = 0; round < 36; round++) {
      const what = r.pick(names);
      await writes[what]();
      const label = `r${round} ${what}`;
      for (const t of towns)
        await expectSame(
          { area: { id: t.town.id, level: 'town' }, scope: all },
          'village_id',
          periods,
          label,
        );
      // Slices of whole towns are summed from the town sums (metric_town_cells), the rest from the
      // village cells: both against the live counts every round.
      expect(repo.wholeTowns({ area: null, scope: all }, 'town_id')).toBe(true);
      await expectSame({ area: null, scope: all }, 'town_id', periods, `${label} every town`);
      await expectSame({ area: null, scope: all }, null, periods, `${label} all`);
      const v = r.pick(villages);
      const me = r.pick(visitors);
      const other: [repo.Slice, repo.GroupKey][] = [
        [{ area: { id: v.townId, level: 'town' }, scope: all }, null],
        [{ area: { id: v.townId, level: 'town' }, scope: all }, 'visitor_id'],
        [{ area: { id: v.id, level: 'village' }, scope: all }, 'visitor_id'],
        // An officer's reach (both towns) and a visitor's own persons, no area chosen.
        [{ area: null, scope: scopeOf({ areaIds }) }, null],
        [{ area: null, visitorId: me.id, scope: scopeOf({ userId: me.id, visitor: true }) }, null],
      ];
      await expectSame(...other[round % other.length], periods, `${label} slice ${round % other.length}`);
    }
  }, 120_000);

  it('are all computed again by the job after a bulk load, two periods at a time on PostgreSQL', async () => {
    // The data of the test above (visits and tasks in February to April), every kept period stale.
    env.ctx.clock = createClock('2026-04-25T12:00:00+08:00');
    const db = env.ctx.db;
    let open = 0;
    let most = 0;
    const counted: typeof db = {
      ...db,
      kind: db.kind,
      query: (sql, params) => db.query(sql, params),
      tx: async (fn) => {
        most = Math.max(most, ++open);
        try {
          return await db.tx(fn);
        } finally {
          open--;
        }
      },
    };
    const { cells } = await refreshAllMetricCells({ ...env.ctx, db: counted });
    expect(most).toBe(db.kind === 'postgresql' ? 2 : 1);
    // Every (period, family, village) computed is counted once, whichever worker computed it.
    const [{ n }] = await db.query<{ n: number }>(sql('select count(*)::int as n from metric_cell_state'));
    expect(cells).toBeGreaterThan(0);
    expect(cells).toBe(n);
    // Nothing left stale, and what the job wrote is what the live counts say.
    expect((await refreshMetricCells(env.ctx)).cells).toBe(0);
    const { current, past } = keptPeriods(env.ctx.clock.now());
    const all = scopeOf({ all: true });
    const periods = [...current, ...past].filter((p) => p >= '2026-02');
    expect(periods.length).toBeGreaterThanOrEqual(9);
    await expectSame({ area: null, scope: all }, 'town_id', periods, 'after the job');
  });

  it('see each kind of write at once: agreement ended, status history, task and person changes', async () => {
    env.ctx.clock = createClock('2026-03-20T12:00:00+08:00');
    const db = env.ctx.db;
    const { town, villages } = await buildTown(env, 2);
    const vis = await buildUser(env, 'visitor', villages[0].id);
    const row = { townId: town.id, villageId: villages[0].id, visitorId: vis.id };
    const A = (await buildPerson(env, { ...row, selfCare: 'partial' })).id;
    const B = (await buildPerson(env, row)).id;
    await insertAgreementRow(db, {
      personId: A,
      townId: town.id,
      startDate: '2026-01-01',
      endDate: '2026-12-31',
      status: 'active',
    });
    await db.query(sql(`update persons set status = 'paused', status_since = '2026-01-05' where id = $1`), [
      B,
    ]);
    const task = await insertTaskRow(db, { ...row, personId: A, period: '2026-03-1', status: 'open' });
    const check = (label: string) =>
      expectSame(
        { area: { id: town.id, level: 'town' }, scope: scopeOf({ all: true }) },
        'village_id',
        ['2026-03', '2026-02'],
        label,
      );
    await check('start');
    await db.query(
      sql(
        `update care_agreements set status = 'terminated', terminated_on = start_date, termination_reason = '测试' where person_id = $1`,
      ),
      [A],
    );
    await check('agreement ended');
    await db.query(
      sql(
        `insert into person_status_changes (person_id, status, effective_on) values ($1, 'active', '2026-03-10')`,
      ),
      [B],
    );
    await check('status history');
    await db.query(sql(`update visit_tasks set status = 'missed' where id = $1`), [task]);
    await check('task missed');
    await db.query(sql('update persons set village_id = $2 where id = $1'), [A, villages[1].id]);
    await check('person moved');
    await db.query(sql(`delete from person_status_changes where person_id = $1`), [B]);
    await check('status history removed');
  }, 60_000);

  it('follow the clock with no write: a window ending mid-day, midnight, and the clock set back', async () => {
    const clock = createClock('2026-03-29T10:00:00+08:00');
    env.ctx.clock = clock;
    const db = env.ctx.db;
    const { town, villages } = await buildTown(env, 1);
    const v = villages[0];
    const vis = await buildUser(env, 'visitor', v.id);
    const row = { townId: town.id, villageId: v.id, visitorId: vis.id };
    const A = (await buildPerson(env, { ...row, selfCare: 'partial' })).id;
    const B = (await buildPerson(env, { ...row })).id;
    await insertTaskRow(db, { ...row, personId: A, period: '2026-04', status: 'open' });
    // A follow-up window ending at 15:00 China time today, still open.
    await db.query(
      sql(`insert into visit_tasks (person_id, kind, period, tier, window_start, window_end, due_date, visitor_id, town_id, village_id, status)
       values ($1, 'follow_up', 'f:test:1', 'general', '2026-03-28T15:00:00+08:00', '2026-03-29T15:00:00+08:00', '2026-03-29', $2, $3, $4, 'open')`),
      [B, vis.id, town.id, v.id],
    );
    await insertAgreementRow(db, {
      personId: A,
      townId: town.id,
      startDate: '2026-01-01',
      endDate: '2026-03-29',
      status: 'active',
    });
    const read = async (period: string) => {
      // A fresh session each time: the clock jumps further than a session lives.
      const officer = await actorClient(env, 'town_officer', town.id);
      const b = (await officer.http.get(`/api/oversight/metrics?period=${period}&areaId=${town.id}`)).json();
      await expectSame(
        { area: { id: town.id, level: 'town' }, scope: scopeOf({ all: true }) },
        'village_id',
        [period],
        clock.now().toISOString(),
      );
      return b.figures;
    };
    let f = await read('2026-03');
    expect(f.onTime).toMatchObject({ denominator: 0 });
    expect(f.dueSoon).toEqual({ value: 1 });
    expect(f.agreementCoverage).toEqual({ value: 1, numerator: 1, denominator: 1 });
    clock.set('2026-03-29T16:00:00+08:00'); // the follow-up window has ended: due, not done
    f = await read('2026-03');
    expect(f.onTime).toEqual({ value: 0, numerator: 0, denominator: 1 });
    clock.set('2026-03-30T00:30:00+08:00'); // midnight: the agreement has ended, nothing due soon
    f = await read('2026-03');
    expect(f.dueSoon).toEqual({ value: 0 });
    expect(f.agreementCoverage).toEqual({ value: 0, numerator: 0, denominator: 1 });
    expect((await read('2026-04')).dueSoon).toEqual({ value: 0 });
    clock.set('2026-04-27T09:00:00+08:00'); // three days before April's due date
    expect((await read('2026-04')).dueSoon).toEqual({ value: 1 });
    clock.set('2026-03-29T10:00:00+08:00'); // and back: the counts of that morning again
    f = await read('2026-03');
    expect(f.onTime).toMatchObject({ denominator: 0 });
    expect(f.dueSoon).toEqual({ value: 1 });
    expect(f.agreementCoverage).toEqual({ value: 1, numerator: 1, denominator: 1 });
  }, 60_000);

  // PGlite has one connection: two writers at once exist only on PostgreSQL.
  it.runIf(!!process.env.DATABASE_URL)(
    'let two visits to one village be written at once (the triggers take no lock a writer waits for)',
    async () => {
      env.ctx.clock = createClock('2026-03-20T12:00:00+08:00');
      const db = env.ctx.db;
      const { town, villages } = await buildTown(env, 1);
      const vis = await buildUser(env, 'visitor', villages[0].id);
      const row = { townId: town.id, villageId: villages[0].id, visitorId: vis.id };
      const [A, B] = [(await buildPerson(env, row)).id, (await buildPerson(env, row)).id];
      const visit = (q: typeof db, personId: number) =>
        insertVisitRow(q, { ...row, personId, at: new Date(), method: 'phone', outcome: 'reached' });
      let release = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      let inserted = () => {};
      const first = new Promise<void>((r) => {
        inserted = r;
      });
      // A's transaction writes its visit and stays open until B's has committed.
      const a = db.tx(async (q) => {
        await visit(q as typeof db, A);
        inserted();
        await held;
      });
      await first;
      await db.tx(async (q) => {
        await q.query(sql(`set local lock_timeout = '2s'`));
        await visit(q as typeof db, B);
      });
      release();
      await a;
      await expectSame(
        { area: { id: town.id, level: 'town' }, scope: scopeOf({ all: true }) },
        'village_id',
        ['2026-03'],
        'after both',
      );
    },
    30_000,
  );
});
