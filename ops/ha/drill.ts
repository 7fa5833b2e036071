/**
 * Drills on the real cluster of ops/ha/cluster.sh (etcd, Patroni, PostgreSQL 15, HAProxy, pgBackRest)
 * with real `tanfang start` processes. Each prints one JSON line of figures and exits non-zero when
 * the drill's promise is broken.
 *
 *   npx tsx ops/ha/drill.ts failover [--visits 1000] [--clients 20] [--rate 40]
 *       20 clients send 1,000 visits (paced, with retries and a clientId each) while the leader is
 *       killed twice: SIGKILL of its postgres, then (once a synchronous standby is back) SIGKILL of
 *       its Patroni. Every acknowledged visit stored exactly once, none lost; time from each kill to
 *       the first visit accepted after it; client-visible errors.
 *   npx tsx ops/ha/drill.ts upgrade [--visits 600]
 *       the same clients through HAProxy's app port onto two server processes: each process is
 *       stopped (SIGTERM) and started again in turn, then a Patroni switchover; every visit acknowledged.
 *   npx tsx ops/ha/drill.ts pitr
 *       full + incremental backups and WAL archiving; a bulk wrong update; the cluster restored to
 *       just before it; per-table checksums and `tanfang audit verify`. RPO and RTO.
 *   npx tsx ops/ha/drill.ts replica [--seconds 20]
 *       visit submission rate and the primary's CPU with no ledger, with ledgers streaming from the
 *       primary, and with ledgers streaming from a replica (DATABASE_READ_URL).
 *
 * Options: --up (bring the cluster up first and down at the end; default: use the running one, or
 * bring one up when none answers), --schema (default drill_<command>).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  login,
  ROOT,
  type Server,
  schemaUrl,
  setupFixture,
  startServer as startTanfang,
} from '../../bench/trust-setup.js';
import { CHECKLIST_V1, fineAnswers } from '../../src/shared/checklist.js';
import { chinaDate } from '../../src/shared/china-time.js';
import { seasonFlags } from '../../src/shared/schedule.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    visits: { type: 'string' },
    clients: { type: 'string', default: '20' },
    rate: { type: 'string', default: '40' },
    seconds: { type: 'string', default: '20' },
    schema: { type: 'string' },
    up: { type: 'boolean', default: false },
    'ledger-visits': { type: 'string', default: '300000' },
    'max-recovery': { type: 'string', default: '30' },
  },
});
const command = positionals[0] ?? 'failover';
const CLUSTER = join(import.meta.dirname, 'cluster.sh');
const log = (s: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cluster(...a: string[]): string {
  return execFileSync(CLUSTER, a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}
function clusterEnv(): Record<string, string> {
  const out = spawnSync(CLUSTER, ['env'], { encoding: 'utf8' }).stdout;
  return Object.fromEntries([...out.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
}
async function answers(url: string | undefined) {
  if (!url) return false;
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

// Server processes this drill started: stopped if the drill is interrupted (CI's timeout), with the
// cluster when the drill brought it up.
const started: Server[] = [];
async function startServer(...a: Parameters<typeof startTanfang>): Promise<Server> {
  const s = await startTanfang(...a);
  started.push(s);
  return s;
}
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    for (const s of started) s.proc.kill('SIGKILL');
    if (broughtUp) spawnSync(CLUSTER, ['down'], { stdio: 'inherit' });
    process.exit(130);
  });
}

let broughtUp = false;
let e = clusterEnv();
if (args.up || !(await answers(e.DATABASE_URL))) {
  if (e.HA_DIR) cluster('down');
  log('bringing the cluster up (ops/ha/cluster.sh up)');
  cluster('up');
  broughtUp = true;
  e = clusterEnv();
}
const SCHEMA = args.schema ?? `drill_${command}`;
const [appPort1, appPort2] = e.HA_APP_PORTS.split(' ').map(Number);

// ------------------------------------------------------------------------------------------- clients
const CLIENTS = Number(args.clients);
const at = new Date(Date.now() - 3600_000);
const visitAnswers = fineAnswers(CHECKLIST_V1, seasonFlags(chinaDate(at)));

interface Load {
  acked: Map<string, number>;
  /** Each attempt's outcome: time sent, time answered, ok or the error. */
  attempts: { sent: number; done: number; ok: boolean; error?: string }[];
  done: Promise<void>;
  stop(): void;
}

