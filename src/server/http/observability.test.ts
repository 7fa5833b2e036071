import { spawnSync } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from '../../../test/context.js';
import { actorClient, buildTown } from '../../../test/factories.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});
afterEach(() => {
  delete process.env.TANFANG_METRICS_TOKEN;
});

describe('health probes', () => {
  it('live answers without the database; ready checks database, migrations and shutdown', async () => {
    const live = await env.app.inject({ method: 'GET', url: '/api/health?probe=live' });
    expect(live.json()).toMatchObject({ status: 'ok', probe: 'live' });
    const ready = await env.app.inject({ method: 'GET', url: '/api/health?probe=ready' });
    expect(ready.json()).toMatchObject({ status: 'ok', probe: 'ready' });
    env.app.draining.value = true;
    try {
      const draining = await env.app.inject({ method: 'GET', url: '/api/health?probe=ready' });
      expect(draining.statusCode).toBe(503);
      expect(draining.json().message).toContain('停机');
      expect((await env.app.inject({ method: 'GET', url: '/api/health?probe=live' })).statusCode).toBe(200);
    } finally {
      env.app.draining.value = false;
    }
    expect((await env.app.inject({ method: 'GET', url: '/api/health?probe=dead' })).statusCode).toBe(400);
  });
});

describe('security headers', () => {
  it('JSON answers carry the API set, public, refused and error ones alike', async () => {
    for (const url of ['/api/health', '/api/me', '/api/no-such-route']) {
      const res = await env.app.inject({ method: 'GET', url });
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(res.headers['cache-control']).toBe('no-store');
      // The document policies are for pages: none of them on a JSON answer.
      expect(res.headers['x-dns-prefetch-control']).toBeUndefined();
      expect(res.headers['origin-agent-cluster']).toBeUndefined();
    }
  });

  it('pages (the API docs, /metrics) carry the page set with the console CSP', async () => {
    for (const url of ['/api/docs', '/metrics']) {
      const res = await env.app.inject({ method: 'GET', url });
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("img-src 'self' data: blob:");
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
      expect(res.headers['cross-origin-embedder-policy']).toBeUndefined();
      expect(res.headers['cache-control']).toBeUndefined();
    }
  });

  it('the phone bundle stays out of caches but carries its ETag (the app revalidates itself); a HEAD request needs a login too', async () => {
    const { villages } = await buildTown(env);
    const visitor = await actorClient(env, 'visitor', villages[0].id);
    const bundle = await env.app.inject({
      method: 'GET',
      url: '/api/visitor/bundle',
      headers: { authorization: `Bearer ${visitor.token}` },
    });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers['cache-control']).toBe('no-store');
    expect(bundle.headers.etag).toBeTruthy();
    const head = await env.app.inject({ method: 'HEAD', url: '/api/visitor/bundle' });
    expect(head.statusCode).toBe(401);
    expect(head.headers['cache-control']).toBe('no-store');
  });
});

describe('request ids', () => {
  it('returns a request id on every answer, keeping a sane one the caller sent', async () => {
    const a = await env.app.inject({ method: 'GET', url: '/api/health' });
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const b = await env.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { 'x-request-id': 'proxy-123456' },
    });
    expect(b.statusCode).toBe(401);
    expect(b.headers['x-request-id']).toBe('proxy-123456');
    const c = await env.app.inject({
      method: 'GET',
      url: '/api/health',
      headers: { 'x-request-id': 'bad id\n' },
    });
    // A fresh id instead (a UUID: hex may spell "bad" by chance, so the test checks the shape).
    expect(c.headers['x-request-id']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });
});

