import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildPerson, buildTown } from '../../../../test/factories.js';
import { CHECKLIST_V1, fineAnswers } from '../../../shared/checklist.js';
import { sql } from '../../db/sql.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

async function addTask(
  personId: number,
  o: { townId: number; villageId: number; visitorId: number; status?: string },
) {
  const now = new Date();
  const rows = await env.ctx.db.query<{ id: number }>(
    sql(`insert into visit_tasks (person_id, kind, period, tier, window_start, window_end, due_date, visitor_id, town_id,
        village_id, status)
     values ($1, 'regular', $2, 'general', $3, $4, $5, $6, $7, $8, $9) returning id`),
    [
      personId,
      `t${randomUUID().slice(0, 8)}`,
      new Date(now.getTime() - 86400000),
      new Date(now.getTime() + 5 * 86400000),
      new Date(now.getTime() + 4 * 86400000).toISOString().slice(0, 10),
      o.visitorId,
      o.townId,
      o.villageId,
      o.status ?? 'open',
    ],
  );
  return Number(rows[0].id);
}

describe('GET /api/visitor/bundle', () => {
  it("gives a visitor only their own persons' cards, open tasks, last findings and concerns; repeats answer 304", async () => {
    const { town, villages } = await buildTown(env);
    const [v1] = villages;
    const me = await actorClient(env, 'visitor', v1.id);
    const other = await actorClient(env, 'visitor', v1.id);
    const mine = await buildPerson(env, {
      townId: town.id,
      villageId: v1.id,
      visitorId: me.id,
      name: '本人对象甲',
    });
    const phone = '13800138000';
    await env.ctx.db.query(sql('update persons set phone_enc = $2, current_address = $3 where id = $1'), [
      mine.id,
      env.ctx.fields.encrypt(phone),
      '罕台镇测试村 3 组 12 号',
    ]);
    const ended = await buildPerson(env, {
      townId: town.id,
      villageId: v1.id,
      visitorId: me.id,
      name: '已终止对象',
    });
    await env.ctx.db.query(sql(`update persons set status = 'ended', end_reason = 'death' where id = $1`), [
      ended.id,
    ]);
    const theirs = await buildPerson(env, {
      townId: town.id,
      villageId: v1.id,
      visitorId: other.id,
      name: '他人对象',
    });
    const task = await addTask(mine.id, { townId: town.id, villageId: v1.id, visitorId: me.id });
    await addTask(theirs.id, { townId: town.id, villageId: v1.id, visitorId: other.id });

    const answers = fineAnswers(CHECKLIST_V1);
    answers.D!.house = { value: 'hazard', note: '屋顶漏雨' };
    const [visit] = await env.ctx.db.query<{ id: number }>(
      sql(`insert into visits (client_id, person_id, visitor_id, town_id, village_id, at, method, outcome, qualifying,
          checklist_version, answers, recorded_by, recorded_at)
       values ($1, $2, $3, $4, $5, $6, 'in_person', 'reached', true, 1, $7, $3, $6) returning id`),
      [
        randomUUID(),
        mine.id,
        me.id,
        town.id,
        v1.id,
        new Date(Date.now() - 10 * 86400000),
        JSON.stringify(answers),
      ],
    );
    await env.ctx.db.query(
      sql(`insert into concerns (person_id, town_id, village_id, category, description, source, visit_id, handling,
          deadline, created_at, updated_at)
       values ($1, $2, $3, 'housing', '屋顶需要修缮', 'visit', $4, 'time_limited', '2030-01-01', now(), now())`),
      [mine.id, town.id, v1.id, visit.id],
    );

    const res = await me.http.get('/api/visitor/bundle');
    expect(res.statusCode).toBe(200);
    const b = res.json();
    expect(b.persons.map((p: any) => p.name)).toEqual(['本人对象甲']);
    const p = b.persons[0];
    expect(p.phone).toBe(phone);
    expect(p.address).toBe('罕台镇测试村 3 组 12 号');
    expect(p.lastVisit.findings).toEqual([{ label: '安全情况·房屋安全', answer: '有隐患（屋顶漏雨）' }]);
    expect(p.openConcerns).toMatchObject([{ category: '住房修缮', description: '屋顶需要修缮' }]);
    expect(p.seasons.heating).toEqual({ from: '10-15', to: '04-15' });
    expect(b.tasks.map((t: any) => t.id)).toEqual([task]);
    expect(b.recentVisits).toMatchObject([
      { personId: mine.id, personName: '本人对象甲', method: 'in_person' },
    ]);

    const again = await me.http.get('/api/visitor/bundle');
    expect(again.json().etag).toBe(b.etag);
    // Phones and addresses stay out of browser and proxy caches: the app keeps its own copy and
    // sends its tag itself.
    expect(again.headers['cache-control']).toBe('no-store');
    const cached = await env.app.inject({
      method: 'GET',
      url: '/api/visitor/bundle',
      headers: { authorization: `Bearer ${me.token}`, 'if-none-match': b.etag },
    });
    expect(cached.statusCode).toBe(304);
    expect(cached.body).toBe('');

    // A change (a new task) gives a new tag, so the phone downloads again.
    await addTask(mine.id, { townId: town.id, villageId: v1.id, visitorId: me.id });
    const changed = await env.app.inject({
      method: 'GET',
      url: '/api/visitor/bundle',
      headers: { authorization: `Bearer ${me.token}`, 'if-none-match': b.etag },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().tasks).toHaveLength(2);

    const audit = await env.ctx.db.query<{ n: number }>(
      sql(`select count(*)::int as n from audit_log where actor_id = $1 and action = 'visitor.bundle'`),
      [me.id],
    );
    expect(audit[0].n).toBe(3);
  });

  it('a backup visitor gets the person too; a department liaison is refused; no login is 401', async () => {
    const { town, villages } = await buildTown(env);
    const main = await actorClient(env, 'visitor', villages[0].id);
    const backup = await actorClient(env, 'visitor', villages[0].id);
    const person = await buildPerson(env, { townId: town.id, villageId: villages[0].id, visitorId: main.id });
    await env.ctx.db.query(
      sql(
        `insert into person_assignments (person_id, visitor_id, kind, from_at) values ($1, $2, 'backup', now())`,
      ),
      [person.id, backup.id],
    );
    const b = (await backup.http.get('/api/visitor/bundle')).json();
    expect(b.persons).toMatchObject([{ id: person.id, backup: true }]);

    const liaison = await actorClient(env, 'department_liaison', env.districtId, { department: 'health' });
    expect((await liaison.http.get('/api/visitor/bundle')).statusCode).toBe(403);
    expect((await env.app.inject({ method: 'GET', url: '/api/visitor/bundle' })).statusCode).toBe(401);
  });
});
