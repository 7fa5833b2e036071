import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/server/db/sql.js';
import { type TestEnv, testEnv } from '../context.js';
import { actorClient, buildPerson, buildTown } from '../factories.js';
import { isolatedEnv } from '../isolated-db.js';

/**
 * Every route of the OpenAPI document (read at run time, so routes added later are covered) gets
 * generated bad input: wrong types, huge and odd unicode strings, negative and enormous numbers,
 * missing and extra fields, broken JSON. It runs on a database of its own, as a bureau admin (the
 * widest reach, so validation and rules are reached, not just a 403). The promise: no 5xx, and a
 * request answered 4xx changed no row anywhere.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Schema {
  pattern?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: Json[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  format?: string;
  minimum?: number;
  default?: Json;
}
interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
}

const HUGE = 'x'.repeat(100_000);
const ODD = '😀\u202e测试\u0301\uFEFF<script>alert(1)</script>\'"; drop table users;--';
const BAD_VALUES: Json[] = [
  null,
  -1,
  0,
  1e308,
  -1e16,
  2147483648,
  1.5,
  HUGE,
  ODD,
  '',
  [],
  [1, 'a', null],
  {},
  { $gt: '' },
  true,
  '2026-02-30',
  '../../etc/passwd',
];
const BAD_PATH = ['0', '-1', '2147483648', '99999999999999999999999', 'abc', '%F0%9F%98%80', 'x'.repeat(300)];
const BAD_QUERY = [
  '',
  '-1',
  '1e309',
  'x'.repeat(3000),
  '%F0%9F%98%80%E2%80%AE',
  '[]',
  'true',
  '2026-13-45',
  '0',
];

/** A value of roughly the right shape: the base that one bad field is swapped into. */
function plausible(s: Schema | undefined, depth = 0): Json {
  if (!s || depth > 4) return 'x';
  if (s.enum?.length) return s.enum[0];
  if (s.default !== undefined) return s.default;
  const alt = s.anyOf ?? s.oneOf;
  if (alt?.length) return plausible(alt.find((a) => a.type !== 'null') ?? alt[0], depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'integer':
    case 'number':
      return s.minimum !== undefined && s.minimum > 0 ? s.minimum : 1;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object': {
      const o: Record<string, Json> = {};
      for (const [k, v] of Object.entries(s.properties ?? {})) o[k] = plausible(v, depth + 1);
      return o;
    }
    default:
      return s.format === 'date' || isDateField(s) ? '2026-01-15' : 'x';
  }
}

interface Case {
  method: string;
  url: string;
  payload?: string | Buffer;
  contentType?: string;
  label: string;
}

/** Dates no calendar has, and the edges of what a date column holds. */
const IMPOSSIBLE_DATES = ['2026-13-01', '0000-00-00', '2026-02-30', '2026-04-31', '9999-12-31', '2026-00-10'];

/** A field holding a date: its pattern is a date's, or it is typed as one. */
const isDateField = (s: Schema | undefined): boolean =>
  !!s &&
  (s.format === 'date' ||
    s.format === 'date-time' ||
    /\\d\{4\}-/.test(s.pattern ?? '') ||
    (s.anyOf ?? s.oneOf ?? []).some((a) => isDateField(a)));

