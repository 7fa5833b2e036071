/**
 * Oversight benchmark (issue 7): the bureau dashboard (figures of every town for a month) against
 * the grouped SQL behind it, the trends and assessment endpoints, and the peak server memory while
 * the visit ledger streams. Data comes from bench/generate.ts (COPY on PostgreSQL).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/tanfang_f npx tsx bench/oversight.ts --fresh --persons 100000 --months 12
 *
 * The database is reused when it already holds at least --persons persons (--fresh empties it first).
 */
import { parseArgs } from 'node:util';
import { buildApp } from '../src/server/app.js';
import { createClock } from '../src/server/clock.js';
import { loadConfig } from '../src/server/config.js';
import type { Ctx } from '../src/server/context.js';
import { createFieldCipher } from '../src/server/crypto/field-cipher.js';
import { openDb } from '../src/server/db/db.js';
import { migrate } from '../src/server/db/migrate.js';
import { sql } from '../src/server/db/sql.js';
import { hashPassword } from '../src/server/modules/auth/password.js';
import { REGISTRY } from '../src/server/modules/registry.js';
import { insertUser, replaceGrants } from '../src/server/modules/users/repo.js';
import { periodOf, previousPeriod } from '../src/shared/schedule.js';
import { measureEndpoint, recordingDb, withPeakRss } from './measure.js';

const { values: args } = parseArgs({
  options: {
    persons: { type: 'string', default: '100000' },
    months: { type: 'string', default: '12' },
    n: { type: 'string', default: '30' },
    port: { type: 'string', default: process.env.PORT || '3126' },
    now: { type: 'string', default: process.env.TANFANG_NOW || '2026-11-20T10:00:00+08:00' },
    /** Drop and recreate the public schema first (the generator fills an empty database). */
    fresh: { type: 'boolean', default: false },
    /** Which parts: dashboard, trends, assessment, drilldown, ledger, levels (each level of the tree). */
    only: { type: 'string', default: 'dashboard,trends,assessment,drilldown,ledger,levels' },
    /** 'city': nine counties of Ordos' shape (bench/generate.ts); 'district' (default): Dongsheng alone. */
    shape: { type: 'string', default: 'district' },
  },
});
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required (the oversight bench runs on PostgreSQL)');
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

const config = { ...loadConfig({ ...process.env, TANFANG_DATA_DIR: '.tmp/f/bench' }) };
const raw = await openDb({ databaseUrl: url });
if (args.fresh) await raw.exec(sql('drop schema public cascade; create schema public'));
await migrate(raw);
const db = recordingDb(raw);
const ctx: Ctx = {
  db,
  clock: createClock(args.now),
  config,
  fields: createFieldCipher([Buffer.alloc(32, 7)], Buffer.alloc(32, 9)),
  registry: REGISTRY,
};
const persons = Number(args.persons);
const [{ n: have }] = await db.query<{ n: number }>(sql('select count(*)::int as n from persons'));
if (have < persons) {
  log(`generating ${persons} persons, ${args.months} months (database has ${have})`);
  const { generate } = await import('./generate.js');
  const t = performance.now();
  const r = await generate(ctx, {
    persons: persons - have,
    months: Number(args.months),
    databaseUrl: url,
    log,
    shape: args.shape === 'city' ? 'city' : 'district',
  });
  log(`generated in ${((performance.now() - t) / 1000).toFixed(0)} s: ${JSON.stringify(r)}`);
}
const [counts] = await db.query<{
  persons: number;
  tasks: number;
  visits: number;
  towns: number;
  villages: number;
}>(
  sql(`select (select count(*) from persons)::int as persons, (select count(*) from visit_tasks)::int as tasks,
          (select count(*) from visits)::int as visits,
          (select count(*) from areas where level = 'town')::int as towns,
          (select count(*) from areas where level = 'village')::int as villages`),
);
log(`data: ${JSON.stringify(counts)}`);

// A bureau user to ask as.
const username = 'bench-oversight';
const password = 'Bench@2026pw';
const [existing] = await db.query<{ id: number }>(sql('select id from users where username = $1'), [
  username,
]);
if (!existing) {
  // At the root: the district, or the city of the 'city' shape.
  const [district] = await db.query<{ id: number }>(sql('select id from areas where parent_id is null'));
  const id = await insertUser(db, {
    username,
    displayName: '压测督导',
    passwordHash: await hashPassword(password),
    now: ctx.clock.now(),
  });
  await replaceGrants(db, id, [{ role: 'bureau_supervisor', areaId: district.id, department: null }]);
}
const app = await buildApp(ctx);
await app.listen({ port: Number(args.port), host: '127.0.0.1' });
const baseUrl = `http://127.0.0.1:${args.port}`;
const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
const token = login.json().token as string;

