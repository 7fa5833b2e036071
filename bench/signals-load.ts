/**
 * Load check of the signals door (issue 30): an open-loop sender posts signed `POST /api/signals`
 * requests at a fixed rate (default 200 signals a second for 60 s, one signal a request) against a
 * real server on PostgreSQL, and reports errors, latency percentiles and what the signals became.
 * Mix: 70 % water-meter alarms, 10 % hospital admissions, 10 % discharges of known persons, 8 %
 * unknown ID numbers, 2 % resends of a key sent before (must answer the same, store nothing new).
 *
 *   npx tsx bench/signals-load.ts --pg-url postgres://postgres@127.0.0.1:5432/bench_signals
 *   npx tsx bench/signals-load.ts --rate 200 --seconds 60 --persons 2000 --batch 1
 */
import { createHmac, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { buildApp } from '../src/server/app.js';
import { createClock } from '../src/server/clock.js';
import { loadConfig } from '../src/server/config.js';
import type { Ctx } from '../src/server/context.js';
import { createFieldCipher } from '../src/server/crypto/field-cipher.js';
import { type Db, openDb, type Queryable } from '../src/server/db/db.js';
import { migrate } from '../src/server/db/migrate.js';
import { sql } from '../src/server/db/sql.js';
import type { Scope } from '../src/server/http/scope.js';
import { insertArea } from '../src/server/modules/areas/repo.js';
import { insertPersons } from '../src/server/modules/persons/repo.js';
import { REGISTRY } from '../src/server/modules/registry.js';
import { createAccount } from '../src/server/modules/signals/service.js';
import { insertUser, replaceGrants } from '../src/server/modules/users/repo.js';
import { seedAreas } from '../src/server/seed/demo.js';
import { fakeIdNumber } from '../src/server/seed/fake.js';
import { maskIdNumber } from '../src/shared/id-card.js';

const { values: args } = parseArgs({
  options: {
    'pg-url': {
      type: 'string',
      default: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/bench_signals',
    },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '60' },
    persons: { type: 'string', default: '2000' },
    batch: { type: 'string', default: '1' },
    /** Time every statement by its first words and print the heaviest. */
    profile: { type: 'boolean', default: false },
  },
});
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const PERSONS = Number(args.persons);
const BATCH = Number(args.batch);
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

// A database of its own, emptied.
const url = new URL(args['pg-url']);
const dbName = url.pathname.slice(1);
const admin = new pg.Client({
  connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString(),
});
await admin.connect();
if ((await admin.query('select 1 from pg_database where datname = $1', [dbName])).rowCount === 0)
  await admin.query(`create database "${dbName}"`);
await admin.end();
const c = new pg.Client({ connectionString: args['pg-url'] });
await c.connect();
await c.query('drop schema if exists public cascade; create schema public;');
await c.end();

const rawDb = await openDb({ databaseUrl: args['pg-url'] });
await migrate(rawDb);
const profile = new Map<string, { n: number; ms: number }>();
const timed =
  (q: Queryable): Queryable['query'] =>
  async (text, params) => {
    if (!args.profile) return q.query(text, params);
    const t = performance.now();
    try {
      return await q.query(text, params);
    } finally {
      const k = text.replace(/\s+/g, ' ').trim().slice(0, 70);
      const e = profile.get(k) ?? { n: 0, ms: 0 };
      e.n++;
      e.ms += performance.now() - t;
      profile.set(k, e);
    }
  };
const db: Db = {
  kind: rawDb.kind,
  query: timed(rawDb),
  tx: (fn) => rawDb.tx((q) => fn({ query: timed(q) })),
  session: (fn) => rawDb.session((q) => fn({ query: timed(q) })),
  exec: (t) => rawDb.exec(t),
  close: () => rawDb.close(),
};
const ctx: Ctx = {
  db,
  clock: createClock(),
  config: { ...loadConfig({ ...process.env, TANFANG_DATA_DIR: '.tmp/signals-bench' }) },
  fields: createFieldCipher([Buffer.alloc(32, 3)], Buffer.alloc(32, 4)),
  registry: REGISTRY,
};
const now = ctx.clock.now();

// Areas, visitors and persons.
const areas = await db.tx((q) => seedAreas(q));
const districtId = areas.get('150602')!;
const townIds = [...areas.entries()].filter(([code]) => code.length === 9).map(([, id]) => id);
const villages: { id: number; townId: number }[] = [];
for (const [i, townId] of townIds.slice(0, 5).entries())
  for (let v = 1; v <= 4; v++) {
    const a = await insertArea(db, {
      parentId: townId,
      code: `9${i}${v}0000000`,
      name: `压测村${i}-${v}`,
      level: 'village',
    });
    villages.push({ id: a.id, townId });
  }
