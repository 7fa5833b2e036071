import { beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import {
  actorClient,
  buildTown,
  buildUser,
  client,
  login,
  TEST_PASSWORD,
} from '../../../../test/factories.js';
import { sql } from '../../db/sql.js';
import { totpCode, verifyTotp } from '../auth/totp.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

const loginRaw = (username: string, password = TEST_PASSWORD) =>
  env.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });

describe('TOTP (RFC 6238)', () => {
  it('matches the RFC 6238 SHA-1 test vectors', () => {
    // Secret "12345678901234567890" in Base32; the RFC lists 8-digit codes, we use their last 6.
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    expect(totpCode(secret, new Date(59 * 1000))).toBe('287082');
    expect(totpCode(secret, new Date(1111111109 * 1000))).toBe('081804');
    expect(totpCode(secret, new Date(2000000000 * 1000))).toBe('279037');
    expect(verifyTotp(secret, '287082', new Date(59 * 1000), 1)).toBeNull(); // step 1 already used
  });

  it('any user can enrol; from then on login asks for the code, once per code', async () => {
    const { town } = await buildTown(env, 0);
    const u = await actorClient(env, 'visitor', town.id);
    const bad = await u.http.post('/api/me/totp/setup', { password: 'wrong' });
    expect(bad.statusCode).toBe(400);
    const setup = (await u.http.post('/api/me/totp/setup', { password: TEST_PASSWORD })).json();
    expect(setup.otpauthUri).toContain(`secret=${setup.secret}`);
    expect((await u.http.post('/api/me/totp/confirm', { code: '000000' })).json().field).toBe('code');
    const now = env.ctx.clock.now();
    expect(
      (await u.http.post('/api/me/totp/confirm', { code: totpCode(setup.secret, now) })).statusCode,
    ).toBe(204);
    expect((await u.http.get('/api/me/security')).json().totpEnabled).toBe(true);
    // The secret is stored encrypted, like ID numbers.
    const [row] = await env.ctx.db.query(sql('select totp_secret_enc from users where id = $1'), [u.id]);
    expect(row.totp_secret_enc).toMatch(/^v1\./);
    expect(row.totp_secret_enc).not.toContain(setup.secret);

    const step1 = (await loginRaw(u.username)).json();
    expect(step1).toMatchObject({ totpRequired: true });
    expect(step1.token).toBeUndefined();
    // The code just used for enrolment cannot be replayed.
    const replay = await env.app.inject({
      method: 'POST',
      url: '/api/auth/totp',
      payload: { challenge: step1.challenge, code: totpCode(setup.secret, now) },
    });
    expect(replay.statusCode).toBe(401);
    env.ctx.clock.advance(30000);
    try {
      const ok = await env.app.inject({
        method: 'POST',
        url: '/api/auth/totp',
        payload: { challenge: step1.challenge, code: totpCode(setup.secret, env.ctx.clock.now()) },
      });
      expect(ok.statusCode, ok.body).toBe(200);
      expect((await client(env, ok.json().token).get('/api/me')).statusCode).toBe(200);
      // A challenge is good for one login only.
      const again = await env.app.inject({
        method: 'POST',
        url: '/api/auth/totp',
        payload: { challenge: step1.challenge, code: totpCode(setup.secret, env.ctx.clock.now()) },
      });
      expect(again.json().code).toBe('CHALLENGE_EXPIRED');
    } finally {
      env.ctx.clock.advance(-30000);
    }
  });

  it('gives up a challenge after 5 wrong codes', async () => {
    const { town } = await buildTown(env, 0);
    const u = await actorClient(env, 'town_officer', town.id);
    const setup = (await u.http.post('/api/me/totp/setup', { password: TEST_PASSWORD })).json();
    await u.http.post('/api/me/totp/confirm', { code: totpCode(setup.secret, env.ctx.clock.now()) });
    const { challenge } = (await loginRaw(u.username)).json();
    for (let i = 0; i < 5; i++) {
      const r = await env.app.inject({
        method: 'POST',
        url: '/api/auth/totp',
        payload: { challenge, code: '123456' },
      });
      expect(r.json().code).toBe('BAD_TOTP');
    }
    env.ctx.clock.advance(60000);
    try {
      const r = await env.app.inject({
        method: 'POST',
        url: '/api/auth/totp',
        payload: { challenge, code: totpCode(setup.secret, env.ctx.clock.now()) },
      });
      expect(r.json().code).toBe('CHALLENGE_EXPIRED');
    } finally {
      env.ctx.clock.advance(-60000);
    }
  });

  it('when the setting is on, a bureau admin must enrol at login and cannot switch it off', async () => {
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const other = await buildUser(env, 'bureau_admin', env.districtId);
    expect((await admin.http.put('/api/security/settings', { requireTotpAdmin: true })).json()).toEqual({
      requireTotpAdmin: true,
    });
    try {
      const step = (await loginRaw(other.username)).json();
      expect(step.totpRequired).toBe(true);
      expect(step.enrol.otpauthUri).toContain('otpauth://totp/');
      const ok = await env.app.inject({
        method: 'POST',
        url: '/api/auth/totp',
        payload: { challenge: step.challenge, code: totpCode(step.enrol.secret, env.ctx.clock.now()) },
      });
      expect(ok.statusCode, ok.body).toBe(200);
      const http = client(env, ok.json().token);
      expect((await http.get('/api/me/security')).json()).toMatchObject({
        totpEnabled: true,
        totpRequired: true,
      });
      const off = await http.post('/api/me/totp/disable', {
        password: TEST_PASSWORD,
        code: totpCode(step.enrol.secret, env.ctx.clock.now()),
      });
      expect(off.statusCode).toBe(403);
      // Town officers are not affected by the admin rule.
      const { town } = await buildTown(env, 0);
      const officer = await buildUser(env, 'town_officer', town.id);
      expect((await loginRaw(officer.username)).json().token).toBeTruthy();
    } finally {
      await admin.http.put('/api/security/settings', { requireTotpAdmin: false });
    }
    const { town } = await buildTown(env, 0);
    const officer = await actorClient(env, 'town_officer', town.id);
    expect((await officer.http.put('/api/security/settings', { requireTotpAdmin: false })).statusCode).toBe(
      403,
    );
  });
});