describe('metrics', () => {
  it('are closed without the token or an admin session', async () => {
    expect((await env.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const { town } = await buildTown(env, 0);
    const officer = await actorClient(env, 'town_officer', town.id);
    expect((await officer.http.get('/metrics')).statusCode).toBe(403);
    process.env.TANFANG_METRICS_TOKEN = 'metrics-secret-1234567890';
    const wrong = await env.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(401);
  });

  it('count requests by route and status with a latency histogram, for the token or an admin', async () => {
    process.env.TANFANG_METRICS_TOKEN = 'metrics-secret-1234567890';
    await env.app.inject({ method: 'GET', url: '/api/health?probe=live' });
    await env.app.inject({ method: 'GET', url: '/api/users/1' });
    const res = await env.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer metrics-secret-1234567890' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    expect(text).toMatch(
      /tanfang_http_requests_total\{method="GET",route="\/api\/health",status="200"\} \d+/,
    );
    expect(text).toMatch(
      /tanfang_http_requests_total\{method="GET",route="\/api\/users\/:id",status="401"\} \d+/,
    );
    expect(text).toMatch(
      /tanfang_http_request_duration_seconds_bucket\{method="GET",route="\/api\/health",status="200",le="\+Inf"\} \d+/,
    );
    expect(text).toContain('# TYPE tanfang_job_last_run_failed gauge');
    if (env.ctx.db.kind === 'postgresql')
      expect(text).toMatch(/tanfang_db_pool_connections\{state="total"\} \d+/);
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    expect((await admin.http.get('/metrics')).statusCode).toBe(200);
  });
});

describe('metrics for Prometheus', () => {
  it('pass `promtool check metrics` (format and lint: HELP on every metric, names, units) and name jobs with job_name', async () => {
    process.env.TANFANG_METRICS_TOKEN = 'metrics-secret-1234567890';
    // A job that has run, so its series are in the answer.
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    expect((await admin.http.post('/api/jobs/notifications.deliver/run')).statusCode).toBe(200);
    await env.app.inject({ method: 'GET', url: '/api/health?probe=live' });
    const res = await env.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer metrics-secret-1234567890' },
    });
    expect(res.statusCode).toBe(200);
    const text = res.body;
    expect(text).toMatch(/tanfang_job_last_run_failed\{job_name="notifications\.deliver"\} 0/);
    expect(text).not.toMatch(/[{,]job="/);
    // Every metric family has its HELP and TYPE.
    const families = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    for (const f of families) expect(text, f).toContain(`# HELP ${f} `);
    // Prometheus' own checker (Debian package prometheus): exit 0 and nothing to report.
    const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(run.error, 'promtool not found: apt-get install -y prometheus').toBeUndefined();
    expect(`${run.stdout}${run.stderr}`.trim()).toBe('');
    expect(run.status).toBe(0);
  });
});

describe('NUL characters', () => {
  it('are refused with a 400 naming the field instead of reaching the database', async () => {
    const { town } = await buildTown(env, 0);
    const officer = await actorClient(env, 'town_officer', town.id);
    const res = await officer.http.post('/api/areas', { parentId: town.id, name: 'a\u0000b' });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('body.name');
    const q = await officer.http.get('/api/users?q=%00');
    expect(q.statusCode).toBe(400);
    expect(q.json().field).toBe('querystring.q');
  });

  it('name the field deep in a body, in an array, or in a key; ids past 32 bits are refused the same way', async () => {
    const { town } = await buildTown(env, 0);
    const visitor = await actorClient(env, 'visitor', town.id);
    const deep = await visitor.http.post('/api/visits', {
      answers: { A: { health: { value: 'good', note: 'x' } }, B: [{ note: 'ok' }, { note: 'y\u0000' }] },
    });
    expect(deep.statusCode).toBe(400);
    expect(deep.json()).toMatchObject({ field: 'body.answers.B.1.note' });
    expect(deep.json().message).toContain('字段 answers.B.1.note');
    const key = await visitor.http.post('/api/visits', { answers: { A: { 'he\u0000alth': 1 } } });
    expect(key.json()).toMatchObject({ field: 'body.answers.A.health' });
    expect(key.json().message).toContain('字段 health：');
    const huge = await visitor.http.post('/api/visits', { personId: 1, extra: { visitorId: '99999999999' } });
    expect(huge.statusCode).toBe(400);
    expect(huge.json()).toMatchObject({ field: 'body.extra.visitorId' });
    expect(huge.json().message).toBe('字段 visitorId：编号超出范围');
    const fine = await visitor.http.post('/api/visits', { personId: 2147483647 });
    expect(fine.json().message ?? '').not.toContain('编号超出范围');
  });
});
