import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordVisitWith as record } from '../../../../test/case-helpers.js';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown, client, login } from '../../../../test/factories.js';
import { type Clock, createClock } from '../../clock.js';
import { sql } from '../../db/sql.js';
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

async function world() {
  const { town, villages } = await buildTown(env);
  const officer = await actorClient(env, 'town_officer', town.id);
  const visitor = await actorClient(env, 'visitor', villages[0].id);
  const supervisor = await actorClient(env, 'bureau_supervisor', env.districtId);
  const person = await buildPerson(env, {
    townId: town.id,
    villageId: villages[0].id,
    visitorId: visitor.id,
  });
  return { town, villages, officer, visitor, supervisor, person };
}

const relogin = async (u: { username: string }) => client(env, (await login(env, u.username)).token);

describe('concerns', () => {
  it('each request on a visit becomes a concern with a 15-day deadline; overdue ones escalate to the bureau once', async () => {
    const w = await world();
    await record(env, w.visitor, w.person.id, {
      answers: (a) => {
        a.J = {
          requests: {
            value: [
              { category: 'housing', note: '屋顶漏雨，需要维修' },
              { category: 'medical', note: '需要代购降压药' },
            ],
          },
        };
      },
    });
    const list = (await w.officer.http.get(`/api/concerns?personId=${w.person.id}`)).json();
    expect(list.total).toBe(2);
    expect(list.items.map((c: any) => c.description).sort()).toEqual([
      '屋顶漏雨，需要维修',
      '需要代购降压药',
    ]);
    for (const c of list.items) {
      expect(c).toMatchObject({
        source: 'visit',
        status: 'open',
        handling: 'time_limited',
        deadline: '2026-03-25',
      });
      expect(c.daysLeft).toBe(15);
    }
    const officerInbox = (await w.officer.http.get('/api/inbox')).json().items;
    expect(officerInbox.filter((n: any) => n.kind === 'concern.opened')).toHaveLength(2);

    // One is being handled and is fixed in time; the other is forgotten.
    const roof = list.items.find((c: any) => c.category === 'housing');
    const pills = list.items.find((c: any) => c.category === 'medical');
    const done = await w.officer.http.patch(`/api/concerns/${pills.id}`, {
      version: pills.version,
      status: 'resolved',
      resolution: '已代购并送达',
    });
    expect(done.statusCode).toBe(200);

    // The day after the deadline the job escalates the forgotten one, once.
    env.ctx.clock.set('2026-03-26T08:00:00+08:00');
    expect(await runJob(env.ctx, 'concerns.escalate-overdue')).toMatchObject({
      escalated: expect.any(Number),
    });
    await runJob(env.ctx, 'concerns.escalate-overdue');
    const sup = await relogin(w.supervisor);
    const overdue = (await sup.get(`/api/concerns?overdue=1&personId=${w.person.id}`)).json();
    expect(overdue.items.map((c: any) => c.id)).toEqual([roof.id]);
    expect(overdue.items[0]).toMatchObject({ overdue: true, escalated: true, daysLeft: -1 });
    const d = (await sup.get(`/api/concerns/${roof.id}`)).json();
    expect(d.entries.filter((e: any) => e.kind === 'escalated')).toHaveLength(1);
    const notes = (await sup.get('/api/inbox?limit=100'))
      .json()
      .items.filter((n: any) => n.kind === 'concern.overdue' && n.ref.id === String(roof.id));
    expect(notes).toHaveLength(1);
    // A resolved one does not escalate.
    expect((await sup.get(`/api/concerns/${pills.id}`)).json().escalated).toBe(false);
  });

  it('moves open → in progress → resolved → verified, refuses illegal jumps and leaves the state unchanged', async () => {
    const w = await world();
    const created = await w.officer.http.post('/api/concerns', {
      personId: w.person.id,
      category: 'safety',
      description: '院内电线老化',
    });
    expect(created.statusCode).toBe(201);
    let c = created.json();
    expect(c).toMatchObject({ status: 'open', source: 'manual', deadline: '2026-03-25' });

    const expectState = async (status: string) =>
      expect((await w.officer.http.get(`/api/concerns/${c.id}`)).json().status).toBe(status);

    // Verifying an unresolved concern.
    const early = await w.supervisor.http.post(`/api/concerns/${c.id}/verify`, { approve: true });
    expect(early.statusCode).toBe(409);
    expect(early.json().message).toContain('只能核验');
    await expectState('open');
    // The town cannot verify, by PATCH or by the verify action.
    const selfVerify = await w.officer.http.patch(`/api/concerns/${c.id}`, {
      version: c.version,
      status: 'verified',
    });
    expect(selfVerify.statusCode).toBe(409);
    expect((await w.officer.http.post(`/api/concerns/${c.id}/verify`, { approve: true })).statusCode).toBe(
      403,
    );
    // Resolving needs a description of the fix.
    const noFix = await w.officer.http.patch(`/api/concerns/${c.id}`, {
      version: c.version,
      status: 'resolved',
    });
    expect(noFix.statusCode).toBe(400);
    expect(noFix.json().field).toBe('resolution');
    await expectState('open');

    c = (
      await w.officer.http.patch(`/api/concerns/${c.id}`, { version: c.version, status: 'in_progress' })
    ).json();
    expect(c.status).toBe('in_progress');
    const back = await w.officer.http.patch(`/api/concerns/${c.id}`, { version: c.version, status: 'open' });
    expect(back.statusCode).toBe(409);
    expect(back.json().message).toContain('不能从「整改中」变为「待处理」');
    // A stale version is a conflict.
    const stale = await w.officer.http.patch(`/api/concerns/${c.id}`, {
      version: c.version - 1,
      status: 'resolved',
      resolution: 'x',
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().field).toBe('version');
    await expectState('in_progress');

    // Evidence of the fix.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    );
    const up = await w.officer.http.post(`/api/concerns/${c.id}/files`, {
      name: '整改后.png',
      mime: 'image/png',
      data: png.toString('base64'),
    });
    expect(up.statusCode).toBe(201);
    const fileId = up.json().files[0].id;
    const dl = await w.officer.http.get(`/api/concerns/${c.id}/files/${fileId}`);
    expect(dl.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(dl.rawPayload, png)).toBe(0);
    const exe = await w.officer.http.post(`/api/concerns/${c.id}/files`, {
      name: 'a.exe',
      mime: 'application/x-msdownload',
      data: 'AAAA',
    });
    expect(exe.statusCode).toBe(400);
    // A page or a program declared as a picture is refused by its first bytes, and an evidence file
    // is not kept in browser or proxy caches.
    for (const [name, bytes] of [
      ['x.png', Buffer.from('<html><script>alert(1)</script></html>')],
      ['y.png', Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1')],
    ] as const) {
      const lying = await w.officer.http.post(`/api/concerns/${c.id}/files`, {
        name,
        mime: 'image/png',
        data: bytes.toString('base64'),
      });
      expect(lying.statusCode, name).toBe(400);
      expect(lying.json().field).toBe('data');
    }
    expect(dl.headers['cache-control']).toBe('no-store');

    c = (
      await w.officer.http.patch(`/api/concerns/${c.id}`, {
        version: up.json().version,
        status: 'resolved',
        resolution: '已更换全部电线',
      })
    ).json();
    expect(c.status).toBe('resolved');

    // The bureau sends it back with a reason, it is fixed again, then verified.
    const noReason = await w.supervisor.http.post(`/api/concerns/${c.id}/verify`, { approve: false });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().field).toBe('comment');
    const reopened = await w.supervisor.http.post(`/api/concerns/${c.id}/verify`, {
      approve: false,
      comment: '照片看不清，请补充',
    });
    expect(reopened.json()).toMatchObject({ status: 'open', reopenedCount: 1 });
    const sup = await w.supervisor.http.post(`/api/concerns/${c.id}/comments`, { body: '请本周内完成' });
    expect(sup.json().entries.at(-1)).toMatchObject({ kind: 'supervision', body: '请本周内完成' });
    c = (
      await w.officer.http.patch(`/api/concerns/${c.id}`, {
        version: sup.json().version,
        status: 'resolved',
        resolution: '已补充照片',
      })
    ).json();
    const verified = await w.supervisor.http.post(`/api/concerns/${c.id}/verify`, { approve: true });
    expect(verified.json().status).toBe('verified');
    expect((await w.supervisor.http.post(`/api/concerns/${c.id}/verify`, { approve: true })).statusCode).toBe(
      409,
    );
    const kinds = verified.json().entries.map((e: any) => e.kind);
    expect(kinds).toEqual([
      'created',
      'status',
      'file',
      'status',
      'reopened',
      'supervision',
      'status',
      'verified',
    ]);
    // The person's timeline shows the concern's path.
    const tl = await env.ctx.db.query<{ kind: string }>(
      sql(`select kind from person_events where person_id = $1 and kind like 'concern.%' order by id`),
      [w.person.id],
    );
    expect(tl.map((t) => t.kind)).toEqual([
      'concern.opened',
      'concern.resolved',
      'concern.reopened',
      'concern.resolved',
      'concern.verified',
    ]);
  });

  it('the town marks a failed checklist answer as a problem, once; a fine answer cannot be marked', async () => {
    const w = await world();
    const visit = await record(env, w.visitor, w.person.id, {
      answers: (a) => {
        a.D = { ...a.D, house: { value: 'hazard', note: '北墙有裂缝' } };
      },
    });
    const mark = () =>
      w.officer.http.post('/api/concerns', { visitId: visit.id, item: 'D.house', category: 'safety' });
    const res = await mark();
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      source: 'checklist',
      description: '房屋安全：北墙有裂缝',
      person: { id: w.person.id },
    });
    expect((await mark()).statusCode).toBe(409);
    const fine = await w.officer.http.post('/api/concerns', {
      visitId: visit.id,
      item: 'D.waterHeating',
      category: 'safety',
    });
    expect(fine.statusCode).toBe(400);
    expect(fine.json().field).toBe('item');
    // A visitor cannot turn answers into problems; an officer of another town cannot see them.
    expect(
      (await w.visitor.http.post('/api/concerns', { visitId: visit.id, item: 'D.house', category: 'safety' }))
        .statusCode,
    ).toBe(403);
    const other = await buildTown(env);
    const stranger = await actorClient(env, 'town_officer', other.town.id);
    expect((await stranger.http.get(`/api/concerns/${res.json().id}`)).statusCode).toBe(404);
    expect(
      (await stranger.http.get('/api/concerns')).json().items.some((c: any) => c.id === res.json().id),
    ).toBe(false);
  });
});