describe('password history', () => {
  it('refuses any of the last 5 passwords, accepts the 6th oldest', async () => {
    const { town } = await buildTown(env, 0);
    const u = await actorClient(env, 'visitor', town.id);
    const pw = (i: number) => `Hist@${i}pass`;
    let current = TEST_PASSWORD;
    for (let i = 1; i <= 5; i++) {
      const r = await u.http.post('/api/me/password', { currentPassword: current, newPassword: pw(i) });
      expect(r.statusCode, r.body).toBe(204);
      current = pw(i);
    }
    // Now the last five are pw1..pw5 (TEST_PASSWORD is sixth back).
    for (const old of [pw(5), pw(3), pw(1)]) {
      const r = await u.http.post('/api/me/password', { currentPassword: current, newPassword: old });
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ field: 'newPassword' });
      expect(r.json().message).toContain('最近 5 次');
    }
    expect(
      (await u.http.post('/api/me/password', { currentPassword: current, newPassword: TEST_PASSWORD }))
        .statusCode,
    ).toBe(204);
  });

  it('applies to a password an administrator sets, too', async () => {
    const { town } = await buildTown(env, 0);
    const officer = await actorClient(env, 'town_officer', town.id);
    const v = await buildUser(env, 'visitor', town.id);
    const r = await officer.http.post(`/api/users/${v.id}/password`, { password: TEST_PASSWORD });
    expect(r.statusCode).toBe(400);
    expect(r.json().field).toBe('password');
  });
});

describe('checks of the password and codes of a logged-in user', () => {
  it("changing one's password ends the other sessions, not this one", async () => {
    const { town } = await buildTown(env, 0);
    const u = await buildUser(env, 'visitor', town.id);
    const phone = await login(env, u.username);
    const office = await login(env, u.username);
    const r = await client(env, office.token).post('/api/me/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: 'Changed@2026pw',
    });
    expect(r.statusCode).toBe(204);
    expect((await client(env, phone.token).get('/api/me')).statusCode).toBe(401);
    expect((await client(env, office.token).get('/api/me')).statusCode).toBe(200);
  });

  it('throttles wrong current passwords and wrong codes: 429 after 5, even for the right one', async () => {
    const { town } = await buildTown(env, 0);
    const u = await actorClient(env, 'visitor', town.id);
    for (let i = 0; i < 5; i++) {
      const r = await u.http.post('/api/me/password', {
        currentPassword: `Guess@${i}pw`,
        newPassword: 'Next@2026pw',
      });
      expect(r.statusCode).toBe(400);
    }
    const sixth = await u.http.post('/api/me/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: 'Next@2026pw',
    });
    expect(sixth.statusCode).toBe(429);
    expect(sixth.headers['retry-after']).toBeDefined();
    // The same counter guards the second-factor routes that check a password or a code.
    expect((await u.http.post('/api/me/totp/setup', { password: TEST_PASSWORD })).statusCode).toBe(429);

    const v = await actorClient(env, 'visitor', town.id);
    expect((await v.http.post('/api/me/totp/setup', { password: TEST_PASSWORD })).statusCode).toBe(200);
    for (let i = 0; i < 5; i++)
      expect((await v.http.post('/api/me/totp/confirm', { code: '000000' })).statusCode).toBe(400);
    expect((await v.http.post('/api/me/totp/confirm', { code: '000000' })).statusCode).toBe(429);
  });
});

