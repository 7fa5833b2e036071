import { beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { actorClient, buildTown, buildUser, client, login } from '../../../../test/factories.js';

/** Issue 25: a reset password must be changed at the next login; no one locks themselves out. */
let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

describe('a password reset by an administrator', () => {
  it('must be changed before anything else, and only then does the account work again', async () => {
    const { town } = await buildTown(env, 1);
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const officer = await buildUser(env, 'town_officer', town.id);
    const reset = await admin.http.post(`/api/users/${officer.id}/password`, {});
    expect(reset.statusCode).toBe(200);
    const temp = reset.json().password as string;

    const s = await login(env, officer.username, temp);
    const as = client(env, s.token);
    // Everything but who am I, the own password change and logout answers 403 with a code the console reads.
    const blocked = await as.get('/api/persons');
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await as.get('/api/oversight/metrics')).json().code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await as.get('/api/me')).statusCode).toBe(200);

    const change = await as.post('/api/me/password', { currentPassword: temp, newPassword: 'Fresh#2026pw' });
    expect(change.statusCode).toBe(204);
    expect((await as.get('/api/persons')).statusCode).toBe(200);
    const again = client(env, (await login(env, officer.username, 'Fresh#2026pw')).token);
    expect((await again.get('/api/persons')).statusCode).toBe(200);
  });

  it('refuses to reset one’s own password or take away one’s own right to manage users', async () => {
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const own = await admin.http.post(`/api/users/${admin.id}/password`, {});
    expect(own.statusCode).toBe(400);
    expect(own.json().message).toContain('自己');
    const me = (await admin.http.get(`/api/users/${admin.id}`)).json();
    const demote = await admin.http.patch(`/api/users/${admin.id}`, {
      version: me.version,
      grants: [{ role: 'bureau_supervisor', areaId: env.districtId }],
    });
    expect(demote.statusCode).toBe(400);
    expect(demote.json().message).toContain('自己');
    const off = await admin.http.patch(`/api/users/${admin.id}`, { version: me.version, disabled: true });
    expect(off.statusCode).toBe(400);
    // The account still works.
    expect((await admin.http.get('/api/users?limit=1')).statusCode).toBe(200);
  });
});
