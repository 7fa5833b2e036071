/**
 * Crash test (issue 9): 20 clients send 1,000 visits (50 each) with retries while the server is killed
 * with SIGKILL twice and restarted. Every visit that got a success answer must be stored, none twice.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/tanfang npx tsx bench/trust-crash.ts
 *
 * Options (env): CRASH_CLIENTS (20), CRASH_VISITS (1000), CRASH_PORT (3191), CRASH_SCHEMA (bench_crash).
 * Uses a schema of its own (dropped and rebuilt) in that database.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openDb } from '../src/server/db/db.js';
import { sql } from '../src/server/db/sql.js';
import { verifyAuditChain } from '../src/server/modules/audit/verify.js';
import { CHECKLIST_V1, fineAnswers } from '../src/shared/checklist.js';
import { chinaDate } from '../src/shared/china-time.js';
import { seasonFlags } from '../src/shared/schedule.js';
import { login, type Server, setupFixture, startServer } from './trust-setup.js';

const base = process.env.DATABASE_URL;
if (!base) {
  console.error('DATABASE_URL (PostgreSQL) is required: the crash test kills the server mid-write.');
  process.exit(1);
}
const CLIENTS = Number(process.env.CRASH_CLIENTS ?? 20);
const VISITS = Number(process.env.CRASH_VISITS ?? 1000);
const PORT = Number(process.env.CRASH_PORT ?? 3191);
const SCHEMA = process.env.CRASH_SCHEMA ?? 'bench_crash';
const perClient = Math.ceil(VISITS / CLIENTS);

const t0 = Date.now();
const fx = await setupFixture(base, SCHEMA, { visitors: CLIENTS, officers: 1, personsPerVisitor: 5 });
let server: Server = await startServer(fx.url, PORT);
const tokens = await Promise.all(fx.visitors.map((v) => login(server.url, v.username)));
const at = new Date(Date.now() - 3600000);
const answers = fineAnswers(CHECKLIST_V1, seasonFlags(chinaDate(at)));

const acked = new Set<string>();
const stats = { attempts: 0, retries: 0, networkErrors: 0, http5xx: 0, http4xx: 0, repeats: 0 };
let sent = 0;
let restarting: Promise<void> | null = null;

async function submit(token: string, clientId: string, personId: number) {
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) {
      stats.retries++;
      await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** Math.min(attempt, 6))));
    }
    if (restarting) await restarting;
    stats.attempts++;
    try {
      const res = await fetch(`${server.url}/api/visits`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          clientId,
          personId,
          at: at.toISOString(),
          method: 'in_person',
          outcome: 'reached',
          durationMinutes: 20,
          answers,
        }),
        signal: AbortSignal.timeout(10000),
      });
      if (res.status === 200 || res.status === 201) {
        if (res.status === 200) stats.repeats++;
        acked.add(clientId);
        return;
      }
      if (res.status >= 500) stats.http5xx++;
      else {
        stats.http4xx++;
        throw new Error(`visit refused ${res.status}: ${await res.text()}`);
      }
    } catch (e) {
      if ((e as Error).message.startsWith('visit refused')) throw e;
      stats.networkErrors++;
    }
  }
}

async function client(i: number) {
  const v = fx.visitors[i];
  for (let k = 0; k < perClient && sent < VISITS; k++) {
    sent++;
    await submit(tokens[i], randomUUID(), v.personIds[k % v.personIds.length]);
  }
}

async function killAndRestart(label: string) {
  let done = () => {};
  restarting = new Promise<void>((r) => {
    done = r;
  });
  const killedAt = acked.size;
  server.proc.kill('SIGKILL');
  await server.exited;
  const t = Date.now();
  server = await startServer(fx.url, PORT);
  console.log(
    `${label}: SIGKILL after ${killedAt} acknowledged visits; restarted and ready in ${Date.now() - t} ms`,
  );
  restarting = null;
  done();
}

const watcher = (async () => {
  for (const [threshold, label] of [
    [Math.floor(VISITS * 0.3), 'kill 1'],
    [Math.floor(VISITS * 0.65), 'kill 2'],
  ] as const) {
    while (acked.size < threshold) await new Promise((r) => setTimeout(r, 20));
    await killAndRestart(label);
  }
})();
await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
await watcher;

const db = new pg.Client({ connectionString: fx.url });
await db.connect();
const ids = [...acked];
const rows = (
  await db.query<{ client_id: string; n: number }>(
    'select client_id::text, count(*)::int as n from visits group by client_id',
  )
).rows;
await db.end();
// Every stored visit has its one audit row, and the hash chains hold across the kills (a plain
// visit's row is written by the visit's own statement, the others in its transaction).
const adb = await openDb({ databaseUrl: fx.url });
const [{ unaudited }] = await adb.query<{ unaudited: number }>(
  sql(`select count(*)::int as unaudited from visits v
    where (select count(*) from audit_log a where a.action = 'visit.record' and a.entity_id = v.id::text) <> 1`),
);
const chain = await verifyAuditChain(adb);
await adb.close();
const stored = new Map(rows.map((r) => [r.client_id, r.n]));
const missing = ids.filter((id) => !stored.has(id));
const doubled = rows.filter((r) => r.n > 1);
const unacked = rows.filter((r) => !acked.has(r.client_id));
server.proc.kill('SIGTERM');
await server.exited;
console.log(
  JSON.stringify({
    clients: CLIENTS,
    visits: VISITS,
    acknowledged: acked.size,
    storedRows: rows.length,
    missing: missing.length,
    storedTwice: doubled.length,
    storedNotAcknowledged: unacked.length,
    visitsWithoutOneAuditRow: unaudited,
    auditRowsVerified: chain.checked,
    auditProblems: chain.problems.length,
    ...stats,
    seconds: (Date.now() - t0) / 1000,
  }),
);
if (missing.length || doubled.length || acked.size !== VISITS) {
  console.error('FAILED: acknowledged visits missing or stored twice');
  process.exit(1);
}
if (unaudited || !chain.ok) {
  console.error(
    'FAILED: a visit without exactly one audit row, or a broken audit chain',
    chain.problems.slice(0, 5),
  );
  process.exit(1);
}
console.log(
  `OK: all ${acked.size} acknowledged visits stored exactly once across 2 SIGKILLs, each with its audit row; ${chain.checked} audit rows verify`,
);
