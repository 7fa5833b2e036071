/**
 * Visit schedule benchmark (issue 4): loads N persons and M months of tasks and visits
 * (bench/generate.ts), times task generation for one period (100,000 persons, then everyone), and
 * measures the work lists — a visitor's "my tasks" and a town's list — through HTTP against the raw
 * SQL they ran (replayed), p50/p95.
 *
 *   npx tsx bench/visits.ts --persons 1000000 --months 12 --pg-url postgres://postgres@127.0.0.1:5432/tanfang_b
 *   npx tsx bench/visits.ts --persons 20000 --months 3 --engine pglite
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { buildApp } from '../src/server/app.js';
import { createClock } from '../src/server/clock.js';
import { loadConfig } from '../src/server/config.js';
import type { Ctx } from '../src/server/context.js';
import { createFieldCipher } from '../src/server/crypto/field-cipher.js';
import { type Db, openDb } from '../src/server/db/db.js';
import { migrate } from '../src/server/db/migrate.js';
import { sql } from '../src/server/db/sql.js';
import { hashPassword } from '../src/server/modules/auth/password.js';
import { REGISTRY } from '../src/server/modules/registry.js';
import { generateTasks } from '../src/server/modules/visits/schedule.js';
import { generate } from './generate.js';
import { type EndpointResult, measureEndpoint, recordingDb } from './measure.js';

const { values: args } = parseArgs({
  options: {
    persons: { type: 'string', default: '1000000' },
    months: { type: 'string', default: '12' },
    engine: { type: 'string', default: 'pg' },
    'pg-url': {
      type: 'string',
      default: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/tanfang_b',
    },
    n: { type: 'string', default: '200' },
    port: { type: 'string', default: process.env.PORT || '3122' },
    reuse: { type: 'boolean', default: false },
  },
});
const BENCH_PASSWORD = 'Bench@2026pw';
const NOW = process.env.TANFANG_NOW || '2026-11-20T10:00:00+08:00';
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

async function open(): Promise<Db> {
  if (args.engine === 'pglite') return openDb({});
  if (!args.reuse) {
    const c = new pg.Client({ connectionString: args['pg-url'] });
    await c.connect();
    await c.query('drop schema if exists public cascade; create schema public;');
    await c.end();
  }
  return openDb({ databaseUrl: args['pg-url'] });
}

const raw = await open();
await migrate(raw);
const db = recordingDb(raw);
const config = {
  ...loadConfig({ ...process.env, TANFANG_DATA_DIR: '.tmp/b-bench', TANFANG_NOW: NOW }),
  loginRateMax: 100000,
};
const ctx: Ctx = {
  db,
  clock: createClock(NOW),
  config,
  fields: createFieldCipher([Buffer.alloc(32, 3)], Buffer.alloc(32, 4)),
  registry: REGISTRY,
};
const persons = Number(args.persons);
const months = Number(args.months);
let loadS = 0;
if (!args.reuse) {
  const t0 = performance.now();
  const g = await generate(ctx, {
    persons,
    months,
    log,
    databaseUrl: args.engine === 'pg' ? args['pg-url'] : undefined,
  });
  await raw.exec(sql('analyze'));
  loadS = (performance.now() - t0) / 1000;
  log(`loaded in ${loadS.toFixed(0)} s: ${JSON.stringify(g)}`);
}
const [{ tasks, visits }] = await raw.query<{ tasks: number; visits: number }>(
  sql(
    'select (select count(*) from visit_tasks)::int as tasks, (select count(*) from visits)::int as visits',
  ),
);

// Task generation for the next period: 100,000 persons, then everyone.
const next = new Date(Date.parse(NOW) + 16 * 86400000);
const ids = (
  await raw.query<{ id: number }>(
    sql(`select id from persons where status = 'active' order by id limit 100000`),
  )
).map((r) => r.id);
let t = performance.now();
const g100 = await raw.tx((q) => generateTasks(q, { now: next, personIds: ids }));
const gen100 = (performance.now() - t) / 1000;
t = performance.now();
const gAgain = await raw.tx((q) => generateTasks(q, { now: next, personIds: ids }));
const genAgain = (performance.now() - t) / 1000;
t = performance.now();
const gAll = await raw.tx((q) => generateTasks(q, { now: next }));
const genAll = (performance.now() - t) / 1000;
log(
  `generation: 100k ${gen100.toFixed(1)} s ${JSON.stringify(g100)}; again ${genAgain.toFixed(1)} s; all ${genAll.toFixed(1)} s ${JSON.stringify(gAll)}`,
);
void gAgain;

// Actors: the largest town's officer, a visitor in it, one of their persons.
const [town] = await raw.query<{ town_id: number }>(
  sql('select town_id from persons group by town_id order by count(*) desc limit 1'),
);
// Median load among the visitors with open tasks (one who has finished the month lists nothing).
const [visitor] = await raw.query<{ visitor_id: number; n: number }>(
  sql(`with v as (select visitor_id, count(*)::int n from persons where town_id = $1 and visitor_id is not null
               group by visitor_id),
        o as (select v.* from v where exists (select 1 from visit_tasks t
               where t.visitor_id = v.visitor_id and t.status = 'open'))
   select visitor_id, n from o order by n, visitor_id limit 1 offset (select count(*) / 2 from o)`),
  [town.town_id],
);
let [officer] = await raw.query<{ username: string }>(
  sql(
    `select u.username from users u join user_roles r on r.user_id = u.id where r.role = 'town_officer' and r.area_id = $1 limit 1`,
  ),
  [town.town_id],
);
const benchHash = await hashPassword(BENCH_PASSWORD);
if (!officer) {
  const [u] = await raw.query<{ id: number; username: string }>(
    sql(
      `insert into users (username, display_name, password_hash) values ($1, '压测镇街', $2) returning id, username`,
    ),
    [`bench-town-${town.town_id}`, benchHash],
  );
  await raw.query(sql(`insert into user_roles (user_id, role, area_id) values ($1, 'town_officer', $2)`), [
    u.id,
    town.town_id,
  ]);
  officer = u;
}
await raw.query(sql('update users set password_hash = $1 where username = $2'), [
  benchHash,
  officer.username,
]);
const [vuser] = await raw.query<{ username: string }>(sql('select username from users where id = $1'), [
  visitor.visitor_id,
]);
await raw.query(sql('update users set password_hash = $1 where id = $2'), [benchHash, visitor.visitor_id]);
const [person] = await raw.query<{ id: number }>(
  sql(`select id from persons where visitor_id = $1 and status = 'active' order by id limit 1`),
  [visitor.visitor_id],
);
const [townTasks] = await raw.query<{ n: number }>(
  sql('select count(*)::int as n from visit_tasks where town_id = $1'),
  [town.town_id],
);

const app = await buildApp(ctx);
const port = Number(args.port);
await app.listen({ port, host: '127.0.0.1' });
const base = `http://127.0.0.1:${port}`;
const login = async (username: string) => {
  const r = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: BENCH_PASSWORD }),
  });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { token: string }).token;
};
const vt = await login(vuser.username);
const ot = await login(officer.username);
const N = Number(args.n);
const m = (name: string, url: string, token: string) =>
  measureEndpoint({ name, app, db, baseUrl: base, url, token, n: N });
const page1 = (await (
  await fetch(`${base}/api/visit-tasks?areaId=${town.town_id}&limit=50`, {
    headers: { authorization: `Bearer ${ot}` },
  })
).json()) as {
  nextCursor: string;
};
const rs: EndpointResult[] = [
  await m('visitor: my open tasks', '/api/visit-tasks?assignee=me&status=open&limit=50', vt),
  await m('visitor: my due soon', '/api/visit-tasks?assignee=me&status=due_soon&limit=50', vt),
  await m('visitor: my missed', '/api/visit-tasks?assignee=me&status=missed&limit=50', vt),
  await m('town: open tasks', `/api/visit-tasks?areaId=${town.town_id}&status=open&limit=50`, ot),
  await m('town: all tasks, page 1', `/api/visit-tasks?areaId=${town.town_id}&limit=50`, ot),
  await m(
    'town: all tasks, page 2',
    `/api/visit-tasks?areaId=${town.town_id}&limit=50&cursor=${page1.nextCursor}`,
    ot,
  ),
  await m(
    'town: missed in a month',
    `/api/visit-tasks?areaId=${town.town_id}&status=missed&from=2026-10-01&to=2026-10-31&limit=50`,
    ot,
  ),
  await m('person: visits', `/api/persons/${person.id}/visits?limit=20`, ot),
  await m('person: task history', `/api/persons/${person.id}/visit-tasks?limit=24`, ot),
];
await app.close();
await raw.close();

console.log();
console.log(`## Visits bench (${args.engine}): ${persons.toLocaleString('en')} persons, ${months} months`);
console.log();
console.log(
  `Loaded in ${loadS.toFixed(0)} s: ${tasks.toLocaleString('en')} tasks, ${visits.toLocaleString('en')} visits; largest town has ${townTasks.n.toLocaleString('en')} tasks; the visitor has ${visitor.n} persons.`,
);
console.log();
console.log(
  `Task generation for the next period: 100,000 persons ${gen100.toFixed(1)} s (created ${g100.created}); the same again (idempotent, created ${gAgain.created}) ${genAgain.toFixed(1)} s; all active persons ${genAll.toFixed(1)} s (created ${gAll.created}).`,
);
console.log();
console.log('| endpoint | queries | API p50 | API p95 | SQL p50 | SQL p95 | ratio p50 | ratio p95 |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rs)
  console.log(
    r.status !== 200
      ? `| ${r.name} | answered ${r.status} ${r.note} |`
      : `| ${r.name} | ${r.queries} (${r.reads}/${r.writes}) | ${ms(r.api.p50)} | ${ms(r.api.p95)} | ${ms(r.sql.p50)} | ${ms(r.sql.p95)} | ${r.ratioP50.toFixed(2)} | ${r.ratioP95.toFixed(2)} |`,
  );
const scans = rs.flatMap((r) => r.seqScans.map((s) => `${r.name}: ${s}`));
console.log();
console.log(
  scans.length
    ? `Sequential scans:\n${scans.map((s) => `- ${s}`).join('\n')}`
    : 'No sequential scan over 1,000 rows in these plans.',
);