/**
 * One client per visitor of `fx`, each sending its share of `visits` visits at `rate` visits/s in all; a visit is
 * retried (same clientId) after any 5xx or network error, 1 s apart at most, until acknowledged.
 */
function load(
  baseUrl: () => string,
  fx: { visitors: { personIds: number[] }[] },
  tokens: string[],
  visits: number,
  rate: number,
): Load {
  const acked = new Map<string, number>();
  const attempts: Load['attempts'] = [];
  let stopped = false;
  const clients = fx.visitors.length;
  const perClient = Math.ceil(visits / clients);
  const gap = (1000 * clients) / rate;
  const client = async (i: number) => {
    const v = fx.visitors[i];
    await sleep((gap * i) / clients);
    for (let k = 0; k < perClient && !stopped; k++) {
      const next = Date.now() + gap;
      const clientId = randomUUID();
      for (let attempt = 0; !stopped; attempt++) {
        if (attempt > 0) await sleep(Math.min(1000, 100 * 2 ** attempt));
        const a: Load['attempts'][number] = { sent: Date.now(), done: 0, ok: false };
        attempts.push(a);
        try {
          const res = await fetch(`${baseUrl()}/api/visits`, {
            method: 'POST',
            headers: { authorization: `Bearer ${tokens[i]}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              clientId,
              personId: v.personIds[k % v.personIds.length],
              at: at.toISOString(),
              method: 'in_person',
              outcome: 'reached',
              durationMinutes: 20,
              answers: visitAnswers,
            }),
            signal: AbortSignal.timeout(15000),
          });
          a.done = Date.now();
          await res.arrayBuffer();
          if (res.status === 200 || res.status === 201) {
            a.ok = true;
            acked.set(clientId, a.done);
            break;
          }
          if (res.status < 500) throw new Error(`visit refused ${res.status}`);
          a.error = `HTTP ${res.status}`;
        } catch (err) {
          if ((err as Error).message.startsWith('visit refused')) throw err;
          a.done ||= Date.now();
          a.error ??= (err as Error).name === 'TimeoutError' ? 'timeout' : 'network';
        }
      }
      await sleep(Math.max(0, next - Date.now()));
    }
  };
  const done = Promise.all(Array.from({ length: clients }, (_, i) => client(i))).then(() => {});
  return {
    acked,
    attempts,
    done,
    stop: () => {
      stopped = true;
    },
  };
}

/** Visits stored per clientId, checked against the acknowledged ones. */
async function checkStored(dbUrl: string, acked: Map<string, number>) {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  const rows = (
    await c.query<{ client_id: string; n: number }>(
      'select client_id::text, count(*)::int as n from visits group by client_id',
    )
  ).rows;
  const [{ unaudited }] = (
    await c.query<{ unaudited: number }>(
      `select count(*)::int as unaudited from visits v
        where (select count(*) from audit_log a where a.action = 'visit.record' and a.entity_id = v.id::text) <> 1`,
    )
  ).rows;
  await c.end();
  const stored = new Map(rows.map((r) => [r.client_id, r.n]));
  return {
    acknowledged: acked.size,
    stored: rows.length,
    missing: [...acked.keys()].filter((id) => !stored.has(id)).length,
    storedTwice: rows.filter((r) => r.n > 1).length,
    storedNotAcknowledged: rows.filter((r) => !acked.has(r.client_id)).length,
    visitsWithoutOneAuditRow: unaudited,
  };
}

function auditVerify(dbUrl: string) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/tanfang.mjs'), 'audit', 'verify'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: dbUrl, TANFANG_SECRET_KEY: '07'.repeat(32) },
    encoding: 'utf8',
  });
  return { ok: r.status === 0, output: (r.stdout + r.stderr).trim().split('\n').slice(-2).join(' ') };
}

function errorsOf(attempts: Load['attempts']) {
  const by: Record<string, number> = {};
  for (const a of attempts) if (!a.ok && a.error) by[a.error] = (by[a.error] ?? 0) + 1;
  return by;
}

/** Waits until the cluster has a leader, both replicas streaming and a synchronous standby. */
function waitHealthy() {
  cluster('wait', '2');
}

async function fixture(visitors = CLIENTS) {
  log(`fixture: schema ${SCHEMA}, ${visitors} visitors with 5 persons each`);
  const fx = await setupFixture(e.DATABASE_URL, SCHEMA, { visitors, officers: 1, personsPerVisitor: 5 });
  return fx;
}

function finish(result: Record<string, unknown>, ok: boolean, why: string) {
  console.log(JSON.stringify(result));
  if (broughtUp) cluster('down');
  if (!ok) {
    console.error(`FAILED: ${why}`);
    process.exit(1);
  }
  console.error(`OK: ${why}`);
  process.exit(0);
}

// ------------------------------------------------------------------------------------------- failover
async function failover() {
  const VISITS = Number(args.visits ?? 1000);
  waitHealthy();
  const fx = await fixture();
  const server = await startServer(fx.url, appPort1, { TANFANG_JOBS: '1' });
  const tokens = await Promise.all(fx.visitors.map((v) => login(server.url, v.username)));
  const t0 = Date.now();
  const l = load(() => server.url, fx, tokens, VISITS, Number(args.rate));
  const kills: { kind: string; node: string; at: number; afterAcked: number }[] = [];
  const killer = (async () => {
    for (const [share, kind] of [
      [0.3, 'postgres'],
      [0.65, 'patroni'],
    ] as const) {
      while (l.acked.size < VISITS * share) await sleep(50);
      if (kind === 'patroni') waitHealthy(); // a failover needs a synchronous standby to promote
      const node = cluster(`kill-${kind}`);
      kills.push({ kind, node, at: Date.now(), afterAcked: l.acked.size });
      log(`SIGKILL ${kind} of leader ${node} after ${l.acked.size} acknowledged visits`);
      // Another node leads (a killed Patroni's postgres goes on as primary, still reachable, until
      // HAProxy's check and then the leader key's ttl give it up), and takes writes.
      while (cluster('leader') === node || cluster('leader') === 'pg') await sleep(200);
      const k = kills[kills.length - 1];
      const promoted = Date.now();
      while (!l.attempts.some((a) => a.ok && a.sent > promoted)) await sleep(50);
      log(`${cluster('leader')} leads ${((promoted - k.at) / 1000).toFixed(1)} s after the kill`);
      if (kind === 'patroni') cluster('start-node', node); // the orphaned postgres is demoted and rejoins
    }
  })();
  await Promise.all([l.done, killer]);
  const seconds = (Date.now() - t0) / 1000;
  waitHealthy();
  const members = cluster('status');
  const jobs = await jobState(fx.url);
  server.proc.kill('SIGTERM');
  await server.exited;
  const stored = await checkStored(fx.url, l.acked);
  const audit = auditVerify(fx.url);
  // Writes accepted again: the first acknowledged visit sent after the last failed attempt of the
  // kill's window (up to the next kill); 0 when no attempt failed.
  const recovery = kills.map((k, i) => {
    const end = kills[i + 1]?.at ?? Number.POSITIVE_INFINITY;
    const failed = l.attempts.filter((a) => !a.ok && a.sent >= k.at && a.sent < end);
    const lastFail = Math.max(k.at, ...failed.map((a) => a.done));
    const back = l.attempts.filter((a) => a.ok && a.sent >= lastFail).sort((a, b) => a.done - b.done)[0];
    return {
      kill: `${k.kind} of ${k.node}`,
      afterAcked: k.afterAcked,
      writesAgainAfterSeconds: failed.length ? (back.done - k.at) / 1000 : 0,
      failedAttempts: failed.length,
    };
  });
  const result = {
    drill: 'failover',
    clients: CLIENTS,
    visits: VISITS,
    ...stored,
    attempts: l.attempts.length,
    clientVisibleErrors: l.attempts.filter((a) => !a.ok).length,
    errorsByKind: errorsOf(l.attempts),
    recovery,
    jobs,
    auditVerify: audit,
    seconds,
  };
  log(members);
  const slow = recovery.filter((r) => r.writesAgainAfterSeconds > Number(args['max-recovery']));
  const ok =
    slow.length === 0 &&
    stored.acknowledged === VISITS &&
    stored.missing === 0 &&
    stored.storedTwice === 0 &&
    stored.visitsWithoutOneAuditRow === 0 &&
    audit.ok;
  finish(
    result,
    ok,
    ok
      ? `all ${VISITS} visits acknowledged and stored exactly once across two leader kills; writes again after ${recovery.map((r) => `${r.writesAgainAfterSeconds.toFixed(1)} s`).join(' and ')}`
      : slow.length
        ? `writes were refused longer than ${args['max-recovery']} s after a kill`
        : 'acknowledged visits missing, stored twice, unacknowledged, or audit chain broken',
  );
}

/** Each job's last run: did one end in error (a job cut short and not run again)? */
async function jobState(dbUrl: string) {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  const rows = (
    await c.query<{ name: string; last_error: string | null }>(
      'select name, last_error from job_runs order by name',
    )
  ).rows;
  await c.end();
  return { ran: rows.length, lastRunFailed: rows.filter((r) => r.last_error).map((r) => r.name) };
}

// ------------------------------------------------------------------------------------------- upgrade
async function upgrade() {
  const VISITS = Number(args.visits ?? 600);
  waitHealthy();
  const fx = await fixture();
  // Readiness answers 503 for 2 s before the listener closes: HAProxy (check every 1 s, fall 1) takes
  // the process out first.
  const drain = { TANFANG_DRAIN_SECONDS: process.env.TANFANG_DRAIN_SECONDS ?? '2' };
  const servers: Server[] = await Promise.all([
    startServer(fx.url, appPort1, drain),
    startServer(fx.url, appPort2, drain),
  ]);
  // HAProxy's check needs a second to see both up.
  for (let i = 0; i < 50; i++) {
    const ok = await fetch(`${e.HA_APP_URL}/api/health?probe=ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await sleep(200);
  }
  const tokens = await Promise.all(fx.visitors.map((v) => login(e.HA_APP_URL, v.username)));
  const t0 = Date.now();
  const l = load(() => e.HA_APP_URL, fx, tokens, VISITS, Number(args.rate));
  const steps: { step: string; at: number; seconds: number }[] = [];
  const step = async (name: string, fn: () => Promise<void> | void) => {
    const s = Date.now();
    await fn();
    steps.push({ step: name, at: s, seconds: (Date.now() - s) / 1000 });
    log(`${name}: ${((Date.now() - s) / 1000).toFixed(1)} s`);
  };
  const driver = (async () => {
    while (l.acked.size < VISITS * 0.2) await sleep(50);
    for (const i of [0, 1]) {
      await step(`restart app ${i + 1}`, async () => {
        servers[i].proc.kill('SIGTERM');
        await servers[i].exited;
        servers[i] = await startServer(fx.url, i === 0 ? appPort1 : appPort2, drain);
        await sleep(1500); // HAProxy: rise 2 at 1 s
      });
    }
    const from = cluster('leader');
    await step('patroni switchover', () => {
      cluster('switchover');
      waitHealthy();
    });
    const to = cluster('leader');
    steps[steps.length - 1].step = `patroni switchover ${from} -> ${to}`;
    if (from === to) throw new Error('the switchover did not change the leader');
  })();
  await Promise.all([l.done, driver]);
  const seconds = (Date.now() - t0) / 1000;
  for (const s of servers) {
    s.proc.kill('SIGTERM');
    await s.exited;
  }
  const stored = await checkStored(fx.url, l.acked);
  const result = {
    drill: 'upgrade',
    drainSeconds: Number(drain.TANFANG_DRAIN_SECONDS),
    clients: CLIENTS,
    visits: VISITS,
    ...stored,
    attempts: l.attempts.length,
    clientVisibleErrors: l.attempts.filter((a) => !a.ok).length,
    errorsByKind: errorsOf(l.attempts),
    steps: steps.map((s) => ({
      ...s,
      at: undefined,
      failedAttempts: l.attempts.filter(
        (a) => !a.ok && a.sent >= s.at && a.sent <= s.at + s.seconds * 1000 + 5000,
      ).length,
    })),
    seconds,
  };
  const ok = stored.acknowledged === VISITS && stored.missing === 0 && stored.storedTwice === 0;
  finish(
    result,
    ok,
    ok
      ? `all ${VISITS} visits acknowledged and stored once through two app restarts and a switchover (${result.clientVisibleErrors} attempts retried)`
      : 'a visit was not acknowledged, or stored twice',
  );
}

// ------------------------------------------------------------------------------------------- pitr
async function pitr() {
  waitHealthy();
  const fx = await fixture(4);
  const server = await startServer(fx.url, appPort1);
  const tokens = await Promise.all(fx.visitors.map((v) => login(server.url, v.username)));
  const send = async (n: number) => {
    const l = load(() => server.url, fx, tokens, n, 1000);
    await l.done;
    return l.acked;
  };
  const sql = new pg.Client({ connectionString: e.HA_SUPERUSER_URL.replace(/\/postgres$/, '/tanfang') });
  await sql.connect();
  await sql.query(`set search_path = ${SCHEMA}`);
  log('visits, then a full backup; more visits, then an incremental backup; more visits (WAL only)');
  await send(40);
  cluster('backup', 'full');
  await send(40);
  cluster('backup', 'incr');
  await send(40);
  const tables = (
    await sql.query<{ t: string }>(
      `select table_name as t from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE' order by 1`,
      [SCHEMA],
    )
  ).rows.map((r) => r.t);
  const checksums = async () => {
    const out: Record<string, string> = {};
    for (const t of tables) {
      const [r] = (
        await sql.query<{ n: number; h: string }>(
          `select count(*)::int as n, md5(coalesce(string_agg(x::text, E'\\n' order by x::text), '')) as h from ${t} x`,
        )
      ).rows;
      out[t] = `${r.n}:${r.h}`;
    }
    return out;
  };
  const before = await checksums();
  const [{ target }] = (await sql.query<{ target: string }>(`select clock_timestamp()::text as target`)).rows;
  await sleep(1500);
  log(`target ${target}; now the mistake: every visit's outcome overwritten, then more visits`);
  const [{ n: wrong }] = (
    await sql.query<{ n: number }>(
      `with u as (update visits set outcome = 'no_answer', notes = '误操作' returning 1) select count(*)::int as n from u`,
    )
  ).rows;
  const after = await send(20);
  // The WAL holding the mistake reaches the repository (recovery must see a commit past the target).
  await sql.query('select pg_switch_wal()');
  const [{ archivedAt }] = (
    await sql.query<{ archivedAt: number }>(`select extract(epoch from now())::float8 as "archivedAt"`)
  ).rows;
  let archiveSeconds = 0;
  for (;;) {
    const [r] = (
      await sql.query<{ t: number | null }>(
        'select extract(epoch from last_archived_time)::float8 as t from pg_stat_archiver',
      )
    ).rows;
    if (r.t && r.t >= archivedAt - 0.001) {
      archiveSeconds = r.t - archivedAt;
      break;
    }
    await sleep(200);
  }
  await sql.end();
  const info = cluster('info');
  server.proc.kill('SIGTERM');
  await server.exited;

  log('restore the cluster to the target (cluster.sh pitr)');
  const r0 = Date.now();
  cluster('pitr', target);
  const restoreSeconds = (Date.now() - r0) / 1000;
  const check = new pg.Client({ connectionString: e.HA_SUPERUSER_URL.replace(/\/postgres$/, '/tanfang') });
  await check.connect();
  await check.query(`set search_path = ${SCHEMA}`);
  const restored: Record<string, string> = {};
  for (const t of tables) {
    const [r] = (
      await check.query<{ n: number; h: string }>(
        `select count(*)::int as n, md5(coalesce(string_agg(x::text, E'\\n' order by x::text), '')) as h from ${t} x`,
      )
    ).rows;
    restored[t] = `${r.n}:${r.h}`;
  }
  const afterIds = [...after.keys()];
  const [{ n: afterFound }] = (
    await check.query<{ n: number }>(
      'select count(*)::int as n from visits where client_id::text = any($1)',
      [afterIds],
    )
  ).rows;
  const [{ n: stillWrong }] = (
    await check.query<{ n: number }>(`select count(*)::int as n from visits where notes = '误操作'`)
  ).rows;
  await check.end();
  const differing = tables.filter((t) => before[t] !== restored[t]);
  // The app, started again, serves from the restored cluster.
  const s2 = await startServer(fx.url, appPort1);
  const appReadySeconds = (Date.now() - r0) / 1000;
  s2.proc.kill('SIGTERM');
  await s2.exited;
  const audit = auditVerify(fx.url);
  const result = {
    drill: 'pitr',
    target,
    tables: tables.length,
    rowsBefore: Object.values(before).reduce((a, v) => a + Number(v.split(':')[0]), 0),
    wrongUpdate: wrong,
    visitsAfterTarget: afterIds.length,
    tablesDiffering: differing,
    visitsAfterTargetFound: afterFound,
    wrongRowsFound: stillWrong,
    auditVerify: audit,
    walArchiveSecondsAfterSwitch: Number(archiveSeconds.toFixed(2)),
    rtoRestoreSeconds: restoreSeconds,
    rtoAppReadySeconds: appReadySeconds,
    backups: info
      .split('\n')
      .filter((x) => /backup: /.test(x))
      .map((x) => x.trim()),
  };
  const ok = differing.length === 0 && afterFound === 0 && stillWrong === 0 && audit.ok;
  finish(
    result,
    ok,
    ok
      ? `restored to ${target}: ${tables.length} tables identical to their checksums before the mistake, none of the ${afterIds.length} later visits, audit chain verifies; restore ${restoreSeconds.toFixed(0)} s`
      : 'the restored cluster differs from the moment before the mistake',
  );
}

// ------------------------------------------------------------------------------------------- replica
/** CPU seconds (user + system) of every process of the PostgreSQL whose data folder is `dir`. */
function postgresCpu(dir: string): number {
  const pid = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const tick = 100;
  let total = 0;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(f[1]);
      if (Number(p) === pid || ppid === pid) total += (Number(f[11]) + Number(f[12])) / tick;
    } catch {
      /* gone */
    }
  }
  return total;
}

async function replica() {
  const SECONDS = Number(args.seconds);
  const ROUNDS = 3;
  waitHealthy();
  const fx = await fixture();
  const sql = new pg.Client({ connectionString: schemaUrl(e.DATABASE_URL, SCHEMA) });
  await sql.connect();
  const ledgerVisits = Number(args['ledger-visits']);
  log(`${ledgerVisits} visits of last month for the town's ledger (one insert)`);
  await sql.query(
    `with ps as (select row_number() over (order by id) - 1 as k, p.* from persons p),
          n as (select count(*)::int as c from persons)
     insert into visits (client_id, person_id, visitor_id, town_id, village_id, at, method, outcome, qualifying,
                         answers, checklist_version, recorded_by, recorded_at)
     select gen_random_uuid(), ps.id, ps.visitor_id, ps.town_id, ps.village_id, t.at, 'in_person', 'reached', true,
            $1::jsonb, 1, ps.visitor_id, t.at
       from generate_series(1, $2) g
       join ps on ps.k = g % (select c from n)
       cross join lateral (select date_trunc('month', now()) - interval '1 month' + (g % 2000000) * interval '1 second' as at) t`,
    [JSON.stringify(visitAnswers), ledgerVisits],
  );
  await sql.query('analyze');
  await sql.end();
  waitHealthy();
  const month = new Date(Date.now() - 30 * 86400_000).toISOString().slice(0, 7);
  // One process takes the visits; the ledgers are asked of another, whose reads go to the primary or,
  // with DATABASE_READ_URL, to a replica (as on separate servers; this machine's two cores are shared).
  const writer = await startServer(fx.url, appPort1);
  const onPrimary = await startServer(fx.url, appPort2);
  const onReplica = await startServer(fx.url, appPort2 + 1, {
    DATABASE_READ_URL: schemaUrl(e.DATABASE_READ_URL, SCHEMA),
  });
  const tokens = await Promise.all(fx.visitors.map((v) => login(writer.url, v.username)));
  const officer = await login(writer.url, fx.officers[0]);
  const leader = cluster('leader');
  const nodes = ['pg1', 'pg2', 'pg3'];
  const cpu = () => Object.fromEntries(nodes.map((n) => [n, postgresCpu(join(e.HA_DIR, n, 'data'))]));
  const phases: Record<string, unknown>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of ['none', 'primary', 'replica'] as const) {
      const reader = mode === 'primary' ? onPrimary : mode === 'replica' ? onReplica : null;
      const abort = new AbortController();
      let bytes = 0;
      const ledgerLoop = (async () => {
        while (reader && !abort.signal.aborted) {
          try {
            const res = await fetch(`${reader.url}/api/ledger/visits.xlsx?period=${month}`, {
              headers: { authorization: `Bearer ${officer}` },
              signal: abort.signal,
            });
            const body = res.body!.getReader();
            for (;;) {
              const { done, value } = await body.read();
              if (done) break;
              bytes += value.length;
            }
          } catch {
            /* aborted at the end of the phase */
          }
        }
      })();
      if (reader) await sleep(2000); // the ledger's query is under way
      const cpu0 = cpu();
      const b0 = bytes;
      const t0 = Date.now();
      const l = load(() => writer.url, fx, tokens, 1e9, 10000);
      await sleep(SECONDS * 1000);
      l.stop();
      await l.done;
      const wall = (Date.now() - t0) / 1000;
      const cpu1 = cpu();
      const mb = (bytes - b0) / 1e6;
      abort.abort();
      await ledgerLoop;
      const r = {
        round: round + 1,
        ledgerFrom: mode,
        visitsPerSecond: Number((l.acked.size / wall).toFixed(1)),
        primaryCpu: Number(((cpu1[leader] - cpu0[leader]) / wall).toFixed(2)),
        replicasCpu: Number(
          (nodes.filter((n) => n !== leader).reduce((a, n) => a + cpu1[n] - cpu0[n], 0) / wall).toFixed(2),
        ),
        ledgerMBPerSecond: Number((mb / wall).toFixed(2)),
      };
      log(JSON.stringify(r));
      phases.push(r);
    }
  }
  for (const s of [writer, onPrimary, onReplica]) {
    s.proc.kill('SIGTERM');
    await s.exited;
  }
  const mean = (mode: string, key: string) => {
    const xs = phases.filter((p) => p.ledgerFrom === mode).map((p) => p[key] as number);
    return Number((xs.reduce((a, x) => a + x, 0) / xs.length).toFixed(2));
  };
  const summary = Object.fromEntries(
    ['none', 'primary', 'replica'].map((m) => [
      m,
      {
        visitsPerSecond: mean(m, 'visitsPerSecond'),
        primaryCpu: mean(m, 'primaryCpu'),
        replicasCpu: mean(m, 'replicasCpu'),
        ledgerMBPerSecond: mean(m, 'ledgerMBPerSecond'),
      },
    ]),
  );
  const ratio = summary.replica.visitsPerSecond / summary.none.visitsPerSecond;
  finish(
    {
      drill: 'replica',
      secondsPerPhase: SECONDS,
      rounds: ROUNDS,
      ledgerVisits,
      leader,
      summary,
      phases,
      replicaRateVsNone: Number(ratio.toFixed(3)),
    },
    true,
    `visit rate with a ledger streaming from a replica = ${(100 * ratio).toFixed(1)} % of the rate without (from the primary: ${((100 * summary.primary.visitsPerSecond) / summary.none.visitsPerSecond).toFixed(1)} %)`,
  );
}

const drills: Record<string, () => Promise<void>> = { failover, upgrade, pitr, replica };
if (!drills[command]) {
  console.error(`unknown drill ${command}: failover | upgrade | pitr | replica`);
  process.exit(2);
}
await drills[command]();