/** Multipart bodies that are wrong in every way a client can get them wrong. */
function malformedMultipart(): { payload: Buffer | string; contentType: string; label: string }[] {
  const b = 'fuzzBoundary7MA4YWxkTrZu0gW';
  const part = (name: string, filename: string | null, body: string) =>
    `--${b}\r\nContent-Disposition: form-data; name="${name}"${filename !== null ? `; filename="${filename}"` : ''}\r\n` +
    `Content-Type: application/octet-stream\r\n\r\n${body}\r\n`;
  const mp = `multipart/form-data; boundary=${b}`;
  return [
    { payload: 'whatever', contentType: 'multipart/form-data', label: 'multipart without boundary' },
    { payload: 'no boundary in here at all', contentType: mp, label: 'multipart without parts' },
    {
      payload: `--${b}\r\nContent-Disposition: form-data; name="file"; filename="a.xlsx"\r\n\r\nPK\x03\x04`,
      contentType: mp,
      label: 'multipart cut short',
    },
    {
      payload: `--${b}\r\nGarbage-Header\r\n\r\nx\r\n--${b}--\r\n`,
      contentType: mp,
      label: 'multipart malformed part header',
    },
    {
      payload: `${part('file', 'a.xlsx', 'x')}${part('file', 'b.xlsx', 'y')}--${b}--\r\n`,
      contentType: mp,
      label: 'multipart two files',
    },
    {
      payload: `${part('other', 'a.xlsx', 'PK')}--${b}--\r\n`,
      contentType: mp,
      label: 'multipart file under another name',
    },
    {
      payload: `${part('kind', null, 'agreement')}--${b}--\r\n`,
      contentType: mp,
      label: 'multipart without a file',
    },
    {
      payload: `${part('__proto__', null, 'x')}${part('file', 'a.xlsx', 'x')}--${b}--\r\n`,
      contentType: mp,
      label: 'multipart __proto__ field',
    },
    {
      payload: `${Array.from({ length: 40 }, (_, i) => part(`f${i}`, null, 'x')).join('')}--${b}--\r\n`,
      contentType: mp,
      label: 'multipart 40 fields',
    },
    {
      payload: `${part('file', 'a.xlsx', 'not a zip at all')}--${b}--\r\n`,
      contentType: mp,
      label: 'multipart not an xlsx',
    },
    { payload: `${part('file', 'a.xlsx', '')}--${b}--\r\n`, contentType: mp, label: 'multipart empty file' },
    {
      payload: Buffer.concat([
        Buffer.from(
          `--${b}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: image/png\r\n\r\n`,
        ),
        Buffer.from('<html><script>alert(1)</script></html>'),
        Buffer.from(`\r\n--${b}--\r\n`),
      ]),
      contentType: mp,
      label: 'multipart HTML declared as PNG',
    },
  ];
}

function casesFor(path: string, method: string, op: Operation): Case[] {
  const params = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path').map((p) => p.name);
  const fill = (bad?: { name: string; value: string }) =>
    path.replace(/\{(\w+)\}/g, (_, n) => (bad && bad.name === n ? bad.value : '1'));
  const out: Case[] = [];
  const M = method.toUpperCase();
  for (const name of pathParams) {
    for (const value of BAD_PATH)
      out.push({ method: M, url: fill({ name, value }), label: `path ${name}=${value.slice(0, 20)}` });
  }
  const base = fill();
  for (const q of params.filter((p) => p.in === 'query')) {
    for (const [i, value] of BAD_QUERY.entries()) {
      if ((i + q.name.length) % 2 === 0 || q.required) {
        out.push({
          method: M,
          url: `${base}?${q.name}=${value}`,
          label: `query ${q.name}=${value.slice(0, 20)}`,
        });
      }
    }
  }
  out.push({
    method: M,
    url: `${base}?__proto__[x]=1&constructor=1&unknown=${'y'.repeat(100)}`,
    label: 'query extra',
  });
  for (const q of params.filter((p) => p.in === 'query' && isDateField(p.schema))) {
    for (const d of IMPOSSIBLE_DATES)
      out.push({ method: M, url: `${base}?${q.name}=${d}`, label: `query ${q.name}=${d}` });
  }
  // Every route that takes a body hears malformed multipart: the multipart parser is registered for
  // the whole app, so a JSON route meets it too (the upload routes declare no body schema).
  if (M !== 'GET' && M !== 'DELETE') {
    for (const m of malformedMultipart())
      out.push({
        method: M,
        url: base,
        payload: m.payload,
        contentType: m.contentType,
        label: m.label,
      });
  }
  const json = op.requestBody?.content['application/json'];
  if (json || M !== 'GET') {
    const schema = json?.schema;
    const body = plausible(schema) as Record<string, Json>;
    const send = (payload: string, label: string, contentType = 'application/json') =>
      out.push({ method: M, url: base, payload, contentType, label });
    send('', 'empty body');
    send('{', 'broken JSON');
    send('null', 'null body');
    send('[]', 'array body');
    send('"s"', 'string body');
    send('{"__proto__":{"admin":true}}', '__proto__ body');
    send(JSON.stringify(body), 'text/plain body', 'text/plain');
    send(`${'['.repeat(5000)}${']'.repeat(5000)}`, 'deep nesting');
    send(JSON.stringify({ ...body, extraField: HUGE }), 'extra field');
    let i = 0;
    for (const [k, prop] of Object.entries(schema?.properties ?? {})) {
      // Two bad values per field, a different two for each field; plus the field left out.
      for (let j = 0; j < 2; j++) {
        const v = BAD_VALUES[(i * 2 + j) % BAD_VALUES.length];
        send(JSON.stringify({ ...body, [k]: v }), `${k}=${JSON.stringify(v).slice(0, 20)}`);
      }
      if (isDateField(prop)) {
        for (const d of IMPOSSIBLE_DATES) send(JSON.stringify({ ...body, [k]: d }), `${k}=${d}`);
      }
      const rest = { ...body };
      delete rest[k];
      send(JSON.stringify(rest), `without ${k}`);
      if (prop.type === 'array' || prop.items)
        send(JSON.stringify({ ...body, [k]: Array(1000).fill(body) }), `${k} huge array`);
      i++;
    }
  }
  return out;
}

