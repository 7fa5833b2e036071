import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown } from '../../../../test/factories.js';
import { CHECKLIST_V1, fineAnswers } from '../../../shared/checklist.js';
import { addDays, chinaDate, chinaDayStart } from '../../../shared/china-time.js';
import { seasonFlags } from '../../../shared/schedule.js';
import { sql } from '../../db/sql.js';

const env = await testEnv();
const db = env.ctx.db;

const HOME = { latitude: 40.65, longitude: 109.84 };
const north = (m: number) => ({ latitude: HOME.latitude + m / 111194.93, longitude: HOME.longitude });
const ago = (minutes: number) => new Date(Date.now() - minutes * 60000);
const PNG_BYTES = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
/** A PNG no other test sends (bytes after IEND are ignored by readers; the hash differs). */
const freshPng = () => Buffer.concat([PNG_BYTES, Buffer.from(randomUUID())]).toString('base64');
const PNG = freshPng();

/** Three persons of a village, all in `visitorId`'s care. */
async function personsOf(townId: number, villageId: number, visitorId: number) {
  const persons = [];
  for (let i = 0; i < 3; i++)
    persons.push(await buildPerson(env, { townId, villageId, visitorId, supportStart: '2025-01-01' }));
  return persons;
}

async function setup() {
  const { town, villages } = await buildTown(env);
  const visitor = await actorClient(env, 'visitor', villages[0].id);
  const officer = await actorClient(env, 'town_officer', town.id);
  const persons = await personsOf(town.id, villages[0].id, visitor.id);
  return { town, villages, visitor, officer, persons };
}

function body(personId: number, at: Date, extra: Record<string, unknown> = {}) {
  return {
    clientId: randomUUID(),
    personId,
    at: at.toISOString(),
    method: 'in_person',
    outcome: 'reached',
    answers: fineAnswers(CHECKLIST_V1, seasonFlags(chinaDate(at))),
    openedAt: new Date(at.getTime() - 20 * 60000).toISOString(),
    submittedAt: at.toISOString(),
    ...extra,
  };
}
const located = (p: { latitude: number; longitude: number }, accuracy = 20) => ({
  location: { consent: true, ...p, accuracy },
});
const rulesOf = (res: { json: () => any }) =>
  (res.json().authenticity?.signals ?? []).map((s: { rule: string }) => s.rule);

