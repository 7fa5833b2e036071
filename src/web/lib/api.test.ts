import { afterAll, describe, expect, it } from 'vitest';
import { HttpError, retryRead, retryReadDelay } from './api';

const err = (status: number, retryAfter?: number) =>
  new HttpError(status, { statusCode: status, code: 'X', message: 'x' }, retryAfter);

// The console's reads through a database failover (the server answers 503 + Retry-After for ~5-20 s).
describe('retrying reads', () => {
  it('keeps trying a 503 or a dropped connection for about half a minute, honouring Retry-After', () => {
    let waited = 0;
    let n = 0;
    while (retryRead(n, err(503))) waited += retryReadDelay(n++, err(503));
    expect(n).toBe(6);
    expect(waited).toBeGreaterThanOrEqual(30_000);
    expect(retryRead(0, new TypeError('Failed to fetch'))).toBe(true);
    expect(retryReadDelay(0, err(503, 5))).toBe(5000);
    expect(retryReadDelay(0, err(503, 3600))).toBe(30_000);
  });

  it('tries another 5xx once and never a 4xx, whose answer would not change', () => {
    expect(retryRead(0, err(500))).toBe(true);
    expect(retryRead(1, err(500))).toBe(false);
    for (const s of [400, 401, 403, 404, 409]) expect(retryRead(0, err(s))).toBe(false);
    expect(retryRead(0, new Error('bug'))).toBe(false);
  });
});

// The console's calls are built from the contract: the full endpoint (pages) or its OperationOf (the
// first chunk, which loads no zod) give the same request.
describe('contract calls', () => {
  // The test files share one process (isolate: false): the real fetch goes back when this file is done,
  // or every later test's fetch gets these fakes (the multi-process test once read its servers' health
  // as this file's last 204).
  const realFetch = globalThis.fetch;
  const hadDocument = 'document' in globalThis;
  afterAll(() => {
    globalThis.fetch = realFetch;
    if (!hadDocument) delete (globalThis as { document?: unknown }).document;
  });
  const requests: { url: string; method: string; body?: string; headers: Record<string, string> }[] = [];
  const fetchOnce = (status: number, body: unknown) => {
    globalThis.fetch = (async (url: string, init: RequestInit) => {
      requests.push({
        url,
        method: String(init.method),
        body: init.body as string | undefined,
        headers: init.headers as Record<string, string>,
      });
      return new Response(status === 204 ? null : JSON.stringify(body), { status });
    }) as typeof fetch;
  };
  (globalThis as { document?: unknown }).document ??= { cookie: 'tf_csrf=t0k%3D' };

  it('sends the login from its OperationOf as the full endpoint would, and reads the answer', async () => {
    const auth = await import('../../shared/api/auth');
    const { LOGIN, GET_ME } = await import('./auth-ops');
    const { call } = await import('./api');
    fetchOnce(200, { totpRequired: true, challenge: 'c'.repeat(20), expiresAt: 'x' });
    const res = await call<typeof auth.login>(LOGIN, { body: { username: 'a', password: 'b' } });
    expect('totpRequired' in res && res.challenge).toBe('c'.repeat(20));
    fetchOnce(200, {});
    await call(auth.login, { body: { username: 'a', password: 'b' } });
    const [light, full] = requests.splice(0);
    expect(light).toEqual(full);
    expect(light).toMatchObject({
      url: '/api/auth/login',
      method: 'POST',
      body: '{"username":"a","password":"b"}',
    });
    expect(light.headers['x-csrf-token']).toBe('t0k=');
    fetchOnce(200, {});
    await call<typeof auth.getMe>(GET_ME);
    expect(requests.splice(0)[0]).toMatchObject({ url: '/api/me', method: 'GET' });
  });

  it('fills path parameters and drops empty query values', async () => {
    const { call } = await import('./api');
    const users = await import('../../shared/api/users');
    const notifications = await import('../../shared/api/notifications');
    fetchOnce(200, { items: [], nextCursor: null });
    await call(users.listUsers, { query: { limit: 200, q: '' } });
    fetchOnce(200, { unread: 0 });
    await call(notifications.markRead, { params: { id: 7 } });
    fetchOnce(204, null);
    await call(notifications.retryOutbox, { params: { id: 9 } });
    expect(requests.splice(0).map((r) => `${r.method} ${r.url} ${r.body ?? '-'}`)).toEqual([
      'GET /api/users?limit=200 -',
      'POST /api/inbox/7/read -',
      'POST /api/notifications/outbox/9/retry -',
    ]);
  });
});
