import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown } from '../../../../test/factories.js';
import { CHECKLIST_V1, fineAnswers } from '../../../shared/checklist.js';
import { addDays, chinaDate } from '../../../shared/china-time.js';
import { seasonFlags } from '../../../shared/schedule.js';
import { sql } from '../../db/sql.js';
import { generateTasks } from './schedule.js';

const env = await testEnv();
const db = env.ctx.db;

const campaignTasks = (campaignId: number) =>
  db.query<{
    id: number;
    person_id: number;
    status: string;
    status_reason: string | null;
    due_date: string;
    reason: string;
  }>(
    sql(
      'select id, person_id, status, status_reason, due_date, reason from visit_tasks where campaign_id = $1 order by person_id',
    ),
    [campaignId],
  );

/** A town with two key-tier persons of one visitor and a cold-wave campaign (deadline in 3 days) for it. */
async function setup() {
  const { town, villages } = await buildTown(env);
  const visitor = await actorClient(env, 'visitor', villages[0].id);
  const persons = [];
  for (let i = 0; i < 2; i++)
    persons.push(
      await buildPerson(env, {
        townId: town.id,
        villageId: villages[0].id,
        visitorId: visitor.id,
        selfCare: 'partial',
      }),
    );
  const officer = await actorClient(env, 'town_officer', town.id);
  const today = chinaDate(env.ctx.clock.now());
  const res = await officer.http.post('/api/visit-campaigns', {
    name: '寒潮专项探访',
    kind: 'cold_wave',
    areaId: town.id,
    deadline: addDays(today, 3),
    note: '重点关注取暖',
  });
  expect(res.statusCode).toBe(201);
  return { town, villages, visitor, persons, officer, today, campaign: res.json() };
}

/** Records a fine in-person visit now, through the API (which completes the open tasks it covers). */
async function visitNow(
  visitor: { http: { post: (u: string, b: unknown) => Promise<any> } },
  personId: number,
) {
  const at = env.ctx.clock.now();
  const res = await visitor.http.post('/api/visits', {
    clientId: randomUUID(),
    personId,
    at: at.toISOString(),
    method: 'in_person',
    outcome: 'reached',
    answers: fineAnswers(CHECKLIST_V1, seasonFlags(chinaDate(at))),
    notes: '一切正常',
  });
  expect(res.statusCode).toBe(201);
  return res.json();
}