describe('authenticity signals on a recorded visit', () => {
  it('place: far from a confirmed home point is flagged; 450 m with poor accuracy and no home point are not', async () => {
    const { visitor, officer, persons } = await setup();
    const [a, b] = persons;
    // No home point yet: no reference, not "far"; the visit proposes the point.
    const first = await visitor.http.post('/api/visits', body(a.id, ago(300), located(north(30000))));
    expect(first.statusCode).toBe(201);
    expect(rulesOf(first)).toEqual([]);
    const hp = await officer.http.get(`/api/persons/${a.id}/home-point`);
    expect(hp.json().current).toBeNull();
    expect(hp.json().proposal.visitId).toBe(first.json().id);
    // The town sets the point by coordinates (the proposal was wrong).
    expect((await officer.http.put(`/api/persons/${a.id}/home-point`, HOME)).statusCode).toBe(200);
    expect(
      (await officer.http.put(`/api/persons/${a.id}/home-point`, { latitude: 91, longitude: 0 })).json()
        .message,
    ).toContain('纬度');
    // A visitor may not set it.
    expect((await visitor.http.put(`/api/persons/${a.id}/home-point`, HOME)).statusCode).toBe(403);

    const far = await visitor.http.post('/api/visits', body(a.id, ago(200), located(north(3000))));
    expect(rulesOf(far)).toEqual(['place']);
    expect(far.json().authenticity.reviewState).toBe('pending');
    expect(far.json().location.accuracy).toBe(20);
    const near = await visitor.http.post('/api/visits', body(a.id, ago(100), located(north(450), 800)));
    expect(rulesOf(near)).toEqual([]);
    // Person b has no home point: 30 km away says nothing.
    expect(
      rulesOf(await visitor.http.post('/api/visits', body(b.id, ago(1000), located(north(30000))))),
    ).toEqual([]);
  });

  it('travel: 3 km in 10 minutes is fine, 30 km is not — also when the earlier visit arrives late', async () => {
    const { visitor, persons } = await setup();
    const [a, b, c] = persons;
    const t0 = ago(600);
    expect(rulesOf(await visitor.http.post('/api/visits', body(a.id, t0, located(north(0)))))).toEqual([]);
    const t1 = new Date(t0.getTime() + 10 * 60000);
    expect(rulesOf(await visitor.http.post('/api/visits', body(b.id, t1, located(north(3000)))))).toEqual([]);
    const t2 = new Date(t1.getTime() + 10 * 60000);
    const fast = await visitor.http.post('/api/visits', body(c.id, t2, located(north(33000))));
    expect(rulesOf(fast)).toEqual(['travel']);
    expect(fast.json().authenticity.signals[0].reason).toContain('公里');
    // A visit stored later but made between them is checked against the next one too.
    const between = new Date(t2.getTime() - 2 * 60000);
    const late = await visitor.http.post('/api/visits', body(a.id, between, located(north(0))));
    expect(rulesOf(late)).toEqual(['travel']);
    // The pair's other visit (stored before the late one arrived) carries the signal too, once.
    const other = await visitor.http.get(`/api/visits/${fast.json().id}`);
    expect(rulesOf(other)).toEqual(['travel', 'travel']);
    expect(other.json().authenticity.signals[1].evidence.otherVisitId).toBe(late.json().id);
  });

  it('photo reused, too short, stored late, copied answers', async () => {
    const { visitor, persons } = await setup();
    const [a, b, c] = persons;
    const photo = { data: PNG, meta: { sha256: 'a'.repeat(64), takenAt: ago(400).toISOString() } };
    expect(
      rulesOf(await visitor.http.post('/api/visits', body(a.id, ago(400), { photos: [photo] }))),
    ).toEqual([]);
    // The same photo (the server's hash of the same bytes) on another visit.
    const again = await visitor.http.post('/api/visits', body(b.id, ago(380), { photos: [{ data: PNG }] }));
    expect(rulesOf(again)).toEqual(['photo_reused']);
    // EXIF time two days before the visit.
    const old = await visitor.http.post(
      '/api/visits',
      body(c.id, ago(360), {
        photos: [
          {
            data: freshPng(),
            meta: { takenAt: ago(3000).toISOString() },
          },
        ],
      }),
    );
    expect(rulesOf(old)).toEqual(['photo_time']);
    const at = ago(300);
    const short = await visitor.http.post(
      '/api/visits',
      body(a.id, at, { openedAt: new Date(at.getTime() - 60000).toISOString() }),
    );
    expect(rulesOf(short)).toEqual(['too_short']);
    const late = await visitor.http.post('/api/visits', body(b.id, ago(60 * 24 * 9)));
    expect(rulesOf(late)).toEqual(['stored_late']);
    // Copy: the same answers and free text as the person's previous visit.
    const notes = '老人身体不错，屋里很暖和，药品充足';
    expect(rulesOf(await visitor.http.post('/api/visits', body(c.id, ago(200), { notes })))).toEqual([]);
    expect(rulesOf(await visitor.http.post('/api/visits', body(c.id, ago(150), { notes })))).toEqual([
      'copied_previous',
    ]);
    // The same text for a third person of the visitor this month (c counted once).
    const third = await visitor.http.post('/api/visits', body(a.id, ago(140), { notes }));
    expect(rulesOf(third)).toEqual([]);
    expect(rulesOf(await visitor.http.post('/api/visits', body(b.id, ago(130), { notes })))).toEqual([
      'copied_across',
    ]);
    // A short routine note is not compared.
    expect(
      rulesOf(await visitor.http.post('/api/visits', body(b.id, ago(120), { notes: '一切正常' }))),
    ).toEqual([]);
  });

  it('bad input: a malformed photo hash, a negative accuracy and a bad openedAt answer 400 in Chinese', async () => {
    const { visitor, persons } = await setup();
    const r1 = await visitor.http.post(
      '/api/visits',
      body(persons[0].id, ago(10), { photos: [{ data: PNG, meta: { sha256: 'xyz' } }] }),
    );
    expect(r1.statusCode).toBe(400);
    expect(r1.json().message).toContain('照片指纹');
    const r2 = await visitor.http.post('/api/visits', body(persons[0].id, ago(10), located(north(0), -5)));
    expect(r2.statusCode).toBe(400);
    expect(r2.json().message).toContain('精度');
    const r3 = await visitor.http.post(
      '/api/visits',
      body(persons[0].id, ago(10), { openedAt: 'yesterday' }),
    );
    expect(r3.statusCode).toBe(400);
  });
});

