import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown, buildUser } from '../../../../test/factories.js';
import {
  insertAgreementRow,
  insertConcernRow,
  insertIncidentRow,
  insertTaskRow,
  insertVisitRow,
} from '../../../../test/oversight-fixtures.js';
import { type Clock, createClock } from '../../clock.js';
import { sql } from '../../db/sql.js';

/**
 * A town counted by hand. Clock: 2026-03-29 10:00 China time.
 * village 1: P1 (capable, in-person visit 03-05 → task 2026-03 done, knows the policy)
 *            P2 (capable, failed call 03-06; a reached call at 02-28 23:30 China time = February)
 * village 2: P3 (key: 03-1 done by a reached phone call 03-10, 03-2 open; does not know the policy)
 *            P4 (key, paused 03-08: 03-1 cancelled; still active in March)
 *            P5 (key: 03-1 missed, 03-2 open)
 *            P6 (ended 02-10: active in February only)
 */
let env: TestEnv;
let savedClock: Clock;
let t: Awaited<ReturnType<typeof setup>>;

async function setup() {
  const { town, villages } = await buildTown(env, 2);
  const [v1, v2] = villages;
  const vis1 = await buildUser(env, 'visitor', v1.id);
  const vis2 = await buildUser(env, 'visitor', v2.id);
  const p = async (village: number, visitorId: number, selfCare: 'capable' | 'partial' = 'capable') =>
    (await buildPerson(env, { townId: town.id, villageId: village, visitorId, selfCare })).id;
  const P1 = await p(v1.id, vis1.id);
  const P2 = await p(v1.id, vis1.id);
  const P3 = await p(v2.id, vis2.id, 'partial');
  const P4 = await p(v2.id, vis2.id, 'partial');
  const P5 = await p(v2.id, vis2.id, 'partial');
  const P6 = await p(v2.id, vis2.id);
  const db = env.ctx.db;
  await db.query(sql(`update persons set status = 'paused', status_since = '2026-03-08' where id = $1`), [
    P4,
  ]);
  await db.query(
    sql(
      `update persons set status = 'ended', status_since = '2026-02-10', end_reason = 'death' where id = $1`,
    ),
    [P6],
  );
  const at = (s: string) => new Date(s);
  const row = (personId: number, village: number, visitorId: number) => ({
    personId,
    townId: town.id,
    villageId: village,
    visitorId,
  });
  const visit1 = await insertVisitRow(db, {
    ...row(P1, v1.id, vis1.id),
    at: at('2026-03-05T10:00:00+08:00'),
    method: 'in_person',
    outcome: 'reached',
    answers: { M: { policyAware: { value: 'yes' } } },
  });
  const failed = await insertVisitRow(db, {
    ...row(P2, v1.id, vis1.id),
    at: at('2026-03-06T10:00:00+08:00'),
    method: 'phone',
    outcome: 'no_answer',
  });
  const febCall = await insertVisitRow(db, {
    ...row(P2, v1.id, vis1.id),
    at: at('2026-02-28T23:30:00+08:00'),
    method: 'phone',
    outcome: 'reached',
  });
  const call3 = await insertVisitRow(db, {
    ...row(P3, v2.id, vis2.id),
    at: at('2026-03-10T09:00:00+08:00'),
    method: 'phone',
    outcome: 'reached',
    answers: { M: { policyAware: { value: 'no', note: '不清楚' } } },
  });
  const task = (personId: number, village: number, visitorId: number, period: string, status: any) =>
    insertTaskRow(db, { ...row(personId, village, visitorId), period, status });
  const tasks = {
    p1: await task(P1, v1.id, vis1.id, '2026-03', 'done'),
    p2: await task(P2, v1.id, vis1.id, '2026-03', 'open'),
    p3a: await task(P3, v2.id, vis2.id, '2026-03-1', 'done'),
    p3b: await task(P3, v2.id, vis2.id, '2026-03-2', 'open'),
    p4a: await task(P4, v2.id, vis2.id, '2026-03-1', 'cancelled'),
    p5a: await task(P5, v2.id, vis2.id, '2026-03-1', 'missed'),
    p5b: await task(P5, v2.id, vis2.id, '2026-03-2', 'open'),
  };
  return {
    town,
    v1,
    v2,
    vis1,
    vis2,
    persons: { P1, P2, P3, P4, P5, P6 },
    visits: { visit1, failed, febCall, call3 },
    tasks,
  };
}