const period = periodOf(ctx.clock.now(), 'month');
const last = previousPeriod(period);
const n = Number(args.n);
const rows: string[] = [];
const parts = new Set(args.only!.split(','));
for (const [name, path] of [
  ['bureau dashboard (all towns, this month)', `/api/oversight/metrics?period=${period}`],
  ['bureau dashboard (all towns, last month)', `/api/oversight/metrics?period=${last}`],
  ['trends (12 months, district)', `/api/oversight/trends?period=${period}`],
  ['town assessment', `/api/oversight/assessment?period=${last}`],
  ['drill-down: coverage, first page', `/api/oversight/metrics/coverage/records?period=${last}`],
] as const) {
  const part = name.startsWith('bureau')
    ? 'dashboard'
    : name.startsWith('trends')
      ? 'trends'
      : name.startsWith('town')
        ? 'assessment'
        : 'drilldown';
  if (!parts.has(part)) continue;
  const r = await measureEndpoint({
    name,
    app,
    db,
    baseUrl,
    url: path,
    token,
    n: name.startsWith('trends') ? Math.min(n, 10) : n,
  });
  const line = `${name}: API p50 ${ms(r.api.p50)} ms, p95 ${ms(r.api.p95)} ms; SQL p50 ${ms(r.sql.p50)} ms, p95 ${ms(r.sql.p95)} ms; ratio p95 ${r.ratioP95.toFixed(2)} (${r.reads} queries)${r.status !== 200 ? ` status ${r.status} ${r.note}` : ''}`;
  log(line);
  rows.push(line);
  for (const s of r.seqScans) log(`  seq scan: ${s}`);
}

// Each level of the tree: the dashboard of the root (a city's counties side by side, or a district's
// towns), of one county, one township and one village, and the task list of the root (issue 31).
if (parts.has('levels')) {
  const pick = async (level: string) =>
    (
      await db.query<{ id: number; name: string }>(
        sql(`select a.id, a.name from areas a where a.level = $1
          order by (select count(*) from persons p where p.town_id = a.id or p.village_id = a.id) desc, a.id limit 1`),
        [level],
      )
    )[0];
  const [root] = await db.query<{ id: number; name: string; level: string }>(
    sql('select id, name, level from areas where parent_id is null'),
  );
  const levels: [string, string][] = [
    [`${root.level} ${root.name}`, `/api/oversight/metrics?period=${last}`],
  ];
  for (const level of ['district', 'town', 'village']) {
    if (level === root.level) continue;
    const a = await pick(level);
    if (a) levels.push([`${level} ${a.name}`, `/api/oversight/metrics?period=${last}&areaId=${a.id}`]);
  }
  levels.push([`task list of ${root.name}, first page`, `/api/visit-tasks?limit=50`]);
  for (const [name, path] of levels) {
    const r = await measureEndpoint({ name, app, db, baseUrl, url: path, token, n });
    const line = `level ${name}: API p50 ${ms(r.api.p50)} ms, p95 ${ms(r.api.p95)} ms; SQL p95 ${ms(r.sql.p95)} ms; ratio p95 ${r.ratioP95.toFixed(2)} (${r.reads} queries)${r.status !== 200 ? ` status ${r.status} ${r.note}` : ''}`;
    log(line);
    rows.push(line);
  }
}

// The visit ledger of last month for the whole district, streamed over HTTP: peak resident memory.
if (parts.has('ledger')) {
  const [{ n: ledgerRows }] = await db.query<{ n: number }>(
    sql(`select count(*)::int as n from visits where at >= (select min(window_start) from visit_tasks where period = $1)
     and at < (select max(window_end) from visit_tasks where period = $1)`),
    [last],
  );
  const t = performance.now();
  const {
    result: bytes,
    baseMb,
    peakMb,
  } = await withPeakRss(async () => {
    const res = await fetch(`${baseUrl}/api/ledger/visits.xlsx?period=${last}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    let b = 0;
    for await (const chunk of res.body as any) b += chunk.length;
    return b;
  });
  const secs = (performance.now() - t) / 1000;
  const ledgerLine = `visit ledger ${last}: ~${ledgerRows} rows, ${(bytes / 1048576).toFixed(1)} MB in ${secs.toFixed(1)} s (${Math.round(ledgerRows / secs)} rows/s); process RSS ${baseMb.toFixed(0)} MB before, peak ${peakMb.toFixed(0)} MB`;
  log(ledgerLine);
  rows.push(ledgerLine);
}
console.log(
  `\n## Oversight bench (${counts.persons} persons, ${counts.visits} visits, ${counts.tasks} tasks)\n`,
);
for (const r of rows) console.log(`- ${r}`);
await app.close();
await raw.close();
