import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown, client, login } from '../../../../test/factories.js';
import { type Clock, createClock } from '../../clock.js';
import { runJob } from '../../jobs/runner.js';

let env: TestEnv;
let savedClock: Clock;
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

const relogin = async (u: { username: string }) => client(env, (await login(env, u.username)).token);

async function world() {
  const { town, villages } = await buildTown(env);
  const officer = await actorClient(env, 'town_officer', town.id);
  const supervisor = await actorClient(env, 'bureau_supervisor', env.districtId);
  const person = await buildPerson(env, { townId: town.id, villageId: villages[0].id });
  const other = await buildTown(env);
  const otherOfficer = await actorClient(env, 'town_officer', other.town.id);
  return { officer, supervisor, person, otherOfficer };
}

describe('moving the deadline of an overdue or escalated concern (issue 25)', () => {
  it('needs a reason and the bureau’s approval; until then the deadline and the escalation stand', async () => {
    const w = await world();
    const created = (
      await w.officer.http.post('/api/concerns', {
        personId: w.person.id,
        category: 'housing',
        description: '屋顶漏雨',
        deadline: '2026-03-20',
      })
    ).json();
    // Past the deadline: the job escalates it.
    env.ctx.clock.set('2026-03-22T09:00:00+08:00');
    await runJob(env.ctx, 'concerns.escalate-overdue');
    const officer = await relogin(w.officer);
    const sup = await relogin(w.supervisor);
    const other = await relogin(w.otherOfficer);
    let c = (await officer.get(`/api/concerns/${created.id}`)).json();
    expect(c).toMatchObject({
      overdue: true,
      escalated: true,
      deadline: '2026-03-20',
      deadlineNeedsApproval: true,
    });

    // The town cannot move it by itself — not by the deadline, not by switching to 立行立改.
    for (const body of [
      { deadline: '2026-04-30' },
      { handling: 'immediate' },
      { deadline: '2026-04-30', note: '延期' },
    ]) {
      const res = await officer.patch(`/api/concerns/${c.id}`, { version: c.version, ...body });
      expect(res.statusCode, JSON.stringify(body)).toBe(409);
      expect(res.json()).toMatchObject({ field: 'deadline' });
    }
    c = (await officer.get(`/api/concerns/${c.id}`)).json();
    expect(c).toMatchObject({
      escalated: true,
      overdue: true,
      deadline: '2026-03-20',
      handling: 'time_limited',
    });
    expect(c.entries.map((e: any) => e.kind)).toEqual(['created', 'escalated']);

    // A request needs a reason and a later date; another town cannot see the concern at all.
    expect(
      (await officer.post(`/api/concerns/${c.id}/deadline-requests`, { deadline: '2026-04-30', reason: ' ' }))
        .statusCode,
    ).toBe(400);
    expect(
      (
        await officer.post(`/api/concerns/${c.id}/deadline-requests`, {
          deadline: '2026-03-15',
          reason: '施工',
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await other.post(`/api/concerns/${c.id}/deadline-requests`, {
          deadline: '2026-04-30',
          reason: '施工',
        })
      ).statusCode,
    ).toBe(404);
    const asked = await officer.post(`/api/concerns/${c.id}/deadline-requests`, {
      deadline: '2026-04-30',
      reason: '施工队雨季停工',
      version: c.version,
    });
    expect(asked.statusCode).toBe(201);
    c = asked.json();
    // Until approved: the old deadline, the escalation, the overdue figure.
    expect(c).toMatchObject({ escalated: true, overdue: true, deadline: '2026-03-20' });
    expect(c.deadlineChanges).toEqual([
      expect.objectContaining({
        oldDeadline: '2026-03-20',
        newDeadline: '2026-04-30',
        reason: '施工队雨季停工',
        status: 'pending',
      }),
    ]);
    const overdueList = (await sup.get(`/api/concerns?overdue=1&personId=${w.person.id}`)).json();
    expect(overdueList.items.map((x: any) => x.id)).toEqual([c.id]);
    // One request waits at a time.
    expect(
      (
        await officer.post(`/api/concerns/${c.id}/deadline-requests`, {
          deadline: '2026-05-30',
          reason: '再延',
        })
      ).statusCode,
    ).toBe(409);
    const requestId = c.deadlineChanges[0].id;
    // The town cannot approve its own request; the bureau must give a reason to refuse.
    expect(
      (await officer.post(`/api/concerns/${c.id}/deadline-requests/${requestId}/decision`, { approve: true }))
        .statusCode,
    ).toBe(403);
    expect(
      (await sup.post(`/api/concerns/${c.id}/deadline-requests/${requestId}/decision`, { approve: false }))
        .statusCode,
    ).toBe(400);
    const approved = await sup.post(`/api/concerns/${c.id}/deadline-requests/${requestId}/decision`, {
      approve: true,
      note: '同意',
    });
    expect(approved.statusCode).toBe(200);
    c = approved.json();
    expect(c).toMatchObject({
      escalated: false,
      overdue: false,
      deadline: '2026-04-30',
      deadlineNeedsApproval: false,
    });
    expect(c.deadlineChanges[0]).toMatchObject({ status: 'approved', decisionNote: '同意' });
    // The timeline shows old and new deadline, who asked, why, who approved.
    const entry = c.entries.find((e: any) => e.kind === 'deadline_approved');
    expect(entry.body).toContain('2026-03-20 → 2026-04-30');
    expect(entry.body).toContain('施工队雨季停工');
    expect(entry.body).toContain(c.deadlineChanges[0].requestedBy);
    expect(entry.actor).toBe(c.deadlineChanges[0].decidedBy);
    expect(c.entries.find((e: any) => e.kind === 'deadline_requested').body).toContain(
      '2026-03-20 → 2026-04-30',
    );
    // Decided once.
    expect(
      (
        await sup.post(`/api/concerns/${c.id}/deadline-requests/${requestId}/decision`, {
          approve: false,
          note: 'x',
        })
      ).statusCode,
    ).toBe(409);
  });

  it('a refused request leaves the deadline and the escalation as they were', async () => {
    const w = await world();
    const created = (
      await w.officer.http.post('/api/concerns', {
        personId: w.person.id,
        category: 'safety',
        description: '电线老化',
        deadline: '2026-03-12',
      })
    ).json();
    env.ctx.clock.set('2026-03-14T09:00:00+08:00');
    await runJob(env.ctx, 'concerns.escalate-overdue');
    const officer = await relogin(w.officer);
    const sup = await relogin(w.supervisor);
    const c = (
      await officer.post(`/api/concerns/${created.id}/deadline-requests`, {
        deadline: '2026-03-31',
        reason: '缺材料',
      })
    ).json();
    const refused = await sup.post(
      `/api/concerns/${c.id}/deadline-requests/${c.deadlineChanges[0].id}/decision`,
      { approve: false, note: '材料可就近购买' },
    );
    expect(refused.statusCode).toBe(200);
    expect(refused.json()).toMatchObject({ escalated: true, overdue: true, deadline: '2026-03-12' });
    expect(refused.json().entries.at(-1)).toMatchObject({ kind: 'deadline_refused' });
    expect(refused.json().entries.at(-1).body).toContain('材料可就近购买');
  });

  it('a deadline moved in time is recorded as a deadline change, old → new, not as an empty comment', async () => {
    const w = await world();
    const c = (
      await w.officer.http.post('/api/concerns', {
        personId: w.person.id,
        category: 'living',
        description: '缺棉被',
      })
    ).json();
    const moved = await w.officer.http.patch(`/api/concerns/${c.id}`, {
      version: c.version,
      deadline: '2026-03-30',
    });
    expect(moved.statusCode).toBe(200);
    const last = moved.json().entries.at(-1);
    expect(last).toMatchObject({ kind: 'deadline' });
    expect(last.body).toContain('2026-03-25 → 2026-03-30');
    expect(moved.json().entries.some((e: any) => e.kind === 'comment' && !e.body)).toBe(false);
  });
});