beforeAll(async () => {
  env = await testEnv();
  savedClock = env.ctx.clock;
  env.ctx.clock = createClock('2026-03-29T10:00:00+08:00');
  t = await setup();
});
// The context is shared by every test file of the run: put the real clock back.
afterAll(() => {
  env.ctx.clock = savedClock;
});

const fig = (body: any, m: string) => body.figures[m];

describe('oversight figures against a hand count', () => {
  it('computes every visit and task figure of the town for a month, and each village', async () => {
    const officer = await actorClient(env, 'town_officer', t.town.id);
    const res = await officer.http.get(`/api/oversight/metrics?period=2026-03&areaId=${t.town.id}`);
    expect(res.statusCode).toBe(200);
    const b = res.json();
    expect(fig(b, 'activePersons')).toEqual({ value: 5 });
    expect(fig(b, 'coverage')).toEqual({ value: 2 / 5, numerator: 2, denominator: 5 });
    // Ended windows: P3 03-1 done, P5 03-1 missed; P4's cancelled task is not counted.
    expect(fig(b, 'onTime')).toEqual({ value: 1 / 2, numerator: 1, denominator: 2 });
    expect(fig(b, 'missed')).toEqual({ value: 1 });
    // Open and due 03-31, two days from 03-29: P2 2026-03, P3 03-2, P5 03-2.
    expect(fig(b, 'dueSoon')).toEqual({ value: 3 });
    // Qualifying visits: P1 in person, P3 by phone; the failed call is no visit.
    expect(fig(b, 'inPersonShare')).toEqual({ value: 1 / 2, numerator: 1, denominator: 2 });
    expect(fig(b, 'policyAwareness')).toEqual({ value: 1 / 2, numerator: 1, denominator: 2 });
    expect(b.childKind).toBe('area');
    const byName = Object.fromEntries(b.children.map((c: any) => [c.name, c.figures]));
    expect(byName[t.v1.name].coverage).toEqual({ value: 1 / 2, numerator: 1, denominator: 2 });
    expect(byName[t.v2.name].coverage).toEqual({ value: 1 / 3, numerator: 1, denominator: 3 });
    expect(byName[t.v2.name].missed).toEqual({ value: 1 });
    expect(byName[t.v1.name].onTime.value).toBeNull();
  });

  it('counts a half-month period and February (China-time window edges, the ended person)', async () => {
    const officer = await actorClient(env, 'town_officer', t.town.id);
    const half = (
      await officer.http.get(`/api/oversight/metrics?period=2026-03-1&areaId=${t.town.id}`)
    ).json();
    expect(fig(half, 'onTime')).toEqual({ value: 1 / 2, numerator: 1, denominator: 2 });
    expect(fig(half, 'coverage')).toMatchObject({ numerator: 2, denominator: 5 });
    const feb = (await officer.http.get(`/api/oversight/metrics?period=2026-02&areaId=${t.town.id}`)).json();
    expect(fig(feb, 'activePersons')).toEqual({ value: 6 });
    expect(fig(feb, 'coverage')).toEqual({ value: 1 / 6, numerator: 1, denominator: 6 });
    const trend = (await officer.http.get(`/api/oversight/trends?period=2026-03&areaId=${t.town.id}`)).json();
    expect(trend.periods).toHaveLength(12);
    expect(trend.periods[0].period).toBe('2025-04');
    expect(trend.periods[10].figures.coverage).toMatchObject({ numerator: 1, denominator: 6 });
    expect(trend.periods[11].figures.coverage).toMatchObject({ numerator: 2, denominator: 5 });
  });

  it('counts a person as active in a period by the status history, not by the status of today', async () => {
    const { town, villages } = await buildTown(env, 1);
    const db = env.ctx.db;
    const steady = (await buildPerson(env, { townId: town.id, villageId: villages[0].id })).id;
    // Paused from 01-10 to 03-20 (history rows as the status change writes them); active again today.
    const resumed = (await buildPerson(env, { townId: town.id, villageId: villages[0].id })).id;
    await db.query(
      sql(`insert into person_status_changes (person_id, status, effective_on, reason) values
         ($1, 'paused', '2026-01-10', '住院'), ($1, 'active', '2026-03-20', '出院')`),
      [resumed],
    );
    await db.query(sql(`update persons set status = 'active', status_since = '2026-03-20' where id = $1`), [
      resumed,
    ]);
    const officer = await actorClient(env, 'town_officer', town.id);
    const active = async (period: string) =>
      fig(
        (await officer.http.get(`/api/oversight/metrics?period=${period}&areaId=${town.id}`)).json(),
        'activePersons',
      ).value;
    expect(await active('2026-01')).toBe(2); // paused on the 10th: active before
    expect(await active('2026-02')).toBe(1); // paused the whole month
    expect(await active('2026-03-1')).toBe(1);
    expect(await active('2026-03-2')).toBe(2); // active again on the 20th
    const records = (
      await officer.http.get(
        `/api/oversight/metrics/activePersons/records?period=2026-02&areaId=${town.id}&limit=50`,
      )
    ).json();
    expect(records.items.map((r: any) => r.personId)).toEqual([steady]);
  });

  it('drills down to exactly the records behind each number', async () => {
    const officer = await actorClient(env, 'town_officer', t.town.id);
    const m = (await officer.http.get(`/api/oversight/metrics?period=2026-03&areaId=${t.town.id}`)).json();
    const rec = async (metric: string, part = 'base') =>
      (
        await officer.http.get(
          `/api/oversight/metrics/${metric}/records?period=2026-03&areaId=${t.town.id}&part=${part}`,
        )
      ).json();
    const P = t.persons;
    const cov = await rec('coverage');
    expect(cov.total).toBe(m.figures.coverage.denominator);
    expect(cov.items.map((i: any) => i.personId).sort()).toEqual([P.P1, P.P2, P.P3, P.P4, P.P5].sort());
    const covered = await rec('coverage', 'counted');
    expect(covered.total).toBe(m.figures.coverage.numerator);
    expect(covered.items.map((i: any) => i.personId).sort()).toEqual([P.P1, P.P3].sort());
    const onTime = await rec('onTime');
    expect(onTime.recordKind).toBe('task');
    expect(onTime.items.map((i: any) => i.id).sort()).toEqual([t.tasks.p3a, t.tasks.p5a].sort());
    expect(onTime.items.find((i: any) => i.id === t.tasks.p3a).counted).toBe(true);
    const missed = await rec('missed');
    expect(missed.items.map((i: any) => i.id)).toEqual([t.tasks.p5a]);
    const due = await rec('dueSoon');
    expect(due.total).toBe(3);
    expect(due.items.map((i: any) => i.id).sort()).toEqual([t.tasks.p2, t.tasks.p3b, t.tasks.p5b].sort());
    const inPerson = await rec('inPersonShare');
    expect(inPerson.items.map((i: any) => i.id).sort()).toEqual([t.visits.visit1, t.visits.call3].sort());
    expect(inPerson.items.every((i: any) => i.id !== t.visits.failed)).toBe(true);
    const active = await rec('activePersons');
    expect(active.total).toBe(m.figures.activePersons.value);
    // Paging: one record a page walks the same set.
    const page1 = (
      await officer.http.get(
        `/api/oversight/metrics/coverage/records?period=2026-03&areaId=${t.town.id}&limit=2`,
      )
    ).json();
    expect(page1.items).toHaveLength(2);
    const page2 = (
      await officer.http.get(
        `/api/oversight/metrics/coverage/records?period=2026-03&areaId=${t.town.id}&limit=2&after=${page1.nextAfter}`,
      )
    ).json();
    expect(page2.items[0].personId).toBeGreaterThan(page1.items[1].personId);
  });

  it('shows a visitor their own progress only, and hides other towns', async () => {
    const visitor = await actorClient(env, 'visitor', t.v1.id);
    // A fresh visitor has no persons: their own figures are empty, not the village's.
    const own = (await visitor.http.get('/api/oversight/metrics?period=2026-03')).json();
    expect(own.figures.activePersons).toEqual({ value: 0 });
    expect((await visitor.http.get(`/api/oversight/metrics?areaId=${t.town.id}`)).statusCode).toBe(404);

    const { login, client } = await import('../../../../test/factories.js');
    const s = await login(env, t.vis1.username);
    const v1 = client(env, s.token);
    const mine = (await v1.get('/api/oversight/metrics?period=2026-03')).json();
    expect(mine.figures.activePersons).toEqual({ value: 2 });
    expect(mine.figures.coverage).toMatchObject({ numerator: 1, denominator: 2 });
    expect(mine.figures.dueSoon).toEqual({ value: 1 });
    expect((await v1.get(`/api/oversight/metrics?visitorId=${t.vis2.id}`)).statusCode).toBe(404);

    const other = await buildTown(env, 1);
    const stranger = await actorClient(env, 'town_officer', other.town.id);
    expect((await stranger.http.get(`/api/oversight/metrics?areaId=${t.town.id}`)).statusCode).toBe(404);
    expect(
      (await stranger.http.get(`/api/oversight/metrics/coverage/records?areaId=${t.town.id}`)).statusCode,
    ).toBe(404);
    const own2 = (await stranger.http.get('/api/oversight/metrics?period=2026-03')).json();
    expect(own2.area.id).toBe(other.town.id);
    expect(own2.figures.activePersons).toEqual({ value: 0 });
  });

  it('lists the town among the district figures and splits a town by visitor', async () => {
    const bureau = await actorClient(env, 'bureau_supervisor', env.districtId);
    const d = (await bureau.http.get('/api/oversight/metrics?period=2026-03')).json();
    expect(d.area.level).toBe('district');
    const mine = d.children.find((c: any) => c.id === t.town.id);
    expect(mine.figures.coverage).toEqual({ value: 2 / 5, numerator: 2, denominator: 5 });
    const byVisitor = (
      await bureau.http.get(`/api/oversight/metrics?period=2026-03&areaId=${t.town.id}&groupBy=visitor`)
    ).json();
    expect(byVisitor.childKind).toBe('visitor');
    const v2 = byVisitor.children.find((c: any) => c.id === t.vis2.id);
    expect(v2.figures.activePersons).toEqual({ value: 3 });
    expect(v2.figures.missed).toEqual({ value: 1 });
  });

  it('rejects a bad period and an unknown metric with a message naming the field', async () => {
    const officer = await actorClient(env, 'town_officer', t.town.id);
    const bad = await officer.http.get('/api/oversight/metrics?period=2026-13');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('期间');
    const unknown = await officer.http.get('/api/oversight/metrics/nonsense/records');
    expect(unknown.statusCode).toBe(400);
  });
});