describe('campaigns: edit and close', () => {
  it('edits name, deadline and note; the open tasks follow the deadline, done ones stay; audited', async () => {
    const { officer, visitor, persons, campaign, today, town } = await setup();
    expect(campaign).toMatchObject({ taskCount: 2, openCount: 2, version: 1, closedAt: null });
    await visitNow(visitor, persons[0].id);
    const newDeadline = addDays(today, 10);
    const res = await officer.http.patch(`/api/visit-campaigns/${campaign.id}`, {
      version: 1,
      name: '寒潮专项探访（延长）',
      deadline: newDeadline,
      note: '延长至寒潮结束',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      name: '寒潮专项探访（延长）',
      deadline: newDeadline,
      note: '延长至寒潮结束',
      version: 2,
      doneCount: 1,
      openCount: 1,
    });
    const tasks = await campaignTasks(campaign.id);
    const done = tasks.find((t) => t.person_id === persons[0].id)!;
    const open = tasks.find((t) => t.person_id === persons[1].id)!;
    expect([done.status, done.due_date, done.reason]).toEqual(['done', addDays(today, 3), '寒潮专项探访']);
    expect([open.status, open.due_date, open.reason]).toEqual(['open', newDeadline, '寒潮专项探访（延长）']);
    const [audit] = await db.query<{ detail: any; area_id: number }>(
      sql(`select detail, area_id from audit_log where action = 'campaign.edit' and entity_id = $1`),
      [String(campaign.id)],
    );
    expect(audit.area_id).toBe(town.id);
    expect(audit.detail).toMatchObject({
      changed: ['name', 'deadline', 'note'],
      before: { deadline: addDays(today, 3) },
      after: { deadline: newDeadline },
      tasks: 1,
    });
    // A stale version is refused and changes nothing.
    const stale = await officer.http.patch(`/api/visit-campaigns/${campaign.id}`, {
      version: 1,
      name: '旧版本',
    });
    expect([stale.statusCode, stale.json().field]).toEqual([409, 'version']);
    // Only the note: the deadline check does not run for an unchanged deadline.
    const noteOnly = await officer.http.patch(`/api/visit-campaigns/${campaign.id}`, {
      version: 2,
      note: null,
    });
    expect(noteOnly.json()).toMatchObject({ note: null, version: 3, deadline: newDeadline });
  });

  it('extending the deadline gives a missed task its window back', async () => {
    const { officer, persons, campaign, today } = await setup();
    const [t] = await campaignTasks(campaign.id);
    await db.query(sql(`update visit_tasks set status = 'missed' where id = $1`), [t.id]);
    const res = await officer.http.patch(`/api/visit-campaigns/${campaign.id}`, {
      version: 1,
      deadline: addDays(today, 5),
    });
    expect(res.statusCode).toBe(200);
    const after = await campaignTasks(campaign.id);
    expect(after.map((x) => [x.person_id, x.status, x.due_date])).toEqual([
      [persons[0].id, 'open', addDays(today, 5)],
      [persons[1].id, 'open', addDays(today, 5)],
    ]);
  });

  it('answers bad input with the field, other towns with 404 and roles without the right with 403', async () => {
    const { officer, campaign, today, villages } = await setup();
    const url = `/api/visit-campaigns/${campaign.id}`;
    const cases: [unknown, string][] = [
      [{ version: 1, deadline: '2020-01-01' }, 'deadline'],
      [{ version: 1, deadline: addDays(today, 200) }, 'deadline'],
      [{ version: 1, deadline: '明天' }, 'body.deadline'],
      [{ version: 1, name: '  ' }, 'body.name'],
      [{ version: 1, note: 'x'.repeat(1001) }, 'body.note'],
      [{ name: '无版本' }, 'body.version'],
    ];
    for (const [body, field] of cases) {
      const res = await officer.http.patch(url, body);
      expect([res.statusCode, res.json().field], JSON.stringify(body)).toEqual([400, field]);
    }
    const noReason = await officer.http.post(`${url}/close`, { version: 1, reason: ' ' });
    expect([noReason.statusCode, noReason.json().field]).toEqual([400, 'body.reason']);
    const other = await buildTown(env);
    const outsider = await actorClient(env, 'town_officer', other.town.id);
    expect((await outsider.http.patch(url, { version: 1, name: 'x' })).statusCode).toBe(404);
    expect((await outsider.http.post(`${url}/close`, { version: 1, reason: 'x' })).statusCode).toBe(404);
    expect((await officer.http.patch('/api/visit-campaigns/99999999', { version: 1 })).statusCode).toBe(404);
    const villageOfficer = await actorClient(env, 'village_officer', villages[0].id);
    expect((await villageOfficer.http.post(`${url}/close`, { version: 1, reason: 'x' })).statusCode).toBe(
      403,
    );
    const supervisor = await actorClient(env, 'bureau_supervisor', env.districtId);
    expect((await supervisor.http.patch(url, { version: 1, name: 'x' })).statusCode).toBe(403);
    // The bureau admin (who may open a campaign anywhere) may edit a town's campaign.
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    expect((await admin.http.patch(url, { version: 1, name: '区里改的名称' })).statusCode).toBe(200);
    expect(
      (
        await db.query(sql('select 1 from visit_campaigns where id = $1 and name = $2'), [
          campaign.id,
          '寒潮专项探访',
        ])
      ).length,
    ).toBe(0);
  });

  it('closes: open tasks cancelled with the reason, done ones kept, no task comes back; closed is final', async () => {
    const { officer, visitor, persons, campaign } = await setup();
    await visitNow(visitor, persons[0].id);
    const url = `/api/visit-campaigns/${campaign.id}`;
    const res = await officer.http.post(`${url}/close`, { version: 1, reason: '寒潮预警解除' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ closeReason: '寒潮预警解除', doneCount: 1, openCount: 0, version: 2 });
    expect(res.json().closedAt).toBeTruthy();
    const tasks = await campaignTasks(campaign.id);
    expect(tasks.map((t) => [t.person_id, t.status])).toEqual([
      [persons[0].id, 'done'],
      [persons[1].id, 'cancelled'],
    ]);
    expect(tasks[1].status_reason).toContain('寒潮预警解除');
    // The schedule does not reopen it, and a visit now does not complete it.
    await generateTasks(db, { now: env.ctx.clock.now(), personIds: persons.map((p) => p.id) });
    const visit = await visitNow(visitor, persons[1].id);
    expect(visit.completedTasks.map((t: { kind: string }) => t.kind)).not.toContain('campaign');
    expect((await campaignTasks(campaign.id))[1].status).toBe('cancelled');
    // Closed is final: no edit, no second close.
    const edit = await officer.http.patch(url, { version: 2, name: '再改' });
    expect(edit.statusCode).toBe(409);
    const again = await officer.http.post(`${url}/close`, { version: 2, reason: '再次结束' });
    expect(again.statusCode).toBe(409);
    const list = await officer.http.get('/api/visit-campaigns');
    expect(list.json().find((c: { id: number }) => c.id === campaign.id)).toMatchObject({
      closeReason: '寒潮预警解除',
    });
    const [audit] = await db.query<{ detail: any; actor_id: number }>(
      sql(`select detail, actor_id from audit_log where action = 'campaign.close' and entity_id = $1`),
      [String(campaign.id)],
    );
    expect(audit).toMatchObject({
      actor_id: officer.id,
      detail: { reason: '寒潮预警解除', cancelledTasks: 1, doneTasks: 1 },
    });
  });
});