const visitors: number[] = [];
for (const [i, v] of villages.entries()) {
  const id = await insertUser(db, {
    username: `bench-visitor-${i}`,
    displayName: `压测探访员${i}`,
    passwordHash: 'x',
    now,
  });
  await replaceGrants(db, id, [{ role: 'visitor', areaId: v.id, department: null }]);
  visitors.push(id);
}
const adminId = await insertUser(db, {
  username: 'bench-admin',
  displayName: '压测管理员',
  passwordHash: 'x',
  now,
});
await replaceGrants(db, adminId, [{ role: 'bureau_admin', areaId: districtId, department: null }]);
const idNumbers: string[] = [];
const rows: Parameters<typeof insertPersons>[1] = [];
for (let i = 0; i < PERSONS; i++) {
  const idNumber = fakeIdNumber(
    '1946-05-0' + ((i % 9) + 1),
    i % 2 ? 'male' : 'female',
    i % 1000,
    `15${String(1000 + Math.floor(i / 1000)).padStart(4, '0')}`,
  );
  idNumbers.push(idNumber);
  const v = villages[i % villages.length];
  rows.push({
    name: `压测对象${i}`,
    idNumberEnc: ctx.fields.encrypt(idNumber),
    idNumberHash: ctx.fields.hash(idNumber),
    idNumberMasked: maskIdNumber(idNumber),
    birthDate: `1946-05-0${(i % 9) + 1}`,
    sex: (i % 2 ? 'male' : 'female') as 'male' | 'female',
    townId: v.townId,
    villageId: v.id,
    supportStart: '2020-01-01',
    selfCare: 'capable' as const,
    tier: 'general' as const,
    visitorId: visitors[i % visitors.length],
    now,
  });
}
await db.tx((q) => insertPersons(q, rows));
await db.query(sql('analyze'));
log(`data: ${villages.length} villages, ${visitors.length} visitors, ${PERSONS} persons`);

const scope: Scope = { userId: adminId, all: true, areaIds: [], visitor: false, departments: [] };
const acct = await createAccount(
  ctx,
  {
    userId: adminId,
    username: 'bench-admin',
    displayName: '压测管理员',
    roles: ['bureau_admin'],
    grants: [],
    sessionId: '',
    viaCookie: false,
    csrfToken: '',
    scope,
  },
  { name: '压测接入', areaId: districtId, permissions: ['signals.submit'], expiresInDays: 1 },
);

const app = await buildApp(ctx);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

const TYPES = ['meter_silent', 'hospital_admission', 'hospital_discharge'] as const;
const sent: unknown[] = [];
function nextSignal(i: number) {
  const r = (i * 7919) % 100;
  if (r < 2 && sent.length > 10) return sent[(i * 31) % sent.length];
  const type = r < 72 ? TYPES[0] : r < 82 ? TYPES[1] : r < 92 ? TYPES[2] : TYPES[0];
  const idNumber =
    r >= 92 ? fakeIdNumber('1950-01-01', 'male', i % 1000, '159999') : idNumbers[(i * 2654435761) % PERSONS];
  const s = {
    key: randomUUID(),
    type,
    occurredAt: new Date().toISOString(),
    idNumber,
    source: '压测',
    details: { i },
  };
  sent.push(s);
  return s;
}
async function post(body: string) {
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = createHmac('sha256', acct.secret).update(`${ts}.${body}`).digest('hex');
  const t = performance.now();
  const res = await fetch(`${base}/api/signals`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${acct.token}`,
      'x-tanfang-timestamp': ts,
      'x-tanfang-signature': `sha256=${sig}`,
    },
    body,
  });
  const text = await res.text();
  return { ms: performance.now() - t, status: res.status, text };
}

const requests = Math.round((RATE / BATCH) * SECONDS);
const interval = 1000 / (RATE / BATCH);
const latencies: number[] = [];
const statuses: Record<string, number> = {};
const outcomes: Record<string, number> = {};
let errors = 0;
let maxInFlight = 0;
let inFlight = 0;
log(`sending ${requests} requests of ${BATCH} signal(s), one every ${interval.toFixed(1)} ms`);
const t0 = performance.now();
const pending: Promise<void>[] = [];
for (let i = 0; i < requests; i++) {
  const due = t0 + i * interval;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  const body = JSON.stringify(Array.from({ length: BATCH }, (_, j) => nextSignal(i * BATCH + j)));
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  pending.push(
    post(body)
      .then((r) => {
        latencies.push(r.ms);
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status !== 200) {
          errors++;
          if (errors <= 5) log(`error ${r.status}: ${r.text.slice(0, 200)}`);
          return;
        }
        for (const o of JSON.parse(r.text).results) outcomes[o.status] = (outcomes[o.status] ?? 0) + 1;
      })
      .catch((e) => {
        errors++;
        statuses.network = (statuses.network ?? 0) + 1;
        if (errors <= 5) log(`error: ${(e as Error).message}`);
      })
      .finally(() => {
        inFlight--;
      }),
  );
}
await Promise.all(pending);
const wall = (performance.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
const [stored] = await db.query<{ signals: number; tasks: number; open_tasks: number; keys: number }>(
  sql(`select (select count(*)::int from signals) as signals,
          (select count(*)::int from visit_tasks where source_entity = 'signal') as tasks,
          (select count(*)::int from visit_tasks where source_entity = 'signal' and status = 'open') as open_tasks,
          (select count(distinct key)::int from signals) as keys`),
);
const uniqueKeys = new Set((sent as { key: string }[]).map((s) => s.key)).size;
const result = {
  rate: RATE,
  seconds: SECONDS,
  batch: BATCH,
  requests,
  signals: requests * BATCH,
  achievedSignalsPerSecond: Math.round((requests * BATCH) / wall),
  errors,
  statuses,
  latencyMs: {
    p50: +pct(50).toFixed(1),
    p95: +pct(95).toFixed(1),
    p99: +pct(99).toFixed(1),
    max: +pct(100).toFixed(1),
  },
  maxInFlight,
  outcomes,
  stored,
  uniqueKeysSent: uniqueKeys,
  storedEqualsUnique: stored.signals === uniqueKeys,
};
console.log(JSON.stringify(result, null, 2));
if (args.profile)
  for (const [k, v] of [...profile.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25))
    console.log(`${(v.ms / v.n).toFixed(2).padStart(7)} ms × ${String(v.n).padStart(6)}  ${k}`);
await app.close();
await db.close();
process.exit(errors === 0 && result.storedEqualsUnique ? 0 : 1);
