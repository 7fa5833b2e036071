/**
 * Visit submission throughput (issue 9/10) on PostgreSQL, the same request as `bench/run.ts`
 * (autocannon, POST /api/visits, one visitor's persons, full checklist) but on its own database so
 * it can be repeated before and after a change without regenerating 1M persons.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/tanfang_b npx tsx bench/trust-submit.ts --generate
 *   DATABASE_URL=... npx tsx bench/trust-submit.ts --seconds 20 --connections 8 --visitors 1
 *
 * --generate drops and refills the database's public schema (bench/generate.ts: --persons, --months).
 * --visitors N spreads the requests over N visitors (one connection each round-robin), to see the
 * cost of writers that touch different persons. --prof DIR starts the server with --cpu-prof.
 * --root DIR runs the server of another checkout on the same database (before/after comparisons;
 * the older code must accept the newer schema).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { createClock } from '../src/server/clock.js';
import { loadConfig } from '../src/server/config.js';
import type { Ctx } from '../src/server/context.js';
import { loadFieldCipher } from '../src/server/crypto/field-cipher.js';
import { openDb } from '../src/server/db/db.js';
import { migrate } from '../src/server/db/migrate.js';
import { sql } from '../src/server/db/sql.js';
import { hashPassword } from '../src/server/modules/auth/password.js';
import { REGISTRY } from '../src/server/modules/registry.js';
import { CHECKLIST_V1, fineAnswers } from '../src/shared/checklist.js';
import { chinaDate } from '../src/shared/china-time.js';
import { seasonFlags } from '../src/shared/schedule.js';
import { BENCH_PASSWORD, generate } from './generate.js';
import { login, startServer } from './trust-setup.js';

const { values: args } = parseArgs({
  options: {
    generate: { type: 'boolean', default: false },
    persons: { type: 'string', default: '20000' },
    months: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '15' },
    connections: { type: 'string', default: '8' },
    visitors: { type: 'string', default: '1' },
    port: { type: 'string', default: process.env.PORT || '3202' },
    prof: { type: 'string' },
    root: { type: 'string' },
  },
});
const url = process.env.DATABASE_URL;
if (!url?.startsWith('postgres')) {
  console.error('DATABASE_URL (PostgreSQL) is required');
  process.exit(1);
}
const NOW = process.env.TANFANG_NOW || '2026-11-20T10:00:00+08:00';
const SECRET = 'b'.repeat(64);
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

if (args.generate) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('drop schema if exists public cascade; create schema public;');
  await c.end();
  const db = await openDb({ databaseUrl: url });
  await migrate(db);
  const config = loadConfig({ ...process.env, TANFANG_SECRET_KEY: SECRET, TANFANG_NOW: NOW });
  const ctx: Ctx = {
    db,
    clock: createClock(NOW),
    config,
    fields: loadFieldCipher(config),
    registry: REGISTRY,
  };
  await generate(ctx, { persons: Number(args.persons), months: Number(args.months), databaseUrl: url, log });
  await db.exec(sql('analyze'));
  await db.close();
}

// Visitors of median load in the largest town, with a known password.
const db = await openDb({ databaseUrl: url });
const [town] = await db.query<{ town_id: number }>(
  sql('select town_id from persons group by town_id order by count(*) desc limit 1'),
);
const visitors = await db.query<{ id: number; username: string }>(
  sql(`select u.id, u.username from users u join persons p on p.visitor_id = u.id
    where p.town_id = $1 and p.status = 'active' group by u.id order by u.id limit $2`),
  [town.town_id, Number(args.visitors)],
);
await db.query(
  sql('update users set password_hash = $1, failed_logins = 0, locked_until = null where id = any($2)'),
  [await hashPassword(BENCH_PASSWORD), visitors.map((v) => v.id)],
);
const persons = new Map<number, number[]>();
for (const v of visitors) {
  const rows = await db.query<{ id: number }>(
    sql(`select id from persons where visitor_id = $1 and status = 'active' order by id`),
    [v.id],
  );
  persons.set(
    v.id,
    rows.map((r) => r.id),
  );
}
const [{ audit: audit0 }] = await db.query<{ audit: number }>(
  sql('select count(*)::int as audit from audit_log'),
);
await db.close();

const server = await startServer(
  url,
  Number(args.port),
  { TANFANG_SECRET_KEY: SECRET, TANFANG_NOW: NOW },
  args.prof ? ['--cpu-prof', `--cpu-prof-dir=${args.prof}`] : [],
  args.root,
);
const tokens = new Map<number, string>();
for (const v of visitors) tokens.set(v.id, await login(server.url, v.username));

const at = new Date(Date.parse(NOW) - 3600000);
const answers = fineAnswers(CHECKLIST_V1, seasonFlags(chinaDate(at)));
let i = 0;
log(
  `autocannon: ${args.connections} connections, ${args.seconds} s, ${visitors.length} visitor(s), ${[...persons.values()].reduce((a, p) => a + p.length, 0)} persons`,
);
const result = await autocannon({
  url: `${server.url}/api/visits`,
  connections: Number(args.connections),
  duration: Number(args.seconds),
  requests: [
    {
      method: 'POST',
      setupRequest: (req: Record<string, unknown>) => {
        const v = visitors[i % visitors.length];
        const ids = persons.get(v.id)!;
        const personId = ids[Math.floor(i / visitors.length) % ids.length];
        i++;
        return {
          ...req,
          headers: { authorization: `Bearer ${tokens.get(v.id)}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            clientId: randomUUID(),
            personId,
            at: at.toISOString(),
            method: 'in_person',
            outcome: 'reached',
            durationMinutes: 30,
            answers,
          }),
        };
      },
    },
  ],
});
server.proc.kill('SIGTERM');
await server.exited;

const check = await openDb({ databaseUrl: url });
const [{ audit: audit1 }] = await check.query<{ audit: number }>(
  sql('select count(*)::int as audit from audit_log'),
);
await check.close();
const ok = result['2xx'];
console.log(
  `visits/s (2xx) ${(ok / Number(args.seconds)).toFixed(0)} | p50 ${result.latency.p50} ms | p97.5 ${result.latency.p97_5} ms | p99 ${result.latency.p99} ms | non-2xx ${result.non2xx} | errors ${result.errors} | audit rows +${audit1 - audit0}`,
);
process.exit(0);
