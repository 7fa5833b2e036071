import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordVisitWith as record } from '../../../../test/case-helpers.js';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown, client, login } from '../../../../test/factories.js';
import { type Clock, createClock } from '../../clock.js';
import { sql } from '../../db/sql.js';
import { runJob } from '../../jobs/runner.js';
import { generateTasks } from '../visits/schedule.js';

let env: TestEnv;
let savedClock: Clock;
// Heating season (so the seasonal checks apply), China time.
const T0 = '2026-03-10T09:00:00+08:00';

beforeAll(async () => {
  env = await testEnv();
  savedClock = env.ctx.clock;
  env.ctx.clock = createClock(T0);
});
beforeEach(() => {
  env.ctx.clock.set(T0);
});
afterAll(() => {
  env.ctx.clock = savedClock;
});

type Client = Awaited<ReturnType<typeof actorClient>>;

async function world() {
  const { town, villages } = await buildTown(env);
  const officer = await actorClient(env, 'town_officer', town.id);
  const visitor = await actorClient(env, 'visitor', villages[0].id);
  const supervisor = await actorClient(env, 'bureau_supervisor', env.districtId);
  const admin = await actorClient(env, 'bureau_admin', env.districtId);
  const police = await actorClient(env, 'department_liaison', env.districtId, { department: 'police' });
  const health = await actorClient(env, 'department_liaison', env.districtId, { department: 'health' });
  const person = await buildPerson(env, {
    townId: town.id,
    villageId: villages[0].id,
    visitorId: visitor.id,
  });
  return { town, villages, officer, visitor, supervisor, admin, police, health, person };
}

const inboxFor = async (c: Client, incidentId: number) =>
  ((await c.http.get('/api/inbox?limit=100')).json().items as any[]).filter(
    (n) => n.ref?.entity === 'incident' && n.ref.id === String(incidentId),
  );