describe('thresholds per area, inherited', () => {
  it('a town sets a wider place radius for one village; visits there follow it, the other village keeps the default', async () => {
    const { town, villages, visitor, officer, persons } = await setup();
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const other = await buildPerson(env, {
      townId: town.id,
      villageId: villages[1].id,
      visitorId: visitor.id,
      supportStart: '2025-01-01',
    });
    for (const p of [persons[0], other]) await officer.http.put(`/api/persons/${p.id}/home-point`, HOME);
    // Only config.manage may set; values are checked by their schema with a Chinese message.
    const setting = { areaId: villages[0].id, key: 'authenticity.placeMeters', value: 2000 };
    expect((await officer.http.put('/api/authenticity/settings', setting)).statusCode).toBe(403);
    const bad = await admin.http.put('/api/authenticity/settings', { ...setting, value: 10 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('至少 50 米');
    const ok = await admin.http.put('/api/authenticity/settings', setting);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()['authenticity.placeMeters']).toMatchObject({ value: 2000, own: true });
    const read = await officer.http.get(`/api/authenticity/settings?areaId=${villages[1].id}`);
    expect(read.json()['authenticity.placeMeters']).toMatchObject({ value: 500, source: 'default' });
    // 1.2 km away: fine in the first village now, far in the second.
    const v1 = await visitor.http.post('/api/visits', body(persons[0].id, ago(50), located(north(1200))));
    const v2 = await visitor.http.post('/api/visits', body(other.id, ago(20), located(north(1200))));
    expect(rulesOf(v1)).toEqual([]);
    expect(rulesOf(v2)).toEqual(['place']);
    // Cleared: inherited again.
    await admin.http.put('/api/authenticity/settings', { ...setting, value: null });
    const again = await officer.http.get(`/api/authenticity/settings?areaId=${villages[0].id}`);
    expect(again.json()['authenticity.placeMeters'].source).toBe('default');
  });
});

describe('too many in a day: counted to the limit in force, no further than a rule can use', () => {
  it("a village's limit of 2 flags the third visit; the default 12 the thirteenth; past the highest limit the count stops and says 以上", async () => {
    const { town, villages, visitor, persons } = await setup();
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const setting = { areaId: villages[0].id, key: 'authenticity.maxPerDay', value: 2 };
    expect((await admin.http.put('/api/authenticity/settings', setting)).statusCode).toBe(200);
    // Yesterday (China), from 08:00 every 20 minutes: one day, never in the future.
    const day = chinaDayStart(addDays(chinaDate(new Date()), -1));
    const at = (i: number) => new Date(day.getTime() + 8 * 3600000 + i * 20 * 60000);
    const reasons = async (client: typeof visitor, ids: number[], n: number) => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const res = await client.http.post('/api/visits', body(ids[i % ids.length], at(i)));
        expect(res.statusCode).toBe(201);
        const s = (res.json().authenticity?.signals ?? []).find(
          (x: { rule: string }) => x.rule === 'too_many',
        );
        out.push(s?.reason ?? '');
      }
      return out;
    };
    const first = await reasons(
      visitor,
      persons.map((p) => p.id),
      3,
    );
    expect(first).toEqual(['', '', '该探访人当天已有 3 次上门探访（超过 2 次）']);

    // Another visitor in the other village keeps the default (12). The count reads one row past the
    // highest limit configured anywhere (here the default, 12): 13 rows at most.
    const other = await actorClient(env, 'visitor', villages[1].id);
    const theirs = await personsOf(town.id, villages[1].id, other.id);
    const all = await reasons(
      other,
      theirs.map((p) => p.id),
      15,
    );
    expect(all.slice(0, 12)).toEqual(Array(12).fill(''));
    expect(all[12]).toBe('该探访人当天已有 13 次上门探访（超过 12 次）');
    expect(all[13]).toBe('该探访人当天已有 14 次以上上门探访（超过 12 次）');
    expect(all[14]).toBe('该探访人当天已有 14 次以上上门探访（超过 12 次）');
    await admin.http.put('/api/authenticity/settings', { ...setting, value: null });
  });
});