let shared: TestEnv;
let env: Awaited<ReturnType<typeof isolatedEnv>>;
// Opening a second database takes seconds, and minutes on a loaded machine.
beforeAll(async () => {
  shared = await testEnv();
  env = await isolatedEnv(shared);
}, 600_000);
afterAll(async () => {
  await env?.drop();
});

describe('fuzzing every route of the OpenAPI document', () => {
  it('answers bad input with a 4xx, never a 5xx, and a 4xx writes nothing', async () => {
    const { town, villages } = await buildTown(env, 2);
    let admin = await actorClient(env, 'bureau_admin', env.districtId);
    // Something to point at: a person with id-like neighbours.
    await buildPerson(env, { townId: town.id, villageId: villages[0].id });
    const doc = (await env.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const tables = (
      await env.ctx.db.query<{ table_name: string }>(
        sql(`select table_name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`),
      )
    ).map((r) => r.table_name);
    // A function takes at most 100 arguments: 40 tables per json_build_object, joined as jsonb.
    const chunks: string[][] = [];
    for (let i = 0; i < tables.length; i += 40) chunks.push(tables.slice(i, i + 40));
    const countSql = `select ${chunks
      .map((ts) => `jsonb_build_object(${ts.map((t) => `'${t}', (select count(*) from "${t}")`).join(', ')})`)
      .join(' || ')} as c`;
    const counts = async () => (await env.ctx.db.query<{ c: Record<string, number> }>(sql(countSql)))[0].c;

    const failures: string[] = [];
    let requests = 0;
    const kinds = { dates: 0, multipart: 0 };
    const byStatus: Record<string, number> = {};
    for (const [path, ops] of Object.entries<Record<string, Operation>>(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const c of casesFor(path, method, op)) {
          // GETs that fail cannot write; counting every table around each change is what costs time.
          const before = c.method === 'GET' ? null : await counts();
          const headers: Record<string, string> = { authorization: `Bearer ${admin.token}` };
          if (c.contentType) headers['content-type'] = c.contentType;
          const res = await env.app.inject({
            method: c.method as 'GET',
            url: c.url,
            payload: c.payload,
            headers,
          });
          requests++;
          if (IMPOSSIBLE_DATES.some((d) => c.label.endsWith(`=${d}`))) kinds.dates++;
          if (c.label.startsWith('multipart')) kinds.multipart++;
          byStatus[res.statusCode] = (byStatus[res.statusCode] ?? 0) + 1;
          const where = `${c.method} ${path} [${c.label}] → ${res.statusCode}`;
          if (res.statusCode >= 500) failures.push(`${where} ${res.body.slice(0, 200)}`);
          else if (res.statusCode >= 400) {
            const after = before ? await counts() : null;
            const changed = tables.filter(
              (t) =>
                before !== null &&
                before[t] !== after?.[t] &&
                // Failed logins are recorded on purpose (audit row, lockout counter; the row's
                // chain may get its tail row on first use).
                !(path.startsWith('/api/auth/') && (t === 'audit_log' || t === 'audit_chain_tails')),
            );
            if (changed.length)
              failures.push(`${where} wrote rows in ${changed.join(', ')} although it failed`);
            if (!res.headers['content-type']?.toString().includes('json')) {
              failures.push(
                `${where} answered ${res.headers['content-type']} instead of the JSON error shape`,
              );
            } else if (typeof res.json().message !== 'string') failures.push(`${where} has no message`);
          }
          if (res.statusCode === 401 && !path.startsWith('/api/auth/')) {
            // Logout (or a session revocation) ended the fuzzing session: start another.
            admin = await actorClient(env, 'bureau_admin', env.districtId);
          }
        }
      }
    }
    console.log(
      `fuzz: ${requests} requests over ${Object.keys(doc.paths).length} paths (${kinds.dates} impossible dates, ${kinds.multipart} malformed multipart); statuses ${JSON.stringify(byStatus)}`,
    );
    expect(failures, failures.slice(0, 30).join('\n')).toEqual([]);
    expect(requests).toBeGreaterThan(500);
  }, 600_000);
});