describe('incidents from a visit', () => {
  it('失踪: one incident, notices to town, bureau and 公安, escalation after the deadline, support paused', async () => {
    const w = await world();
    await record(env, w.visitor, w.person.id, { risks: [{ code: 'missing', note: '邻居称三天未见' }] });

    const list = (await w.officer.http.get(`/api/incidents?personId=${w.person.id}`)).json();
    expect(list.total).toBe(1);
    const inc = list.items[0];
    expect(inc).toMatchObject({
      type: 'missing',
      status: 'open',
      source: 'visit',
      departments: ['police'],
      description: '邻居称三天未见',
      myPendingParties: ['town'],
    });
    expect(inc.parties.map((p: any) => p.party).sort()).toEqual(['bureau', 'dept:police', 'town']);
    expect(Date.parse(inc.ackDueAt) - Date.parse(T0)).toBe(2 * 3600000);

    for (const who of [w.officer, w.supervisor, w.police]) {
      const notes = await inboxFor(who, inc.id);
      expect(notes).toHaveLength(1);
      expect(notes[0].title).toContain('失踪');
    }
    expect(await inboxFor(w.health, inc.id)).toHaveLength(0);

    // Support paused from today; the person's open tasks cancelled (through the registry's status change).
    const file = (await w.officer.http.get(`/api/persons/${w.person.id}`)).json();
    expect(file).toMatchObject({ status: 'paused', statusSince: '2026-03-10' });

    // Only the addressed department's liaison sees it.
    expect((await w.police.http.get(`/api/incidents/${inc.id}`)).statusCode).toBe(200);
    expect((await w.health.http.get(`/api/incidents/${inc.id}`)).statusCode).toBe(404);
    expect((await w.health.http.get('/api/incidents')).json().items.some((i: any) => i.id === inc.id)).toBe(
      false,
    );

    // 公安 acknowledges once; a second time is refused and changes nothing.
    const ack = await w.police.http.post(`/api/incidents/${inc.id}/acknowledge`, {});
    expect(ack.statusCode).toBe(200);
    const acked = ack.json().parties.find((p: any) => p.party === 'dept:police');
    expect(acked.acknowledgedAt).toBe(new Date(T0).toISOString());
    const again = await w.police.http.post(`/api/incidents/${inc.id}/acknowledge`, {});
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toContain('已确认');
    const after = (await w.police.http.get(`/api/incidents/${inc.id}`)).json();
    expect(after.actions.filter((a: any) => a.kind === 'acknowledged')).toHaveLength(1);

    // Nothing escalates before the deadline.
    env.ctx.clock.advance(119 * 60000);
    await runJob(env.ctx, 'incidents.escalate');
    const s = await login(env, w.admin.username);
    const admin = { ...w.admin, http: client(env, s.token) };
    expect(
      (await admin.http.get(`/api/incidents/${inc.id}`))
        .json()
        .actions.some((a: any) => a.kind === 'escalated'),
    ).toBe(false);
    // Past it, the town and the bureau (not the police, who acknowledged) escalate one level up, once.
    env.ctx.clock.advance(2 * 60000);
    await runJob(env.ctx, 'incidents.escalate');
    await runJob(env.ctx, 'incidents.escalate');
    const escalated = (await admin.http.get(`/api/incidents/${inc.id}`)).json();
    const entries = escalated.actions.filter((a: any) => a.kind === 'escalated');
    expect(entries.map((a: any) => a.note).sort()).toEqual([
      '区民政局未在时限内确认，已升级至区民政局管理员',
      '镇街/村居未在时限内确认，已升级至区民政局',
    ]);
    expect(escalated.parties.find((p: any) => p.party === 'dept:police').escalatedAt).toBeNull();
    const adminNotes = (await inboxFor(admin, inc.id)).filter((n) => n.kind === 'incident.escalated');
    // One notice per escalated party, never repeated by a second run.
    expect(adminNotes).toHaveLength(2);
    expect(adminNotes.every((n) => n.title.includes('超时未确认'))).toBe(true);

    // Closing needs an outcome; then it is closed.
    const officer = {
      http: client(env, (await login(env, w.officer.username)).token),
    };
    const noOutcome = await officer.http.post(`/api/incidents/${inc.id}/close`, { outcome: '  ' });
    expect(noOutcome.statusCode).toBe(400);
    expect(noOutcome.json().field).toBe('outcome');
    expect((await officer.http.get(`/api/incidents/${inc.id}`)).json().status).toBe('open');
    // Town and bureau never acknowledged: closing names them with a reason (issue 25).
    const closed = await officer.http.post(`/api/incidents/${inc.id}/close`, {
      outcome: '已在亲属家找到，安全',
      override: { parties: ['town', 'bureau'], reason: '人已找到' },
    });
    expect(closed.json()).toMatchObject({ status: 'closed', outcome: '已在亲属家找到，安全' });
    expect((await officer.http.post(`/api/incidents/${inc.id}/actions`, { note: '补记' })).statusCode).toBe(
      409,
    );
    const timeline = await env.ctx.db.query<{ kind: string }>(
      sql(`select kind from person_events where person_id = $1 and kind like 'incident.%' order by id`),
      [w.person.id],
    );
    expect(timeline.map((t) => t.kind)).toEqual(['incident.opened', 'incident.closed']);
  });

  it('死亡: ends support from the month after, and cancels the open tasks', async () => {
    const w = await world();
    await env.ctx.db.tx((q) => generateTasks(q, { now: env.ctx.clock.now(), personIds: [w.person.id] }));
    const open = () =>
      env.ctx.db.query<{ id: number }>(
        sql(`select id from visit_tasks where person_id = $1 and status = 'open'`),
        [w.person.id],
      );
    expect((await open()).length).toBeGreaterThan(0);
    // A paper record the town enters late: the visitor found the person had died on 27 February.
    await record(env, w.officer, w.person.id, {
      visitorId: w.visitor.id,
      at: '2026-02-27T10:00:00+08:00',
      risks: [{ code: 'death', note: '2月27日因病去世' }],
    });
    const file = (await w.officer.http.get(`/api/persons/${w.person.id}`)).json();
    expect(file).toMatchObject({ status: 'ended', endReason: 'death', statusSince: '2026-03-01' });
    expect(await open()).toHaveLength(0);
    const inc = (await w.officer.http.get(`/api/incidents?personId=${w.person.id}`)).json().items[0];
    const detail = (await w.officer.http.get(`/api/incidents/${inc.id}`)).json();
    expect(detail.actions.find((a: any) => a.kind === 'support').note).toContain('自 2026-03-01 起停发');
    // Nobody is asked to visit a person who died: no follow-up task either.
    const followUps = await env.ctx.db.query(
      sql(`select id from visit_tasks where person_id = $1 and kind = 'follow_up'`),
      [w.person.id],
    );
    expect(followUps).toHaveLength(0);
  });

  it('a critical incident opened by hand creates a follow-up visit task within 24 hours', async () => {
    const w = await world();
    const res = await w.visitor.http.post('/api/incidents', {
      personId: w.person.id,
      type: 'serious_illness',
      description: '突发脑梗，已送医',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ critical: true, source: 'manual', departments: ['health'] });
    const [task] = await env.ctx.db.query<{ window_end: Date; status: string }>(
      sql(`select window_end, status from visit_tasks where person_id = $1 and kind = 'follow_up'`),
      [w.person.id],
    );
    expect(task.status).toBe('open');
    expect(new Date(task.window_end).getTime() - Date.parse(T0)).toBe(24 * 3600000);
    expect(res.json().actions.map((a: any) => a.kind)).toContain('follow_up');
    // A person outside the visitor's assignments answers 404.
    const other = await buildTown(env);
    const stranger = await buildPerson(env, { townId: other.town.id, villageId: other.villages[0].id });
    const bad = await w.visitor.http.post('/api/incidents', { personId: stranger.id, type: 'wandering' });
    expect(bad.statusCode).toBe(404);
    // A liaison cannot open one.
    expect(
      (await w.health.http.post('/api/incidents', { personId: w.person.id, type: 'wandering' })).statusCode,
    ).toBe(403);
  });

  it('rejects an unknown type naming the field', async () => {
    const w = await world();
    const res = await w.officer.http.post('/api/incidents', { personId: w.person.id, type: 'flood' });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('body.type');
  });

  it('the bureau configures the deadline and the departments per type', async () => {
    const w = await world();
    const before = (await w.admin.http.get('/api/incidents/config')).json();
    expect((await w.officer.http.put('/api/incidents/config', before)).statusCode).toBe(403);
    expect(before.ackHours).toBe(2);
    expect(before.departments.missing).toEqual(['police']);
    const put = await w.admin.http.put('/api/incidents/config', {
      ...before,
      ackHours: 1,
      departments: { ...before.departments, wandering: ['police', 'emergency'] },
    });
    expect(put.statusCode).toBe(200);
    try {
      const res = await w.officer.http.post('/api/incidents', { personId: w.person.id, type: 'wandering' });
      expect(res.json().departments).toEqual(['police', 'emergency']);
      expect(
        res
          .json()
          .parties.map((p: any) => p.party)
          .sort(),
      ).toEqual(['bureau', 'dept:emergency', 'dept:police', 'town']);
      expect(Date.parse(res.json().ackDueAt) - Date.parse(T0)).toBe(3600000);
    } finally {
      await w.admin.http.put('/api/incidents/config', before);
    }
  });
});
