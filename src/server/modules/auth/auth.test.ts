import { beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../../test/context.js';
import { buildTown, buildUser, client, login, TEST_PASSWORD } from '../../../../test/factories.js';
import { sql } from '../../db/sql.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

describe('login', () => {
  it('answers a token and the user with roles, and sets httpOnly session and CSRF cookies', async () => {
    const { town } = await buildTown(env);
    const u = await buildUser(env, 'town_officer', town.id);
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: u.username, password: TEST_PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.token).toMatch(/^[\w-]{40,}$/);
    expect(body.user).toMatchObject({ id: u.id, username: u.username, roles: ['town_officer'] });
    const session = res.cookies.find((c) => c.name === 'tf_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');
    expect(res.cookies.find((c) => c.name === 'tf_csrf')!.httpOnly).toBeFalsy();
  });

  it('rejects a wrong password and an unknown user with the same message', async () => {
    const { town } = await buildTown(env);
    const u = await buildUser(env, 'town_officer', town.id);
    const a = await env.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: u.username, password: 'nope' },
    });
    const b = await env.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'no-such-user', password: 'nope' },
    });
    expect(a.statusCode).toBe(401);
    expect(b.statusCode).toBe(401);
    expect(a.json().message).toBe(b.json().message);
  });

  it('locks the account for 15 minutes after 5 failures, even for the right password, answering as for an unknown name', async () => {
    const { town } = await buildTown(env);
    const u = await buildUser(env, 'visitor', town.id);
    const attempt = (password: string, username = u.username) =>
      env.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
    for (let i = 0; i < 4; i++) expect((await attempt('wrong')).statusCode).toBe(401);
    const fifth = await attempt('wrong');
    const unknown = await attempt('wrong', `nobody-${u.username}`);
    // The same status, code and words as an unknown name: a lock tells nobody the account exists.
    expect([fifth.statusCode, fifth.json().code]).toEqual([401, 'BAD_CREDENTIALS']);
    expect(fifth.json()).toEqual(unknown.json());
    expect(fifth.json().message).toContain('锁定');
    const right = await attempt(TEST_PASSWORD);
    expect(right.json()).toEqual(unknown.json());
    const [row] = await env.ctx.db.query<{ locked_until: Date | null }>(
      sql('select locked_until from users where id = $1'),
      [u.id],
    );
    expect(row.locked_until).not.toBeNull();
    env.ctx.clock.advance(15 * 60000 + 1000);
    try {
      expect((await attempt(TEST_PASSWORD)).statusCode).toBe(200);
    } finally {
      env.ctx.clock.advance(-(15 * 60000 + 1000));
    }
  });

  it('counts failures in the database as they come: 9 wrong in flight and then the right one do not log in', async () => {
    const { town } = await buildTown(env);
    const u = await buildUser(env, 'visitor', town.id);
    const attempt = (password: string) =>
      env.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: u.username, password } });
    // Nine wrong attempts in flight (their scrypt checks take a while); as soon as five of them are
    // counted, the right one comes. Before the count was taken in one statement, each attempt read 0
    // failures and wrote back 1, and the right one logged in.
    const wrongs = Promise.all(Array.from({ length: 9 }, () => attempt('Wrong@2026pw')));
    const counted = async () =>
      (
        await env.ctx.db.query<{ n: number }>(sql('select failed_logins as n from users where id = $1'), [
          u.id,
        ])
      )[0].n;
    for (let waited = 0; waited < 5000 && (await counted()) < 5; waited += 5) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const right = await attempt(TEST_PASSWORD);
    const answers = [...(await wrongs), right];
    expect(answers.map((a) => a.statusCode)).toEqual(Array(10).fill(401));
    const [row] = await env.ctx.db.query<{ failed_logins: number; locked_until: Date | null }>(
      sql('select failed_logins, locked_until from users where id = $1'),
      [u.id],
    );
    expect(row.locked_until).not.toBeNull();
    expect(row.failed_logins).toBeGreaterThanOrEqual(5);
  });

  it('throttles one address that fails across many user names (password spraying)', async () => {
    const { town } = await buildTown(env);
    const real = await buildUser(env, 'visitor', town.id);
    const from = (remoteAddress: string, username: string, password = 'Wrong@2026pw') =>
      env.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username, password },
        remoteAddress,
      });
    const addr = `10.27.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const saved = env.ctx.config.loginAddressFailures;
    env.ctx.config.loginAddressFailures = 6;
    try {
      for (let i = 0; i < 6; i++) {
        const name = i % 2 ? real.username : `spray${i}-${real.username}`;
        expect((await from(addr, name)).statusCode).toBe(401);
      }
      const blocked = await from(addr, real.username, TEST_PASSWORD);
      expect(blocked.statusCode).toBe(429);
      expect(blocked.headers['retry-after']).toBeDefined();
      expect(blocked.json().message).toMatch(/请 \d+ 秒后再试/);
      // Another address is not held back, and 3 failures did not lock the real user.
      expect((await from('10.28.0.1', real.username, TEST_PASSWORD)).statusCode).toBe(200);
    } finally {
      env.ctx.config.loginAddressFailures = saved;
    }
  });

  it('rate-limits repeated login attempts for one name from one address', async () => {
    const name = `ratelimit-${Date.now()}`;
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) {
      codes.push(
        (
          await env.app.inject({
            method: 'POST',
            url: '/api/auth/login',
            payload: { username: name, password: 'x' },
          })
        ).statusCode,
      );
    }
    expect(codes.slice(0, 10).every((c) => c === 401)).toBe(true);
    expect(codes.slice(10)).toEqual([429, 429]);
  });

  it('refuses a disabled user with the answer of a wrong password, right password or not', async () => {
    const { town } = await buildTown(env);
    const u = await buildUser(env, 'visitor', town.id);
    await env.ctx.db.query(sql('update users set disabled_at = now() where id = $1'), [u.id]);
    const attempt = (password: string) =>
      env.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: u.username, password } });
    const right = await attempt(TEST_PASSWORD);
    const wrong = await attempt('Wrong@2026pw');
    expect(right.statusCode).toBe(401);
    expect(right.json()).toEqual(wrong.json());
  });
});

describe('sessions', () => {
  it('accepts the bearer token on API routes and refuses a missing or forged one', async () => {
    const { town } = await buildTown(env);
    const u = await buildUser(env, 'town_officer', town.id);
    const s = await login(env, u.username);
    expect((await client(env, s.token).get('/api/me')).json()).toMatchObject({
      id: u.id,
      roles: ['town_officer'],
    });
    expect((await env.app.inject({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
    expect((await client(env, 'forged-token').get('/api/me')).statusCode).toBe(401);
  });

  it('accepts the cookie session, and requires the CSRF header for changes made with it', async () => {
    const { town } = await buildTown(env);
    const u = await buildUser(env, 'town_officer', town.id);
    const s = await login(env, u.username);
    const cookies = { tf_session: s.cookies.tf_session };
    expect((await env.app.inject({ method: 'GET', url: '/api/me', cookies })).statusCode).toBe(200);
    const payload = { parentId: town.id, name: `CSRF村${Date.now()}` };
    const without = await env.app.inject({ method: 'POST', url: '/api/areas', cookies, payload });
    expect(without.statusCode).toBe(403);
    expect(without.json().code).toBe('CSRF');
    const wrong = await env.app.inject({
      method: 'POST',
      url: '/api/areas',
      cookies,
      payload,
      headers: { 'x-csrf-token': 'guess' },
    });
    expect(wrong.statusCode).toBe(403);
    const ok = await env.app.inject({
      method: 'POST',
      url: '/api/areas',
      cookies,
      payload,
      headers: { 'x-csrf-token': s.csrf },
    });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('expires after the configured hours and after idle time', async () => {
    const { town } = await buildTown(env);
    const u = await buildUser(env, 'visitor', town.id);
    const http = client(env, (await login(env, u.username)).token);
    const hours = env.ctx.config.sessionHours;
    try {
      // Stay active every hour: idle never triggers, the absolute expiry does.
      for (let h = 1; h < hours; h++) {
        env.ctx.clock.advance(3600000);
        expect((await http.get('/api/me')).statusCode).toBe(200);
      }
      env.ctx.clock.advance(3600000);
      const res = await http.get('/api/me');
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('SESSION_EXPIRED');
    } finally {
      env.ctx.clock.advance(-hours * 3600000);
    }
    const idle = client(env, (await login(env, u.username)).token);
    try {
      env.ctx.clock.advance((env.ctx.config.idleMinutes + 1) * 60000);
      expect((await idle.get('/api/me')).json().code).toBe('SESSION_IDLE');
    } finally {
      env.ctx.clock.advance(-(env.ctx.config.idleMinutes + 1) * 60000);
    }
  });

  it('logout ends the session', async () => {
    const { town } = await buildTown(env);
    const u = await buildUser(env, 'visitor', town.id);
    const http = client(env, (await login(env, u.username)).token);
    expect((await http.post('/api/auth/logout')).statusCode).toBe(204);
    expect((await http.get('/api/me')).statusCode).toBe(401);
  });
});

describe('demo accounts', () => {
  it('finds an enabled demo account that still has the published password, and not once it is disabled', async () => {
    const { demoAccountsWithPublishedPassword } = await import('../../main.js');
    const { DEMO_PASSWORD } = await import('../../seed/demo.js');
    const { hashPassword } = await import('./password.js');
    const { town } = await buildTown(env);
    const u = await buildUser(env, 'department_liaison', town.id, {
      department: 'health',
      username: 'weijian',
    });
    await env.ctx.db.query(sql('update users set password_hash = $2 where id = $1'), [
      u.id,
      await hashPassword(DEMO_PASSWORD),
    ]);
    expect(await demoAccountsWithPublishedPassword(env.ctx)).toEqual(['weijian']);
    await env.ctx.db.query(sql('update users set disabled_at = now() where id = $1'), [u.id]);
    expect(await demoAccountsWithPublishedPassword(env.ctx)).toEqual([]);
  });
});
