import { beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildTown, buildUser, login } from '../../../../test/factories.js';
import { sql } from '../../db/sql.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

describe('users and scope', () => {
  it('a bureau admin creates a visitor with a generated password that works', async () => {
    const { town, villages } = await buildTown(env);
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const username = `newvisitor${Date.now()}`;
    const res = await admin.http.post('/api/users', {
      username,
      displayName: '王探访',
      visitorType: 'volunteer',
      grants: [{ role: 'visitor', areaId: villages[0].id }],
    });
    expect(res.statusCode, res.body).toBe(201);
    const { user, password } = res.json();
    expect(user.grants).toEqual([
      { role: 'visitor', areaId: villages[0].id, areaName: '测试村1', department: null },
    ]);
    expect((await login(env, username, password)).user.roles).toEqual(['visitor']);
    expect(town.id).toBeGreaterThan(0);
  });

  it('a town officer sees and manages users of their town only, whatever id they guess', async () => {
    const a = await buildTown(env);
    const b = await buildTown(env);
    const officerA = await actorClient(env, 'town_officer', a.town.id);
    const visitorA = await buildUser(env, 'visitor', a.villages[0].id);
    const visitorB = await buildUser(env, 'visitor', b.villages[0].id);
    const officerB = await buildUser(env, 'town_officer', b.town.id);

    const list = (await officerA.http.get('/api/users?limit=200'))
      .json()
      .items.map((u: { id: number }) => u.id);
    expect(list).toContain(visitorA.id);
    expect(list).not.toContain(visitorB.id);
    expect(list).not.toContain(officerB.id);

    for (const id of [visitorB.id, officerB.id]) {
      expect((await officerA.http.get(`/api/users/${id}`)).statusCode).toBe(404);
      expect((await officerA.http.patch(`/api/users/${id}`, { version: 1, disabled: true })).statusCode).toBe(
        404,
      );
      expect((await officerA.http.post(`/api/users/${id}/password`, {})).statusCode).toBe(404);
    }
    const [{ disabled_at }] = await env.ctx.db.query(sql('select disabled_at from users where id = $1'), [
      visitorB.id,
    ]);
    expect(disabled_at).toBeNull();

    // Nor can they hand out roles in another town, or roles above their own.
    const intoB = await officerA.http.post('/api/users', {
      username: `sneaky${Date.now()}`,
      displayName: 'x',
      visitorType: 'cadre',
      grants: [{ role: 'visitor', areaId: b.villages[0].id }],
    });
    expect(intoB.statusCode).toBe(404);
    const admin = await officerA.http.post('/api/users', {
      username: `sneaky2${Date.now()}`,
      displayName: 'x',
      grants: [{ role: 'bureau_admin', areaId: a.town.id }],
    });
    expect(admin.statusCode).toBe(403);
  });

  it('a visitor and a department liaison cannot list or manage users', async () => {
    const { villages } = await buildTown(env);
    const visitor = await actorClient(env, 'visitor', villages[0].id);
    const liaison = await actorClient(env, 'department_liaison', env.districtId, { department: 'health' });
    for (const c of [visitor, liaison]) {
      expect((await c.http.get('/api/users')).statusCode).toBe(403);
      expect(
        (await c.http.post('/api/users', { username: 'abc', displayName: 'x', grants: [] })).statusCode,
      ).toBe(403);
    }
  });

  it('disabling a user ends their sessions; a stale version is a conflict', async () => {
    const { villages } = await buildTown(env);
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const v = await buildUser(env, 'visitor', villages[0].id);
    const session = await login(env, v.username);
    const first = await admin.http.patch(`/api/users/${v.id}`, { version: 1, disabled: true });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().disabled).toBe(true);
    const me = await env.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${session.token}` },
    });
    expect(me.statusCode).toBe(401);
    const stale = await admin.http.patch(`/api/users/${v.id}`, { version: 1, displayName: '新名字' });
    expect(stale.statusCode).toBe(409);
  });

  it('rejects weak passwords naming the field', async () => {
    const { villages } = await buildTown(env);
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const res = await admin.http.post('/api/users', {
      username: `weak${Date.now()}`,
      displayName: 'x',
      password: 'abc',
      visitorType: 'cadre',
      grants: [{ role: 'visitor', areaId: villages[0].id }],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('password');
  });

  it('binds roles to the right level of area', async () => {
    const { town } = await buildTown(env);
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const res = await admin.http.post('/api/users', {
      username: `lvl${Date.now()}`,
      displayName: 'x',
      grants: [{ role: 'village_officer', areaId: town.id }],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('grants.0.areaId');
  });
});