describe('town assessment', () => {
  it('scores each town with the configured weights, ranked, components visible', async () => {
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const officer = await actorClient(env, 'town_officer', t.town.id);
    const weights = {
      coverage: 30,
      onTime: 25,
      inPersonShare: 15,
      incidentAckWithin: 0,
      rectificationOnTime: 0,
      agreementCoverage: 0,
      reviewPassRate: 0,
    };
    expect((await officer.http.put('/api/oversight/assessment/weights', weights)).statusCode).toBe(403);
    const neg = await admin.http.put('/api/oversight/assessment/weights', { coverage: -1 });
    expect(neg.statusCode).toBe(400);
    const put = await admin.http.put('/api/oversight/assessment/weights', weights);
    expect(put.statusCode).toBe(200);
    const a = (await admin.http.get('/api/oversight/assessment?period=2026-03')).json();
    expect(a.inProgress).toBe(true); // the clock is 2026-03-29: a provisional ranking
    const mine = a.towns.find((x: any) => x.areaId === t.town.id);
    // coverage 2/5 (own value); onTime 1/2 and inPersonShare 1/2 are padded to 5 records with the
    // district's values (shared/metrics.ts assessmentScore).
    // (An indicator the whole district has fewer than 5 records of is left out for every town.)
    const counts = (m: string) => (a.district[m].denominator ?? 0) >= 5;
    const d = (m: string) => a.district[m].value as number;
    const padded = (n: number, den: number, m: string) => (n + (5 - den) * d(m)) / 5;
    const parts: [number, number][] = [[0.4, 30]];
    if (counts('onTime')) parts.push([padded(1, 2, 'onTime'), 25]);
    if (counts('inPersonShare')) parts.push([padded(1, 2, 'inPersonShare'), 15]);
    const expected = parts.reduce((s, [v, w]) => s + v * w, 0) / parts.reduce((s, [, w]) => s + w, 0);
    expect(mine.score).toBeCloseTo(expected * 100, 1);
    expect(mine.components.find((c: any) => c.metric === 'coverage')).toMatchObject({
      weight: 30,
      value: 0.4,
      basis: 'own',
      numerator: 2,
      denominator: 5,
    });
    expect(mine.components.find((c: any) => c.metric === 'onTime')).toMatchObject({
      basis: counts('onTime') ? 'padded' : 'excluded',
    });
    const scores = a.towns.map((x: any) => x.score ?? -1);
    expect([...scores].sort((x, y) => y - x)).toEqual(scores);
    expect(a.towns[0].rank).toBe(1);
    // A town officer sees their own town, scored against the same district values.
    const own = (await officer.http.get('/api/oversight/assessment?period=2026-03')).json();
    expect(own.towns).toHaveLength(1);
    expect(own.towns[0].score).toBe(mine.score);
    expect(own.district).toEqual(a.district);
  });

  it('does not rank a town that opens cases below one with worse coverage that reports nothing', async () => {
    await actorClient(env, 'bureau_admin', env.districtId).then((admin) =>
      admin.http.put('/api/oversight/assessment/weights', {
        coverage: 30,
        onTime: 25,
        inPersonShare: 15,
        incidentAckWithin: 10,
        rectificationOnTime: 10,
        agreementCoverage: 5,
        reviewPassRate: 5,
      }),
    );
    const db = env.ctx.db;
    // Two towns of 10 persons each, all visited in person in February; the reporting town visits 8,
    // the silent one 5. The reporting town also has an incident acknowledged late, an overdue concern
    // and a missed task — the silent one has none of these.
    const build = async (visited: number, cases: boolean) => {
      const { town, villages } = await buildTown(env, 1);
      const v = villages[0];
      const visitor = await buildUser(env, 'visitor', v.id);
      const area = { townId: town.id, villageId: v.id };
      for (let i = 0; i < 10; i++) {
        const id = (await buildPerson(env, { ...area, visitorId: visitor.id })).id;
        if (i < visited)
          await insertVisitRow(db, {
            ...area,
            personId: id,
            visitorId: visitor.id,
            at: new Date('2026-02-10T10:00:00+08:00'),
            method: 'in_person',
            outcome: 'reached',
          });
        if (cases && i === 0) {
          await insertTaskRow(db, {
            ...area,
            personId: id,
            visitorId: visitor.id,
            period: '2026-02',
            status: 'missed',
          });
          await insertIncidentRow(db, {
            ...area,
            personId: id,
            openedAt: new Date('2026-02-03T08:00:00+08:00'),
            parties: [
              {
                party: 'town',
                dueAt: new Date('2026-02-03T10:00:00+08:00'),
                acknowledgedAt: new Date('2026-02-03T15:00:00+08:00'),
              },
            ],
          });
          await insertConcernRow(db, {
            ...area,
            personId: id,
            handling: 'time_limited',
            deadline: '2026-02-20',
            status: 'open',
            createdAt: new Date('2026-02-05T09:00:00+08:00'),
          });
        }
      }
      return town;
    };
    const reporting = await build(8, true);
    const silent = await build(5, false);
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const a = (await admin.http.get('/api/oversight/assessment?period=2026-02')).json();
    expect(a.inProgress).toBe(false);
    const row = (id: number) => a.towns.find((x: any) => x.areaId === id);
    expect(row(reporting.id).score).toBeGreaterThan(row(silent.id).score);
    expect(row(reporting.id).rank).toBeLessThan(row(silent.id).rank);
    // The silent town's empty indicators score the district's value (or are left out for everyone).
    for (const m of ['incidentAckWithin', 'rectificationOnTime']) {
      const c = row(silent.id).components.find((x: any) => x.metric === m);
      if ((a.district[m].denominator ?? 0) < 5) expect(c.basis).toBe('excluded');
      else expect(c).toMatchObject({ basis: 'district', scored: a.district[m].value });
    }
    // The reporting town's single late incident is padded, not scored as 0.
    const inc = row(reporting.id).components.find((x: any) => x.metric === 'incidentAckWithin');
    expect(inc).toMatchObject({ numerator: 0, denominator: 1 });
    expect(inc.basis).toBe((a.district.incidentAckWithin.denominator ?? 0) >= 5 ? 'padded' : 'excluded');
  });

  it('marks the period in progress on the dashboard and its trend', async () => {
    const officer = await actorClient(env, 'town_officer', t.town.id);
    const now = (await officer.http.get('/api/oversight/metrics?period=2026-03')).json();
    expect(now.inProgress).toBe(true);
    const past = (await officer.http.get('/api/oversight/metrics?period=2026-02')).json();
    expect(past.inProgress).toBe(false);
    const tr = (await officer.http.get('/api/oversight/trends?period=2026-03&count=3')).json();
    expect(tr.periods.map((p: any) => p.inProgress)).toEqual([false, false, true]);
  });
});