describe('sessions', () => {
  it('lists own active sessions and ends another one', async () => {
    const { town } = await buildTown(env, 0);
    const u = await buildUser(env, 'visitor', town.id);
    const a = await login(env, u.username);
    const b = await login(env, u.username);
    const list = (await client(env, a.token).get('/api/me/security')).json().sessions;
    expect(list).toHaveLength(2);
    expect(list.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    const otherKey = list.find((s: { current: boolean }) => !s.current).key;
    expect((await client(env, a.token).delete(`/api/me/sessions/${otherKey}`)).statusCode).toBe(204);
    expect((await client(env, b.token).get('/api/me')).statusCode).toBe(401);
    expect((await client(env, a.token).get('/api/me')).statusCode).toBe(200);
  });

  it('lets an officer end sessions of users in their town only', async () => {
    const { town } = await buildTown(env, 0);
    const { town: otherTown } = await buildTown(env, 0);
    const officer = await actorClient(env, 'town_officer', town.id);
    const v = await buildUser(env, 'visitor', town.id);
    const far = await buildUser(env, 'visitor', otherTown.id);
    const vs = await login(env, v.username);
    await login(env, far.username);
    const items = (await officer.http.get(`/api/users/${v.id}/sessions`)).json().items;
    expect(items).toHaveLength(1);
    expect((await officer.http.delete(`/api/users/${v.id}/sessions/${items[0].key}`)).statusCode).toBe(204);
    expect((await client(env, vs.token).get('/api/me')).statusCode).toBe(401);
    expect((await officer.http.get(`/api/users/${far.id}/sessions`)).statusCode).toBe(404);
    const visitor = await actorClient(env, 'visitor', town.id);
    expect((await visitor.http.get(`/api/users/${v.id}/sessions`)).statusCode).toBe(403);
  });

  it('applies the users rule: an officer cannot touch a bureau admin who holds a grant in the town', async () => {
    const { town, villages } = await buildTown(env, 1);
    const officer = await actorClient(env, 'town_officer', town.id);
    // The admin's reach is the district; one extra grant puts them "in" the officer's town.
    const admin = await buildUser(env, 'bureau_admin', env.districtId);
    await env.ctx.db.query(
      sql("insert into user_roles (user_id, role, area_id) values ($1, 'village_officer', $2)"),
      [admin.id, villages[0].id],
    );
    const adminSession = await login(env, admin.username);
    const adminHttp = client(env, adminSession.token);
    const setup = (await adminHttp.post('/api/me/totp/setup', { password: TEST_PASSWORD })).json();
    const code = totpCode(setup.secret, env.ctx.clock.now());
    expect((await adminHttp.post('/api/me/totp/confirm', { code })).statusCode).toBe(204);
    const key = (await adminHttp.get('/api/me/security')).json().sessions[0].key;

    // The user routes refuse the officer; the security routes must say the same.
    expect((await officer.http.post(`/api/users/${admin.id}/password`, {})).statusCode).toBe(403);
    expect((await officer.http.post(`/api/users/${admin.id}/totp/reset`)).statusCode).toBe(403);
    expect((await officer.http.get(`/api/users/${admin.id}/sessions`)).statusCode).toBe(403);
    expect((await officer.http.delete(`/api/users/${admin.id}/sessions/${key}`)).statusCode).toBe(403);
    // Nothing changed: the admin keeps the second factor and the session.
    expect((await adminHttp.get('/api/me/security')).json().totpEnabled).toBe(true);
    expect((await adminHttp.get('/api/me')).statusCode).toBe(200);
    expect((await loginRaw(admin.username)).json()).toMatchObject({ totpRequired: true });
    // A user wholly inside the officer's reach is still theirs to help.
    const v = await buildUser(env, 'visitor', town.id);
    expect((await officer.http.post(`/api/users/${v.id}/totp/reset`)).statusCode).toBe(204);
  });

  it('drops an idle session from the list and refuses it', async () => {
    const { town } = await buildTown(env, 0);
    const u = await buildUser(env, 'visitor', town.id);
    const idle = await login(env, u.username);
    const idleMs = (env.ctx.config.idleMinutes + 1) * 60000;
    env.ctx.clock.advance(idleMs);
    try {
      const fresh = await login(env, u.username);
      const list = (await client(env, fresh.token).get('/api/me/security')).json().sessions;
      expect(list).toHaveLength(1);
      expect((await client(env, idle.token).get('/api/me')).json().code).toBe('SESSION_IDLE');
    } finally {
      env.ctx.clock.advance(-idleMs);
    }
  });
});
