/**
 * Visit submission throughput, before and after a change, on the same generated database: bench/run.ts's
 * request (one visitor, 8 connections, the full checklist, in person) against a server of this checkout
 * and one of another checkout (`--base`, e.g. a worktree at the commit before the change), alternating
 * in rounds so that a drift of the machine falls on both. The database is a copy of bench/run.ts's
 * template (`npm run bench -- --only pgdata --persons 1000000 --months 3`); each round's visits are
 * deleted afterwards (those above the highest id before it), so every round starts from the same data.
 *
 *   npx tsx bench/submit-ab.ts --base /work/wt/base --db postgres://postgres@127.0.0.1:5432/tanfang_bench_tpl_1000000x3
 *     --rounds 4 --seconds 15 [--profile DIR] [--setting authenticity.maxPerDay=60 --setting-for new]
 *
 * `--base` may be this checkout itself, to compare a setting (e.g. flagged visits or not) on one code.
 *
 * The base checkout needs `npm ci` and its compiled server (`node bin/server-build.mjs`); it runs on the
 * newer schema (columns it does not know have defaults).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDb } from '../src/server/db/db.js';
import { pickActors, visitLoad } from './fixtures.js';
import { BENCH_PASSWORD } from './generate.js';
import { machineWindow } from './measure.js';
import { ROOT, type Server, startServer } from './trust-setup.js';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    db: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/tanfang_bench_tpl_1000000x3' },
    rounds: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '15' },
    connections: { type: 'string', default: '8' },
    port: { type: 'string', default: '3190' },
    // A system-wide setting for the run, key=json (e.g. authenticity.maxPerDay=60: no visit flagged
    // "too many"); removed at the end. The base code ignores keys it does not know.
    setting: { type: 'string' },
    'setting-for': { type: 'string', default: 'both' },
    // A V8 CPU profile of each server (node --cpu-prof) into DIR/<round>-<base|new>/.
    profile: { type: 'string' },
  },
});
if (!args.base) throw new Error('--base <checkout of the code before the change> is required');
const NOW = '2026-11-20T10:00:00+08:00'; // bench/run.ts's clock: the generated data's "today"
const SECRET = 'b'.repeat(64); // bench/run.ts's key: the generated persons' fields are encrypted with it
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

const db = await openDb({ databaseUrl: args.db! });
const actors = await pickActors(db);
await db.close();
log(`visitor ${actors.visitor}: ${actors.visitorPersonIds.length} persons`);

const VISIT_AT = new Date(Date.parse(NOW) - 3600000); // bench/run.ts's visit time

async function sql(text: string, params: unknown[] = []) {
  const c = new pg.Client({ connectionString: args.db });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

/** User + system CPU time of a process in ms (0 once it is gone). */
function cpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / TICKS;
  } catch {
    return 0;
  }
}
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

async function once(label: string, root: string) {
  const [{ top }] = await sql('select coalesce(max(id), 0)::text as top from visits');
  const server: Server = await startServer(
    args.db!,
    Number(args.port),
    { TANFANG_SECRET_KEY: SECRET, TANFANG_NOW: NOW, TANFANG_LOGIN_RATE_MAX: '1000' },
    args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}/${label.replace(/\W+/g, '-')}`] : [],
    root,
  );
  try {
    const r = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: actors.visitor, password: BENCH_PASSWORD }),
    });
    if (!r.ok) throw new Error(`login: ${r.status} ${await r.text()}`);
    const token = ((await r.json()) as { token: string }).token;
    const fire = (seconds: number) =>
      visitLoad({
        url: server.url,
        token,
        personIds: actors.visitorPersonIds,
        at: VISIT_AT,
        connections: Number(args.connections),
        duration: seconds,
      });
    await fire(2); // warm-up: the pool's connections open, the JIT settles
    // CPU time of the server process and of the database's backends serving it: what a visit costs,
    // which other work on the machine moves far less than it moves visits/s.
    const backends = (
      await sql(
        'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      )
    ).map((x) => Number(x.pid));
    const pids = [server.proc.pid!, ...backends];
    const cpu0 = pids.map(cpuMs);
    const window = machineWindow();
    const result = await fire(Number(args.seconds));
    const m = window();
    const used = pids.map((pid, k) => cpuMs(pid) - cpu0[k]);
    const cpuUsed = used.reduce((n, c) => n + c, 0);
    const serverPerVisit = used[0] / Math.max(1, result['2xx']);
    const perS = result['2xx'] / Number(args.seconds);
    const cpuPerVisit = cpuUsed / Math.max(1, result['2xx']);
    log(
      `${label}: ${perS.toFixed(0)} visits/s, CPU ${cpuPerVisit.toFixed(2)} ms a visit (server ${serverPerVisit.toFixed(2)} + ${pids.length - 1} backends ${(cpuPerVisit - serverPerVisit).toFixed(2)}), p50 ${result.latency.p50} ms, p97.5 ${result.latency.p97_5} ms, non-2xx ${result.non2xx}, errors ${result.errors}${m ? `; cpu busy ${m.busy.toFixed(0)}%, load ${m.load}` : ''}`,
    );
    return { perS, cpuPerVisit };
  } finally {
    server.proc.kill('SIGTERM');
    await Promise.race([server.exited, new Promise((r) => setTimeout(r, 15000))]);
    // Every round starts from the same data: this round's visits (and what they wrote) go.
    await sql(
      `update visit_tasks set status = 'open', status_at = null, status_reason = null, visit_id = null
        where visit_id > $1`,
      [top],
    );
    await sql('delete from visits where id > $1', [top]);
    await sql('vacuum analyze visits, visit_tasks');
  }
}

const setting = args.setting?.match(/^([\w.]+)=(.+)$/);
if (args.setting && !setting) throw new Error('--setting key=json');
const unset = () => setting && sql('delete from settings where area_id is null and key = $1', [setting[1]]);
/** The setting in force for a run of `which` (`--setting-for` base, new or both). */
async function settingFor(which: 'base' | 'new') {
  if (!setting) return;
  await unset();
  if (args['setting-for'] !== 'both' && args['setting-for'] !== which) return;
  await sql('insert into settings (area_id, key, value) values (null, $1, $2::jsonb)', [
    setting[1],
    setting[2],
  ]);
}
const runs: Record<'base' | 'new', { perS: number; cpuPerVisit: number }[]> = { base: [], new: [] };
for (let round = 0; round < Number(args.rounds); round++) {
  const order: ('base' | 'new')[] = round % 2 ? ['new', 'base'] : ['base', 'new'];
  for (const which of order) {
    await settingFor(which);
    runs[which].push(await once(`round ${round + 1} ${which}`, which === 'base' ? args.base! : ROOT));
  }
}
const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const summary = (key: 'perS' | 'cpuPerVisit', digits: number, unit: string) => {
  const b = runs.base.map((r) => r[key]);
  const n = runs.new.map((r) => r[key]);
  const mb = median(b);
  const mn = median(n);
  log(
    `median ${unit}: base ${mb.toFixed(digits)} (${b.map((x) => x.toFixed(digits)).join(', ')}), new ${mn.toFixed(digits)} (${n.map((x) => x.toFixed(digits)).join(', ')}): ${(((mn - mb) / mb) * 100).toFixed(1)} %`,
  );
};
summary('perS', 0, 'visits/s');
summary('cpuPerVisit', 2, 'CPU ms a visit');
await unset();