describe('rounds carry their checks (issue 30: a weather round asks 取暖 / 防汛 whatever the season)', () => {
  /** Both seasons of the town moved away from today, so nothing seasonal is asked by the calendar. */
  async function outOfSeason(townId: number) {
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const md = (d: string) => d.slice(5);
    const today = chinaDate(env.ctx.clock.now());
    const range = { from: md(addDays(today, 40)), to: md(addDays(today, 41)) };
    const res = await admin.http.put('/api/visit-settings', {
      areaId: townId,
      key: 'visits.seasons',
      value: { heating: range, flood: range },
    });
    expect(res.statusCode).toBe(200);
  }

  /** A town out of season: a round for village 0 (one person), and one person of village 1 outside it. */
  async function roundSetup(kind: 'cold_wave' | 'rainstorm', checks?: string[]) {
    const { town, villages } = await buildTown(env);
    await outOfSeason(town.id);
    const visitor = await actorClient(env, 'visitor', town.id);
    const inRound = await buildPerson(env, {
      townId: town.id,
      villageId: villages[0].id,
      visitorId: visitor.id,
    });
    const outside = await buildPerson(env, {
      townId: town.id,
      villageId: villages[1].id,
      visitorId: visitor.id,
    });
    const officer = await actorClient(env, 'town_officer', town.id);
    const today = chinaDate(env.ctx.clock.now());
    const res = await officer.http.post('/api/visit-campaigns', {
      name: kind === 'cold_wave' ? '寒潮专项探访' : '暴雨专项探访',
      kind,
      areaId: villages[0].id,
      deadline: addDays(today, 2),
      ...(checks ? { checks } : {}),
    });
    expect(res.statusCode, res.body).toBe(201);
    return { town, villages, visitor, officer, inRound, outside, campaign: res.json() };
  }

  const visit = (
    who: { http: { post: (u: string, b: unknown) => Promise<any> } },
    personId: number,
    seasons: { heating: boolean; flood: boolean },
  ) =>
    who.http.post('/api/visits', {
      clientId: randomUUID(),
      personId,
      at: env.ctx.clock.now().toISOString(),
      method: 'in_person',
      outcome: 'reached',
      answers: fineAnswers(CHECKLIST_V1, seasons),
    });
  const none = { heating: false, flood: false };

  it('a cold-wave round: its visit without 取暖安全 is refused, with it accepted; a visit outside the round is not affected', async () => {
    const { visitor, inRound, outside, campaign } = await roundSetup('cold_wave', ['heating']);
    expect(campaign.checks).toEqual(['heating']);

    const refused = await visit(visitor, inRound.id, none);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().field).toBe('answers.G.indoorTemp');
    expect(refused.json().message).toBe(
      '请填写「季节性检查·室内温度」（专项探访「寒潮专项探访」须检查取暖安全）',
    );
    // Each of the round's items is required, not only the first.
    const partial = fineAnswers(CHECKLIST_V1, { heating: true, flood: false });
    delete partial.G!.heatingSafety;
    const noSafety = await visitor.http.post('/api/visits', {
      clientId: randomUUID(),
      personId: inRound.id,
      at: env.ctx.clock.now().toISOString(),
      method: 'in_person',
      outcome: 'reached',
      answers: partial,
    });
    expect([noSafety.statusCode, noSafety.json().field]).toEqual([400, 'answers.G.heatingSafety']);
    expect(noSafety.json().message).toContain('取暖安全');
    expect((await campaignTasks(campaign.id)).map((t) => t.status)).toEqual(['open']);

    // The regular visit of the same day, of a person the round does not select: the calendar's seasons only.
    const regular = await visit(visitor, outside.id, none);
    expect(regular.statusCode, regular.body).toBe(201);
    expect(regular.json().completedTasks.map((t: { kind: string }) => t.kind)).not.toContain('campaign');

    const accepted = await visit(visitor, inRound.id, { heating: true, flood: false });
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect(accepted.json().completedTasks.map((t: { kind: string }) => t.kind)).toContain('campaign');
    expect(accepted.json().answers.G).toMatchObject({ heatingSafety: { value: 'safe' } });
    expect((await campaignTasks(campaign.id)).map((t) => t.status)).toEqual(['done']);
    // The round settled, a second visit of the day is an ordinary one again.
    const later = await visit(visitor, inRound.id, none);
    expect(later.statusCode, later.body).toBe(201);
  });

  it('a rainstorm round requires 防汛 (and 用电), not 取暖; an attempt (not reached) needs no checklist', async () => {
    const { visitor, inRound, campaign } = await roundSetup('rainstorm', ['flood']);
    expect(campaign.checks).toEqual(['flood']);
    const refused = await visit(visitor, inRound.id, { heating: true, flood: false });
    expect([refused.statusCode, refused.json().field]).toEqual([400, 'answers.G.electrical']);
    expect(refused.json().message).toContain('须检查防汛与用电安全');
    const attempt = await visitor.http.post('/api/visits', {
      clientId: randomUUID(),
      personId: inRound.id,
      at: env.ctx.clock.now().toISOString(),
      method: 'in_person',
      outcome: 'not_home',
    });
    expect(attempt.statusCode, attempt.body).toBe(201);
    const accepted = await visit(visitor, inRound.id, { heating: false, flood: true });
    expect(accepted.statusCode, accepted.body).toBe(201);
    expect(accepted.json().answers.G).toMatchObject({ floodSafety: { value: 'safe' } });
  });

  it('a round opened without checks asks nothing more; bad checks are refused by field', async () => {
    const { visitor, inRound, officer, villages, campaign } = await roundSetup('cold_wave');
    expect(campaign.checks).toEqual([]);
    expect((await visit(visitor, inRound.id, none)).statusCode).toBe(201);
    const today = chinaDate(env.ctx.clock.now());
    for (const checks of [['snow'], 'heating', ['heating', 'flood', 'heating']]) {
      const res = await officer.http.post('/api/visit-campaigns', {
        name: '坏检查项',
        kind: 'other',
        areaId: villages[0].id,
        deadline: addDays(today, 2),
        checks,
      });
      expect([res.statusCode, res.json().field?.startsWith('body.checks')], JSON.stringify(checks)).toEqual([
        400,
        true,
      ]);
    }
    // Both, asked twice over in another order, are stored once each in one order; the audit row says so.
    const both = await officer.http.post('/api/visit-campaigns', {
      name: '双检查',
      kind: 'other',
      areaId: villages[0].id,
      deadline: addDays(today, 2),
      checks: ['flood', 'heating'],
    });
    expect(both.json().checks).toEqual(['heating', 'flood']);
    const [audit] = await db.query<{ detail: any }>(
      sql(`select detail from audit_log where action = 'campaign.open' and entity_id = $1`),
      [String(both.json().id)],
    );
    expect(audit.detail.checks).toEqual(['heating', 'flood']);
    const list = await officer.http.get('/api/visit-campaigns');
    expect(list.json().find((c: { id: number }) => c.id === both.json().id).checks).toEqual([
      'heating',
      'flood',
    ]);
    // The database refuses a check it does not know, whoever writes it.
    await expect(
      db.query(sql(`update visit_campaigns set checks = '{snow}' where id = $1`), [both.json().id]),
    ).rejects.toThrow();
  });

  it('the phone bundle and the paper-record form carry the round checks', async () => {
    const { visitor, officer, inRound, outside, campaign } = await roundSetup('cold_wave', ['heating']);
    const bundle = (await visitor.http.get('/api/visitor/bundle')).json();
    const tasksOf = (pid: number) => bundle.tasks.filter((t: { personId: number }) => t.personId === pid);
    expect(tasksOf(inRound.id).find((t: { kind: string }) => t.kind === 'campaign').checks).toEqual([
      'heating',
    ]);
    for (const t of tasksOf(outside.id)) expect(t.checks).toEqual([]);
    const today = chinaDate(env.ctx.clock.now());
    const form = (await officer.http.get(`/api/checklist?personId=${inRound.id}&at=${today}`)).json();
    expect(form.seasons).toEqual(none);
    expect(form.rounds).toMatchObject([{ name: '寒潮专项探访', status: 'open', checks: ['heating'] }]);
    const other = (await officer.http.get(`/api/checklist?personId=${outside.id}&at=${today}`)).json();
    expect(other.rounds).toEqual([]);
    // A paper record typed in by the officer is held to the same rule.
    const paper = await visit(officer, inRound.id, none);
    expect([paper.statusCode, paper.json().field]).toEqual([400, 'answers.G.indoorTemp']);
    // A missed round task still completes by a visit inside its window (a late entry), so the phone
    // keeps it in the bundle with its checks, though no list shows it.
    const [task] = await campaignTasks(campaign.id);
    await db.query(sql(`update visit_tasks set status = 'missed' where id = $1`), [task.id]);
    const later = (await visitor.http.get('/api/visitor/bundle')).json();
    expect(later.tasks.find((t: { id: number }) => t.id === task.id)).toMatchObject({
      status: 'missed',
      checks: ['heating'],
    });
  });
});
