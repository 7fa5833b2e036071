/**
 * Outreach benchmark (issue 32): the outreach figures of the district for a quarter (activities and
 * persons reached per town, 政策知晓率 beside them), a drill-down page, the activity list and the
 * activities ledger, each against the SQL behind it. Persons, tasks and visits come from
 * bench/generate.ts; activities are added in SQL: per village and month `--per-village` activities,
 * each reaching a random ~20 % of the village's persons (so most persons are reached several times
 * a quarter — the "counted once" rule is what the figure pays for).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test_out_bench npx tsx bench/outreach.ts --fresh --persons 20000 --months 3
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
import { chinaDate } from '../src/shared/china-time.js';
import { quarterOf } from '../src/shared/outreach.js';
import { measureEndpoint, recordingDb, withPeakRss } from './measure.js';

const { values: args } = parseArgs({
  options: {
    persons: { type: 'string', default: '20000' },
    months: { type: 'string', default: '3' },
    'per-village': { type: 'string', default: '2' },
    n: { type: 'string', default: '20' },
    port: { type: 'string', default: process.env.PORT || '3127' },
    now: { type: 'string', default: process.env.TANFANG_NOW || '2026-11-20T10:00:00+08:00' },
    fresh: { type: 'boolean', default: false },
  },
});
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required (the outreach bench runs on PostgreSQL)');
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

const config = { ...loadConfig({ ...process.env, TANFANG_DATA_DIR: '.tmp/out/bench' }) };
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
  await generate(ctx, { persons: persons - have, months: Number(args.months), databaseUrl: url, log });
  log(`generated in ${((performance.now() - t) / 1000).toFixed(0)} s`);
}

// Activities: per village and month of the quarter so far, each reaching ~20 % of its persons.
const today = chinaDate(ctx.clock.now());
const quarter = quarterOf(today);
const [{ n: acts }] = await db.query<{ n: number }>(
  sql('select count(*)::int as n from outreach_activities'),
);
if (acts === 0) {
  const t = performance.now();
  const per = Number(args['per-village']);
  await db.query(
    sql(`insert into outreach_activities (area_id, town_id, type, held_on, place, organiser_name, services)
         select v.id, v.parent_id, (array['mutual_aid','policy','festival','health'])[1 + (g % 4)],
                (date_trunc('quarter', $1::date) + (m || ' months')::interval + ((g * 7 + v.id) % 27 || ' days')::interval)::date,
                v.name || '村委会', v.name || '委员会', array['精神慰藉','政策宣传']
           from areas v, generate_series(0, 2) m, generate_series(1, $2::int) g
          where v.level = 'village'
            and (date_trunc('quarter', $1::date) + (m || ' months')::interval)::date <= $1::date`),
    [today, per],
  );
  await db.query(sql(`update outreach_activities set held_on = least(held_on, $1::date)`), [today]);
  await db.query(
    sql(`insert into outreach_participants (activity_id, person_id, town_id, village_id, held_on)
         select a.id, p.id, p.town_id, p.village_id, a.held_on
           from outreach_activities a join persons p on p.village_id = a.area_id
          where p.status <> 'ended' and (p.id * 7 + a.id * 13) % 5 = 0`),
  );
  await db.query(
    sql(`update outreach_activities a set participant_count =
           (select count(*) from outreach_participants op where op.activity_id = a.id)`),
  );
  await db.query(sql('analyze outreach_activities; analyze outreach_participants'));
  log(`activities generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
const [counts] = await db.query<{
  persons: number;
  visits: number;
  activities: number;
  participants: number;
}>(
  sql(`select (select count(*) from persons)::int as persons, (select count(*) from visits)::int as visits,
          (select count(*) from outreach_activities)::int as activities,
          (select count(*) from outreach_participants)::int as participants`),
);
log(`data: ${JSON.stringify(counts)}`);

const username = 'bench-outreach';
const password = 'Bench@2026pw';
const [existing] = await db.query<{ id: number }>(sql('select id from users where username = $1'), [
  username,
]);
if (!existing) {
  const [district] = await db.query<{ id: number }>(
    sql(`select id from areas where level = 'district' limit 1`),
  );
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
const [town] = await db.query<{ id: number }>(
  sql(`select town_id as id from persons group by town_id order by count(*) desc limit 1`),
);

const rows: string[] = [];
for (const [name, path] of [
  ['outreach figures, district, quarter (per town)', `/api/outreach/figures?period=${quarter}`],
  [
    'outreach figures, largest town, quarter (per village)',
    `/api/outreach/figures?period=${quarter}&areaId=${town.id}`,
  ],
  [
    'drill-down: persons reached, district, first page',
    `/api/outreach/figures/records?figure=outreachPersonsReached&period=${quarter}`,
  ],
  ['activity list, district, first page', '/api/outreach/activities?pageSize=50'],
] as const) {
  const r = await measureEndpoint({ name, app, db, baseUrl, url: path, token, n: Number(args.n) });
  const line = `${name}: API p50 ${ms(r.api.p50)} ms, p95 ${ms(r.api.p95)} ms; SQL p50 ${ms(r.sql.p50)} ms, p95 ${ms(r.sql.p95)} ms; ratio p95 ${r.ratioP95.toFixed(2)} (${r.reads} queries)${r.status !== 200 ? ` status ${r.status} ${r.note}` : ''}`;
  log(line);
  rows.push(line);
  for (const s of r.seqScans) log(`  seq scan: ${s}`);
}

const t = performance.now();
const {
  result: bytes,
  baseMb,
  peakMb,
} = await withPeakRss(async () => {
  const res = await fetch(`${baseUrl}/api/outreach/activities.xlsx?period=${quarter}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  let b = 0;
  for await (const chunk of res.body as any) b += chunk.length;
  return b;
});
const secs = (performance.now() - t) / 1000;
const ledgerLine = `activities ledger ${quarter} (district): ${counts.activities} activities + ${counts.participants} participant rows, ${(bytes / 1048576).toFixed(1)} MB in ${secs.toFixed(1)} s; process RSS ${baseMb.toFixed(0)} MB before, peak ${peakMb.toFixed(0)} MB`;
log(ledgerLine);
rows.push(ledgerLine);

console.log(
  `\n## Outreach bench (${counts.persons} persons, ${counts.visits} visits, ${counts.activities} activities, ${counts.participants} participants)\n`,
);
for (const r of rows) console.log(`- ${r}`);
await app.close();
await raw.close();