describe('town review queue', () => {
  it('lists, shows evidence, and a rejection takes the visit out and reopens its task; all scoped', async () => {
    const { town, visitor, officer, persons } = await setup();
    const [a] = persons;
    await officer.http.put(`/api/persons/${a.id}/home-point`, HOME);
    const at = ago(30);
    const v = await visitor.http.post('/api/visits', body(a.id, at, located(north(5000))));
    expect(v.statusCode).toBe(201);
    const visitId = v.json().id;
    expect(v.json().completedTasks.length).toBe(1);
    const taskId = v.json().completedTasks[0].id;

    const list = await officer.http.get(`/api/authenticity/reviews?areaId=${town.id}`);
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((i: { visitId: number }) => i.visitId)).toContain(visitId);

    // Another town's officer sees nothing of it; a visitor may not use the queue.
    const { town: other } = await buildTown(env);
    const stranger = await actorClient(env, 'town_officer', other.id);
    expect((await stranger.http.get(`/api/authenticity/reviews/${visitId}`)).statusCode).toBe(404);
    expect(
      (await stranger.http.get('/api/authenticity/reviews'))
        .json()
        .items.some((i: any) => i.visitId === visitId),
    ).toBe(false);
    expect(
      (await stranger.http.post(`/api/authenticity/reviews/${visitId}`, { decision: 'confirmed' }))
        .statusCode,
    ).toBe(404);
    expect((await visitor.http.get('/api/authenticity/reviews')).statusCode).toBe(403);

    const detail = await officer.http.get(`/api/authenticity/reviews/${visitId}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.json().home.latitude).toBe(HOME.latitude);
    expect(detail.json().item.signals[0].evidence.distanceM).toBe(5000);

    // Reject needs a reason.
    const noNote = await officer.http.post(`/api/authenticity/reviews/${visitId}`, { decision: 'rejected' });
    expect(noNote.statusCode).toBe(400);
    expect(noNote.json().message).toContain('理由');
    const huge = await officer.http.post(`/api/authenticity/reviews/${visitId}`, {
      decision: 'rejected',
      note: 'x'.repeat(5000),
    });
    expect(huge.statusCode).toBe(400);
    const rej = await officer.http.post(`/api/authenticity/reviews/${visitId}`, {
      decision: 'rejected',
      note: '电话核实老人当天不在家',
    });
    expect(rej.statusCode).toBe(200);
    expect(rej.json().reviewState).toBe('rejected');
    // Twice: 409.
    expect(
      (await officer.http.post(`/api/authenticity/reviews/${visitId}`, { decision: 'confirmed' })).statusCode,
    ).toBe(409);

    const [row] = await db.query<{ qualifying: boolean; rejected: boolean }>(
      sql('select qualifying, rejected from visits where id = $1'),
      [visitId],
    );
    expect(row).toEqual({ qualifying: false, rejected: true });
    const [task] = await db.query<{ status: string; visit_id: number | null }>(
      sql('select status, visit_id from visit_tasks where id = $1'),
      [taskId],
    );
    expect(task).toEqual({ status: 'open', visit_id: null });
    // The visitor sees why (their own visit), and the timeline has it.
    const mine = await visitor.http.get(`/api/visits/${visitId}`);
    expect(mine.json().authenticity).toMatchObject({ reviewState: 'rejected', rejected: true });
    expect(mine.json().qualifying).toBe(false);
    const [ev] = await db.query<{ title: string }>(
      sql(`select title from person_events where person_id = $1 and kind = 'visit_review'`),
      [a.id],
    );
    expect(ev.title).toContain('不予认定');
    const [audit] = await db.query<{ n: number }>(
      sql(`select count(*)::int as n from audit_log where action = 'visit.review' and entity_id = $1`),
      [String(visitId)],
    );
    expect(audit.n).toBe(1);

    // A second visit in the window completes the task again as usual.
    const ok = await visitor.http.post('/api/visits', body(a.id, ago(10), located(north(10))));
    expect(rulesOf(ok)).toEqual([]);
    expect(ok.json().completedTasks.map((t: { id: number }) => t.id)).toEqual([taskId]);
  });

  it('a rejected visit whose task has another qualifying visit keeps the task done by that one', async () => {
    const { visitor, officer, persons } = await setup();
    const [a] = persons;
    await officer.http.put(`/api/persons/${a.id}/home-point`, HOME);
    const good = await visitor.http.post('/api/visits', body(a.id, ago(60), located(north(10))));
    const bad = await visitor.http.post('/api/visits', body(a.id, ago(50), located(north(8000))));
    expect(rulesOf(bad)).toEqual(['place']);
    // The good visit completed the task; the bad one completed nothing. Reject it: the task stays done.
    await officer.http.post(`/api/authenticity/reviews/${bad.json().id}`, {
      decision: 'rejected',
      note: '不在家',
    });
    const [task] = await db.query<{ status: string; visit_id: number }>(
      sql(
        `select status, visit_id from visit_tasks where person_id = $1 and kind = 'regular' order by window_start desc limit 1`,
      ),
      [a.id],
    );
    expect(task.status).toBe('done');
    expect(Number(task.visit_id)).toBe(good.json().id);
    // Confirm / explain another.
    const bad2 = await visitor.http.post('/api/visits', body(a.id, ago(40), located(north(8000))));
    const ex = await officer.http.post(`/api/authenticity/reviews/${bad2.json().id}`, {
      decision: 'explained',
    });
    expect(ex.statusCode).toBe(400);
    const ex2 = await officer.http.post(`/api/authenticity/reviews/${bad2.json().id}`, {
      decision: 'explained',
      note: '老人在女儿家暂住',
    });
    expect(ex2.json().reviewState).toBe('explained');
  });
});

describe('bureau spot checks', () => {
  it('draws a reproducible sample, assigns, records; not confirmed opens a concern; roles and scope hold', async () => {
    const { town, visitor, officer, persons } = await setup();
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const supervisor = await actorClient(env, 'bureau_supervisor', env.districtId);
    const lastMonth = (() => {
      const d = new Date(Date.now() + 8 * 3600000);
      d.setUTCDate(1);
      d.setUTCMonth(d.getUTCMonth() - 1);
      return d.toISOString().slice(0, 7);
    })();
    const inMonth = new Date(`${lastMonth}-10T10:00:00+08:00`);
    for (const [i, p] of persons.entries())
      for (let k = 0; k < 2; k++)
        await visitor.http.post(
          '/api/visits',
          body(p.id, new Date(inMonth.getTime() + (i * 2 + k) * 3600000)),
        );

    // A town officer may not draw.
    expect(
      (await officer.http.post('/api/spot-checks/draws', { month: lastMonth, townId: town.id })).statusCode,
    ).toBe(403);
    const bad = await admin.http.post('/api/spot-checks/draws', { month: '2026-13', townId: town.id });
    expect(bad.statusCode).toBe(400);
    const d = await admin.http.post('/api/spot-checks/draws', {
      month: lastMonth,
      townId: town.id,
      seed: 'fixed-seed',
    });
    expect(d.statusCode).toBe(201);
    const [draw] = d.json();
    expect(draw).toMatchObject({ population: 6, size: 3, seed: 'fixed-seed', minimum: 3 });
    // Once per town and month.
    expect(
      (await admin.http.post('/api/spot-checks/draws', { month: lastMonth, townId: town.id })).statusCode,
    ).toBe(409);
    const checks = (await admin.http.get(`/api/spot-checks?month=${lastMonth}&townId=${town.id}`)).json();
    expect(checks).toHaveLength(3);
    // Reproducible: the same seed over the same visits gives the same sample.
    const { drawSample } = await import('../../../shared/authenticity.js');
    const pop = await db.query<{ id: number }>(
      sql(`select id from visits where town_id = $1 and qualifying order by id`),
      [town.id],
    );
    expect(
      drawSample(
        pop.map((r) => ({ id: Number(r.id), flagged: false })),
        { seed: `fixed-seed:${town.id}:${lastMonth}`, rate: 0.05, min: 3, flaggedWeight: 4 },
      ),
    ).toEqual(checks.map((c: { visitId: number }) => c.visitId).sort((x: number, y: number) => x - y));

    const c0 = checks[0];
    // Assign only to bureau staff.
    expect(
      (await admin.http.post(`/api/spot-checks/${c0.id}/assign`, { userId: visitor.id, version: c0.version }))
        .statusCode,
    ).toBe(400);
    const asg = await admin.http.post(`/api/spot-checks/${c0.id}/assign`, {
      userId: supervisor.id,
      version: c0.version,
    });
    expect(asg.json().assignedTo).toBe(supervisor.id);
    // The town sees its checks but may not record them.
    expect(
      (await officer.http.post(`/api/spot-checks/${c0.id}/result`, { result: 'confirmed', version: 2 }))
        .statusCode,
    ).toBe(403);
    const noNote = await supervisor.http.post(`/api/spot-checks/${c0.id}/result`, {
      result: 'not_confirmed',
      version: 2,
    });
    expect(noNote.statusCode).toBe(400);
    const res = await supervisor.http.post(`/api/spot-checks/${c0.id}/result`, {
      result: 'not_confirmed',
      note: '老人说这个月没有人来过',
      version: 2,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().concernId).toBeGreaterThan(0);
    const [concern] = await db.query<{ town_id: number; description: string }>(
      sql('select town_id, description from concerns where id = $1'),
      [res.json().concernId],
    );
    expect(concern.town_id).toBe(town.id);
    expect(concern.description).toContain('回访抽查');
    const again = await supervisor.http.post(`/api/spot-checks/${c0.id}/result`, {
      result: 'confirmed',
      version: 3,
    });
    expect(again.statusCode).toBe(409);
    // Another town's officer sees none of them.
    const { town: other } = await buildTown(env);
    const stranger = await actorClient(env, 'town_officer', other.id);
    expect((await stranger.http.get(`/api/spot-checks?townId=${town.id}`)).json()).toEqual([]);
  });
});

describe('signals follow a home point that changes (set, moved, removed)', () => {
  const queueIds = async (officer: { http: { get: (u: string) => Promise<any> } }, townId: number) =>
    (await officer.http.get(`/api/authenticity/reviews?areaId=${townId}&limit=200`))
      .json()
      .items.map((i: { visitId: number }) => i.visitId);
  const stored = async (id: number) => {
    const [r] = await db.query<{ signals: { rule: string }[] | null; review_state: string | null }>(
      sql('select signals, review_state from visits where id = $1'),
      [id],
    );
    return { rules: (r.signals ?? []).map((s) => s.rule), state: r.review_state };
  };

  it('a visit 55 km away is flagged once a point is set, unflagged when the point moves there; others untouched', async () => {
    const { town, visitor, officer, persons } = await setup();
    const [a, b] = persons;
    const far = north(55000);
    // Before any home point: no reference, not flagged, not in the queue.
    const v = await visitor.http.post('/api/visits', body(a.id, ago(300), located(far)));
    expect(rulesOf(v)).toEqual([]);
    const visitId = v.json().id;
    // Another person's visit at the same place, and a too-short visit of person a (a signal of
    // another rule, which the home point must leave as it is).
    const ob = await visitor.http.post('/api/visits', body(b.id, ago(280), located(far)));
    const at = ago(200);
    const short = await visitor.http.post(
      '/api/visits',
      body(a.id, at, { ...located(far), openedAt: new Date(at.getTime() - 60000).toISOString() }),
    );
    expect(rulesOf(short)).toEqual(['too_short']);
    expect(await queueIds(officer, town.id)).not.toContain(visitId);

    // The town sets the point at home: the 55 km visit is flagged now, and waits in the queue.
    expect((await officer.http.put(`/api/persons/${a.id}/home-point`, HOME)).statusCode).toBe(200);
    expect(await stored(visitId)).toEqual({ rules: ['place'], state: 'pending' });
    expect(await stored(short.json().id)).toEqual({ rules: ['place', 'too_short'], state: 'pending' });
    expect(await stored(ob.json().id)).toEqual({ rules: [], state: null });
    expect(await queueIds(officer, town.id)).toContain(visitId);
    const mine = await visitor.http.get(`/api/visits/${visitId}`);
    expect(mine.json().authenticity.signals[0].reason).toContain('55.0 公里');
    // Audited per visit, in the home point's transaction.
    const audits = await db.query<{ action: string; detail: any }>(
      sql(`select action, detail from audit_log where (entity = 'visit' and entity_id = $1 and action = 'visit.signals')
             or (entity = 'person' and entity_id = $2 and action = 'person.home_point') order by id`),
      [String(visitId), String(a.id)],
    );
    expect(audits.map((x) => x.action)).toEqual(['visit.signals', 'person.home_point']);
    expect(audits[0].detail.after[0]).toContain('55.0 公里');
    expect(audits[1].detail.recomputed).toEqual(expect.arrayContaining([visitId, short.json().id]));

    // The point was wrong: the town confirms the visit's own location instead. The place flag goes,
    // and with it the queue entry of the visit that had only that; the too-short one keeps its other
    // signal.
    const confirmed = await officer.http.put(`/api/persons/${a.id}/home-point`, { fromVisitId: visitId });
    expect(confirmed.json()).toMatchObject({
      source: 'visit',
      sourceVisitId: visitId,
      latitude: far.latitude,
    });
    expect(await stored(visitId)).toEqual({ rules: [], state: null });
    expect(await stored(short.json().id)).toEqual({ rules: ['too_short'], state: 'pending' });
    const queue = await queueIds(officer, town.id);
    expect(queue).not.toContain(visitId);
    expect(queue).toContain(short.json().id);
    expect(await stored(ob.json().id)).toEqual({ rules: [], state: null });
  });

  it('a reviewed visit keeps its decision with its signals updated; old decided months stay; removal says "no reference"', async () => {
    const { town, villages, visitor, officer, persons } = await setup();
    const [a] = persons;
    await officer.http.put(`/api/persons/${a.id}/home-point`, HOME);
    const far = await visitor.http.post('/api/visits', body(a.id, ago(400), located(north(8000))));
    expect(rulesOf(far)).toEqual(['place']);
    const farId = far.json().id;
    await officer.http.post(`/api/authenticity/reviews/${farId}`, {
      decision: 'explained',
      note: '在女儿家',
    });
    // 70 days ago is always before the previous month: stored late, then confirmed by the town.
    const old = await visitor.http.post('/api/visits', body(a.id, ago(70 * 1440), located(north(20000))));
    expect(rulesOf(old)).toEqual(['place', 'stored_late']);
    await officer.http.post(`/api/authenticity/reviews/${old.json().id}`, { decision: 'confirmed' });
    // An old visit still waiting for review is in the queue: it is recomputed.
    const oldPending = await visitor.http.post(
      '/api/visits',
      body(a.id, ago(69 * 1440), located(north(20000))),
    );
    expect(rulesOf(oldPending)).toEqual(['place', 'stored_late']);

    // Moved 8 km north: the explained visit is at home now. Its decision stays; the queue tells the
    // reviewer its signals changed after it.
    await officer.http.put(`/api/persons/${a.id}/home-point`, north(8000));
    expect(await stored(farId)).toEqual({ rules: [], state: 'explained' });
    const explained = await officer.http.get(`/api/authenticity/reviews?state=explained&areaId=${town.id}`);
    const item = explained.json().items.find((i: { visitId: number }) => i.visitId === farId);
    expect(item.signalsChangedAt).not.toBeNull();
    expect(item.reviewNote).toBe('在女儿家');
    // The closed month's confirmed visit is left as the town decided it (12 km from the new point).
    const [oldRow] = await db.query<{ signals: { reason: string }[] }>(
      sql('select signals from visits where id = $1'),
      [old.json().id],
    );
    expect(oldRow.signals[0].reason).toContain('20.0 公里');
    expect(await stored(oldPending.json().id)).toEqual({ rules: ['place', 'stored_late'], state: 'pending' });
    const [pendingRow] = await db.query<{ signals: { reason: string }[] }>(
      sql('select signals from visits where id = $1'),
      [oldPending.json().id],
    );
    expect(pendingRow.signals[0].reason).toContain('12.0 公里');

    // Removal: roles and scope first.
    const { town: otherTown } = await buildTown(env);
    const stranger = await actorClient(env, 'town_officer', otherTown.id);
    expect((await stranger.http.delete(`/api/persons/${a.id}/home-point`)).statusCode).toBe(404);
    expect((await visitor.http.delete(`/api/persons/${a.id}/home-point`)).statusCode).toBe(403);
    const villageOfficer = await actorClient(env, 'village_officer', villages[0].id);
    expect((await villageOfficer.http.delete(`/api/persons/${a.id}/home-point`)).statusCode).toBe(403);
    const del = await officer.http.delete(
      `/api/persons/${a.id}/home-point?note=${encodeURIComponent('坐标有误')}`,
    );
    expect(del.statusCode).toBe(204);
    expect((await officer.http.delete(`/api/persons/${a.id}/home-point`)).statusCode).toBe(404);
    // No reference: the pending old visit keeps only its other signal, still waiting for review.
    expect(await stored(oldPending.json().id)).toEqual({ rules: ['stored_late'], state: 'pending' });
    const hp = (await officer.http.get(`/api/persons/${a.id}/home-point`)).json();
    expect(hp.current).toBeNull();
    expect(hp.history[0]).toMatchObject({ removed: true, note: '坐标有误', latitude: north(8000).latitude });
    const [audit] = await db.query<{ n: number }>(
      sql(
        `select count(*)::int as n from audit_log where action = 'person.home_point_removed' and entity_id = $1`,
      ),
      [String(a.id)],
    );
    expect(audit.n).toBe(1);
    // A visit after removal: no reference, not "far".
    expect(
      rulesOf(await visitor.http.post('/api/visits', body(a.id, ago(5), located(north(30000))))),
    ).toEqual([]);
  });
});

describe('the visitor is told when a visit is rejected', () => {
  it('one inbox row for the visitor (note, what became of the task), none for another visitor, own channels only', async () => {
    const { town, villages, visitor, officer, persons } = await setup();
    const [a, b] = persons;
    const otherVisitor = await actorClient(env, 'visitor', villages[0].id);
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    await officer.http.put(`/api/persons/${a.id}/home-point`, HOME);
    await officer.http.put(`/api/persons/${b.id}/home-point`, HOME);
    // The visitor's own e-mail; the district has e-mail and a group robot switched on.
    expect(
      (await visitor.http.put('/api/inbox/settings', { email: `v${town.id}@example.org` })).statusCode,
    ).toBe(200);
    const channels = await admin.http.put('/api/notifications/channels', {
      email: { enabled: true, host: '127.0.0.1', port: 2525, from: 'tanfang@example.org' },
      webhook: { enabled: false },
      wecom: { enabled: true, url: 'http://127.0.0.1:9/cgi-bin/webhook/send?key=K' },
    });
    expect(channels.statusCode).toBe(200);
    try {
      const v = await visitor.http.post('/api/visits', body(a.id, ago(30), located(north(5000))));
      const visitId = v.json().id;
      const due = v.json().completedTasks[0].dueDate;
      // Confirm and explain tell nobody: the visit still counts, there is nothing to do.
      const v2 = await visitor.http.post('/api/visits', body(b.id, ago(25), located(north(6000))));
      await officer.http.post(`/api/authenticity/reviews/${v2.json().id}`, {
        decision: 'explained',
        note: '暂住',
      });
      const rej = await officer.http.post(`/api/authenticity/reviews/${visitId}`, {
        decision: 'rejected',
        note: '电话核实老人当天不在家',
      });
      expect(rej.statusCode).toBe(200);
      const inbox = (await visitor.http.get('/api/inbox')).json();
      const mine = inbox.items.filter((n: { kind: string }) => n.kind === 'visit.rejected');
      expect(mine).toHaveLength(1);
      expect(inbox.items.some((n: { kind: string }) => n.kind !== 'visit.rejected')).toBe(false);
      expect(mine[0].title).toContain('探访不予认定');
      expect(mine[0].body).toContain('电话核实老人当天不在家');
      expect(mine[0].body).toContain('位置离家过远');
      expect(mine[0].body).toContain(`请在 ${due} 前重新探访`);
      expect(mine[0].ref).toMatchObject({ entity: 'visit', id: String(visitId) });
      expect((await otherVisitor.http.get('/api/inbox')).json().items).toEqual([]);
      expect(
        (await officer.http.get('/api/inbox'))
          .json()
          .items.some((n: { kind: string }) => n.kind === 'visit.rejected'),
      ).toBe(false);
      // Out on the visitor's own channel (e-mail), not posted to the group robot.
      const out = await db.query<{ channel: string; user_id: number }>(
        sql('select channel, user_id from notification_outbox where dedupe_key = $1 order by channel'),
        [`visit.rejected:${visitId}`],
      );
      expect(out).toEqual([{ channel: 'email', user_id: visitor.id }]);
    } finally {
      await admin.http.put('/api/notifications/channels', {
        email: { enabled: false },
        webhook: { enabled: false },
        wecom: { enabled: false },
      });
    }
  });
});