describe('incident, rectification and caregiver figures against a hand count', () => {
  it('computes them for March and drills down to the same records', async () => {
    const { town, villages } = await buildTown(env, 1);
    const v = villages[0];
    const visitor = await buildUser(env, 'visitor', v.id);
    const mk = async (selfCare: 'capable' | 'partial' | 'none') =>
      (await buildPerson(env, { townId: town.id, villageId: v.id, visitorId: visitor.id, selfCare })).id;
    const Q1 = await mk('partial');
    const Q2 = await mk('none');
    const Q3 = await mk('capable');
    const db = env.ctx.db;
    const at = (s: string) => new Date(s);
    const area = { townId: town.id, villageId: v.id };
    // Incidents: I1 acknowledged after 30 min (in time), I2 after 300 min (late), I3 still waiting and
    // not yet due, I4 opened in February and still open.
    const I1 = await insertIncidentRow(db, {
      ...area,
      personId: Q1,
      status: 'closed',
      openedAt: at('2026-03-02T10:00:00+08:00'),
      parties: [
        {
          party: 'town',
          dueAt: at('2026-03-02T12:00:00+08:00'),
          acknowledgedAt: at('2026-03-02T10:30:00+08:00'),
        },
        {
          party: 'bureau',
          dueAt: at('2026-03-02T12:00:00+08:00'),
          acknowledgedAt: at('2026-03-02T11:00:00+08:00'),
        },
      ],
    });
    const I2 = await insertIncidentRow(db, {
      ...area,
      personId: Q2,
      openedAt: at('2026-03-10T08:00:00+08:00'),
      parties: [
        {
          party: 'town',
          dueAt: at('2026-03-10T10:00:00+08:00'),
          acknowledgedAt: at('2026-03-10T13:00:00+08:00'),
        },
      ],
    });
    await insertIncidentRow(db, {
      ...area,
      personId: Q3,
      openedAt: at('2026-03-29T09:00:00+08:00'),
      parties: [{ party: 'town', dueAt: at('2026-03-29T11:00:00+08:00') }],
    });
    await insertIncidentRow(db, {
      ...area,
      personId: Q3,
      openedAt: at('2026-02-20T09:00:00+08:00'),
      parties: [
        {
          party: 'town',
          dueAt: at('2026-02-20T11:00:00+08:00'),
          acknowledgedAt: at('2026-02-20T09:10:00+08:00'),
        },
      ],
    });
    // Concerns: C1 fixed before its deadline, C2 a day late, C3 overdue, C4 not yet due, C5 fixed on the
    // spot (no deadline), C6 fixed at 23:30 China time on its deadline day.
    const c = (o: any) =>
      insertConcernRow(db, { ...area, personId: Q1, createdAt: at('2026-03-01T09:00:00+08:00'), ...o });
    const C1 = await c({
      handling: 'time_limited',
      deadline: '2026-03-10',
      status: 'resolved',
      resolvedAt: at('2026-03-09T10:00:00+08:00'),
    });
    const C2 = await c({
      handling: 'time_limited',
      deadline: '2026-03-15',
      status: 'verified',
      resolvedAt: at('2026-03-16T10:00:00+08:00'),
    });
    const C3 = await c({ handling: 'time_limited', deadline: '2026-03-20', status: 'open' });
    await c({ handling: 'time_limited', deadline: '2026-03-31', status: 'in_progress' });
    await c({ handling: 'immediate', status: 'resolved', resolvedAt: at('2026-03-02T10:00:00+08:00') });
    const C6 = await c({
      handling: 'time_limited',
      deadline: '2026-03-15',
      status: 'resolved',
      resolvedAt: at('2026-03-15T23:30:00+08:00'),
    });
    // Care: Q1 has an active agreement ending 04-15 (expiring within 30 days) reviewed and passed in March;
    // Q2 needs one but only had a terminated one, whose March review failed; Q3 needs none.
    const A1 = await insertAgreementRow(db, {
      personId: Q1,
      townId: town.id,
      startDate: '2026-01-01',
      endDate: '2026-04-15',
      status: 'active',
      review: { periodFrom: '2026-01-01', periodTo: '2026-03-31', passed: true },
    });
    await insertAgreementRow(db, {
      personId: Q2,
      townId: town.id,
      startDate: '2025-12-01',
      endDate: '2026-11-30',
      status: 'terminated',
      review: { periodFrom: '2025-12-16', periodTo: '2026-03-15', passed: false },
    });

    const officer = await actorClient(env, 'town_officer', town.id);
    const b = (await officer.http.get(`/api/oversight/metrics?period=2026-03&areaId=${town.id}`)).json();
    expect(b.unavailable).toEqual([]);
    expect(fig(b, 'incidentAckMedian')).toEqual({ value: 165, denominator: 2 });
    expect(fig(b, 'incidentAckWithin')).toEqual({ value: 1 / 2, numerator: 1, denominator: 2 });
    expect(fig(b, 'incidentsOpen')).toEqual({ value: 3 });
    expect(fig(b, 'rectificationOnTime')).toEqual({ value: 2 / 4, numerator: 2, denominator: 4 });
    expect(fig(b, 'rectificationOverdue')).toEqual({ value: 1 });
    expect(fig(b, 'agreementCoverage')).toEqual({ value: 1 / 2, numerator: 1, denominator: 2 });
    expect(fig(b, 'agreementsExpiring')).toEqual({ value: 1 });
    expect(fig(b, 'reviewPassRate')).toEqual({ value: 1 / 2, numerator: 1, denominator: 2 });
    // The village row recomputes the median from its own records.
    expect(b.children[0].figures.incidentAckMedian).toEqual({ value: 165, denominator: 2 });

    const rec = async (metric: string, part = 'base') =>
      (
        await officer.http.get(
          `/api/oversight/metrics/${metric}/records?period=2026-03&areaId=${town.id}&part=${part}`,
        )
      ).json();
    expect((await rec('incidentAckWithin')).items.map((i: any) => i.id).sort()).toEqual([I1, I2].sort());
    expect((await rec('incidentAckWithin', 'counted')).items.map((i: any) => i.id)).toEqual([I1]);
    expect((await rec('incidentsOpen')).total).toBe(3);
    expect((await rec('rectificationOnTime')).items.map((i: any) => i.id).sort()).toEqual(
      [C1, C2, C3, C6].sort(),
    );
    expect((await rec('rectificationOnTime', 'counted')).items.map((i: any) => i.id).sort()).toEqual(
      [C1, C6].sort(),
    );
    expect((await rec('rectificationOverdue')).items.map((i: any) => i.id)).toEqual([C3]);
    expect((await rec('agreementCoverage')).items.map((i: any) => i.personId).sort()).toEqual(
      [Q1, Q2].sort(),
    );
    expect((await rec('agreementCoverage', 'counted')).items.map((i: any) => i.personId)).toEqual([Q1]);
    expect((await rec('agreementsExpiring')).items.map((i: any) => i.id)).toEqual([A1]);
    expect((await rec('reviewPassRate')).total).toBe(2);
  });
});
