/**
 * What one visit submission allocates in the server, by function: bench/run.ts's request (one
 * visitor, 8 connections, the full checklist, in person) N times against the server of a checkout
 * (this one, or another to compare), with the inspector's sampling heap profiler counting collected
 * objects too (bench/heap-sampling.mjs). Prints KB a visit, the top functions by their own and by
 * inclusive allocation. The database is bench/run.ts's template (`npm run bench -- --only pgdata
 * --persons 1000000 --months 3`); the visits written are deleted at the end.
 *
 *   npx tsx bench/visit-alloc.ts [checkout, default this one] [visits, default 3000]
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openDb } from '../src/server/db/db.js';
import { pickActors, visitLoad } from './fixtures.js';
import { BENCH_PASSWORD } from './generate.js';

const root = process.argv[2] ?? join(import.meta.dirname, '..');
const N = Number(process.argv[3] ?? 3000);
const port = 3301;
const dbUrl = 'postgres://postgres@127.0.0.1:5432/tanfang_bench_tpl_1000000x3';
const db = await openDb({ databaseUrl: dbUrl });
const actors = await pickActors(db);
await db.close();
const c = new pg.Client({ connectionString: dbUrl });
await c.connect();
const [{ top }] = (await c.query('select coalesce(max(id),0)::text as top from visits')).rows;
const out = `/tmp/alloc-${root.replace(/\W/g, '_')}.heapprofile`;
rmSync(out, { force: true });
const proc = spawn(
  process.execPath,
  ['--import', join(import.meta.dirname, 'heap-sampling.mjs'), join(root, 'bin/tanfang.mjs'), 'start'],
  {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      HEAPPROF_OUT: out,
      PORT: String(port),
      DATABASE_URL: dbUrl,
      TANFANG_SECRET_KEY: 'b'.repeat(64),
      TANFANG_NOW: '2026-11-20T10:00:00+08:00',
      TANFANG_DEMO: '0',
      TANFANG_JOBS: '0',
      TANFANG_LOGIN_RATE_MAX: '1000',
      TANFANG_IDLE_MINUTES: '600',
      LOG_LEVEL: 'warn',
    },
  },
);
const url = `http://127.0.0.1:${port}`;
for (let i = 0; i < 600; i++) {
  try {
    if ((await fetch(`${url}/api/health?probe=ready`)).ok) break;
  } catch {}
  await new Promise((r) => setTimeout(r, 100));
}
const token = (
  (await (
    await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: actors.visitor, password: BENCH_PASSWORD }),
    })
  ).json()) as any
).token;
const fire = (amount: number) =>
  visitLoad({
    url,
    token,
    personIds: actors.visitorPersonIds,
    at: new Date(Date.parse('2026-11-20T10:00:00+08:00') - 3600000),
    amount,
  });
await fire(500);
proc.kill('SIGUSR2');
await new Promise((r) => setTimeout(r, 500));
const r = await fire(N);
proc.kill('SIGUSR2');
for (let k = 0; k < 100 && !existsSync(out); k++) await new Promise((r) => setTimeout(r, 200));
await new Promise((r) => setTimeout(r, 500));
proc.kill('SIGTERM');
const p = JSON.parse(readFileSync(out, 'utf8'));
const self = new Map<string, number>();
const incl = new Map<string, number>();
let total = 0;
const walk = (n: any, stack: string[]) => {
  const f = n.callFrame;
  const key = `${f.functionName || '(anon)'} ${f.url.replace(/.*\/(node_modules|dist|src)\//, '$1/')}:${f.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + n.selfSize);
  total += n.selfSize;
  const st = stack.includes(key) ? stack : [...stack, key];
  for (const k of st) incl.set(k, (incl.get(k) ?? 0) + n.selfSize);
  for (const ch of n.children) walk(ch, st);
};
walk(p.head, []);
console.log(root, 'visits', r['2xx'], 'sampled KB/visit', (total / 1024 / r['2xx']).toFixed(1));
const show = (m: Map<string, number>, label: string, n: number) => {
  console.log('--', label);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n))
    console.log((v / 1024 / r['2xx']).toFixed(1).padStart(7), k);
};
show(self, 'self KB/visit', 25);
show(incl, 'inclusive KB/visit', 45);
await c.query(
  `update visit_tasks set status = 'open', status_at = null, status_reason = null, visit_id = null where visit_id > $1`,
  [top],
);
await c.query('delete from visits where id > $1', [top]);
await c.end();
