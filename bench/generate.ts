/**
 * Benchmark data: N persons spread over a district tree grown to ~250 persons per village, one
 * visitor per ~25 persons, and M months of visit history (regular tasks per period, one visit per
 * done task with a full checklist). Persons and users are made in JavaScript (encrypted ID numbers)
 * and loaded with COPY on PostgreSQL (batched `unnest` inserts on PGlite, which has no COPY FROM
 * STDIN through its query API); tasks and visits are derived in SQL (`insert … select`), which is
 * faster than sending them.
 *
 *   npx tsx bench/generate.ts --persons 100000 --months 12     (DATABASE_URL, or the embedded db in .tmp/bench/db)
 *
 * Used by bench/run.ts (`npm run bench`).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Ctx } from '../src/server/context.js';
import type { Queryable } from '../src/server/db/db.js';
import { sql } from '../src/server/db/sql.js';
import { insertArea, insertRootAbove } from '../src/server/modules/areas/repo.js';
import { hashPassword } from '../src/server/modules/auth/password.js';
import { answersToStored } from '../src/server/modules/visits/stored-answers.js';
import { seedAreas } from '../src/server/seed/demo.js';
import { fakeIdNumber } from '../src/server/seed/fake.js';
import {
  CHECKLIST_V1,
  fineAnswers,
  VISIT_METHOD_LABELS,
  VISIT_OUTCOME_LABELS,
} from '../src/shared/checklist.js';
import { maskIdNumber } from '../src/shared/id-card.js';
import { periodOf, periodWindow } from '../src/shared/schedule.js';

export interface GenerateOptions {
  persons: number;
  months: number;
  /** PostgreSQL URL for COPY; without it rows go in through batched inserts (PGlite). */
  databaseUrl?: string;
  log?: (s: string) => void;
  /**
   * 'district' (the default): Dongsheng's towns grown with villages, 250 persons a village. 'city': a
   * city of 9 counties (Dongsheng and 8 more of 区/旗, ~100 townships among them, some 苏木) with
   * ~1,000 villages (some 嘎查) at 1,000,000 persons — the shape of Ordos (issue 31).
   */
  shape?: 'district' | 'city';
}

/** The city of the 'city' shape: 8 counties besides Dongsheng, each with its townships. */
const CITY = { code: '150600', name: '鄂尔多斯市' };
const COUNTIES = [
  '达拉特旗',
  '准格尔旗',
  '鄂托克前旗',
  '鄂托克旗',
  '杭锦旗',
  '乌审旗',
  '伊金霍洛旗',
  '康巴什区',
];
const TOWNSHIPS_PER_COUNTY = 11;

/** The password of every generated user (bench scripts log in with it). */
export const BENCH_PASSWORD = 'Bench@2026pw';

const PERSONS_PER_VILLAGE = 250;
const PERSONS_PER_VISITOR = 25;
const SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢';
const GIVEN = '秀英桂兰玉凤建华志强海军永明春梅金花淑珍国庆丽娟文宝山巴特尔其格乌云娜仁图苏和';

/** Deterministic 0..99 from an integer, so a run is reproducible. */
const pct = (i: number, salt: number) => (Math.imul(i ^ salt, 2654435761) >>> 0) % 100;

/** COPY text format: tab-separated, \N for null, backslash escapes. */
function copyLine(values: unknown[]): string {
  return `${values
    .map((v) =>
      v == null ? '\\N' : String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n'),
    )
    .join('\t')}\n`;
}

async function load(
  ctx: Ctx,
  url: string | undefined,
  table: string,
  columns: string[],
  types: string[],
  rows: () => Iterable<unknown[]>,
) {
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    // Generated rows are consistent: skip foreign-key checks and row triggers while copying.
    await client.query('set session_replication_role = replica');
    try {
      const stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
      await pipeline(
        Readable.from(
          (function* () {
            let buf = '';
            for (const r of rows()) {
              buf += copyLine(r);
              if (buf.length > 1 << 16) {
                yield buf;
                buf = '';
              }
            }
            if (buf) yield buf;
          })(),
        ),
        stream,
      );
    } finally {
      await client.end();
    }
    return;
  }
  let batch: unknown[][] = [];
  const flush = async () => {
    if (!batch.length) return;
    const cols = columns.map((_, i) => batch.map((r) => r[i]));
    // Array columns travel as their text form (unnest would flatten a 2-D array).
    const select = types.map((t, i) => (t.endsWith('[]') ? `c${i}::${t}` : `c${i}`)).join(', ');
    const params = types.map((t, i) => `$${i + 1}::${t.endsWith('[]') ? 'text' : t}[]`).join(', ');
    const names = types.map((_, i) => `c${i}`).join(', ');
    await ctx.db.query(
      sql(
        `insert into ${table} (${columns.join(', ')}) select ${select} from unnest(${params}) as u(${names})`,
      ),
      cols,
    );
    batch = [];
  };
  for (const r of rows()) {
    batch.push(r);
    if (batch.length >= 5000) await flush();
  }
  await flush();
}

export async function generate(ctx: Ctx, o: GenerateOptions) {
  const log = o.log ?? (() => {});
  const db = ctx.db;
  const now = ctx.clock.now();
  const N = o.persons;
  const t0 = performance.now();
  const lap = (what: string) => log(`${what} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);

  // Areas: the real district tree, grown with extra villages under its towns (and, for a city, the
  // city above it with eight more counties of townships).
  await db.tx((q) => seedAreas(q));
  if (o.shape === 'city') {
    await db.tx(async (q: Queryable) => {
      const [root] = await q.query<{ id: number; level: string }>(
        sql('select id, level from areas where parent_id is null'),
      );
      const city =
        root.level === 'city'
          ? root.id
          : (await insertRootAbove(q, { code: CITY.code, name: CITY.name, level: 'city', kind: '市' })).id;
      for (const [i, name] of COUNTIES.entries()) {
        const code = `1506${String(21 + i).padStart(2, '0')}`;
        const [had] = await q.query<{ id: number }>(sql('select id from areas where code = $1'), [code]);
        if (had) continue;
        const county = await insertArea(q, { parentId: city, code, name, level: 'district' });
        for (let t = 0; t < TOWNSHIPS_PER_COUNTY; t++) {
          const kind = t % 3 === 2 ? '苏木' : t % 3 === 1 ? '街道' : '镇';
          await insertArea(q, {
            parentId: county.id,
            code: `${code}${String(100 + t)}`,
            name: `${name.slice(0, 2)}${t + 1}${kind}`,
            level: 'town',
          });
        }
      }
    });
  }
  const towns = await db.query<{ id: number; code: string; kind: string }>(
    sql(`select id, code, kind from areas where level = 'town' order by id`),
  );
  const want = Math.ceil(N / (o.shape === 'city' ? 1000 : PERSONS_PER_VILLAGE));
  const [{ n: have }] = await db.query<{ n: number }>(
    sql(`select count(*)::int as n from areas where level = 'village'`),
  );
  await db.tx(async (q: Queryable) => {
    for (let k = have; k < want; k++) {
      const town = towns[k % towns.length];
      await insertArea(q, {
        parentId: town.id,
        code: `${town.code}${String(100 + Math.floor(k / towns.length)).padStart(3, '0')}`,
        name: town.kind === '苏木' ? `压测${k + 1}嘎查` : `压测村${k + 1}`,
        level: 'village',
      });
    }
  });
  const villages = await db.query<{ id: number; parent_id: number }>(
    sql(`select id, parent_id from areas where level = 'village' order by id`),
  );
  const V = villages.length;
  lap(`${V} villages`);

  // Visitors: visitor j belongs to village j % V.
  const perVillage = Math.ceil(N / V / PERSONS_PER_VISITOR);
  const visitors = V * perVillage;
  const hash = await hashPassword(BENCH_PASSWORD);
  const [{ base: userBase }] = await db.query<{ base: number }>(
    sql(`select coalesce(max(id), 0)::int as base from users`),
  );
  await load(
    ctx,
    o.databaseUrl,
    'users',
    ['username', 'display_name', 'password_hash', 'visitor_type'],
    ['text', 'text', 'text', 'text'],
    function* () {
      for (let j = 0; j < visitors; j++) yield [`bv${j}`, `探访员${j}`, hash, 'cadre'];
    },
  );
  const visitorIds = (
    await db.query<{ id: number }>(
      sql(`select id from users where id > $1 and username like 'bv%' order by id`),
      [userBase],
    )
  ).map((r) => r.id);
  await load(
    ctx,
    o.databaseUrl,
    'user_roles',
    ['user_id', 'role', 'area_id'],
    ['int', 'text', 'int'],
    function* () {
      for (let j = 0; j < visitorIds.length; j++) yield [visitorIds[j], 'visitor', villages[j % V].id];
    },
  );
  lap(`${visitors} visitors`);

  // Persons: person i lives in village i % V and is visited by one of that village's visitors.
  const f = ctx.fields;
  await load(
    ctx,
    o.databaseUrl,
    'persons',
    [
      'name',
      'id_number_enc',
      'id_number_hash',
      'id_number_masked',
      'birth_date',
      'sex',
      'town_id',
      'village_id',
      'status',
      'status_since',
      'end_reason',
      'support_start',
      'self_care',
      'tier',
      'flags',
      'visitor_id',
    ],
    [
      'text',
      'text',
      'text',
      'text',
      'date',
      'text',
      'int',
      'int',
      'text',
      'date',
      'text',
      'date',
      'text',
      'text',
      'text[]',
      'int',
    ],
    function* () {
      for (let i = 0; i < N; i++) {
        const v = i % V;
        const k = Math.floor(i / V);
        const seq = Math.floor(i / 21900) % 1000;
        const sex = seq % 2 === 1 ? 'male' : 'female';
        const birth = new Date(Date.UTC(1930, 0, 1) + (i % 21900) * 86400000).toISOString().slice(0, 10);
        const id = fakeIdNumber(birth, sex, seq, '150602');
        const p = pct(i, 17);
        const selfCare = p < 65 ? 'capable' : p < 90 ? 'partial' : 'none';
        const s = pct(i, 29);
        const status = s < 97 ? 'active' : s < 98 ? 'paused' : 'ended';
        const start = `${2010 + (i % 14)}-${String((i % 12) + 1).padStart(2, '0')}-01`;
        const flags = pct(i, 41) < 15 ? '{lives_alone}' : pct(i, 43) < 5 ? '{severe_disability}' : '{}';
        yield [
          SURNAMES[i % SURNAMES.length] + GIVEN[(i * 7) % GIVEN.length] + GIVEN[(i * 13) % GIVEN.length],
          f.encrypt(id),
          f.hash(id),
          maskIdNumber(id),
          birth,
          sex,
          villages[v].parent_id,
          villages[v].id,
          status,
          status === 'active' ? start : '2026-06-01',
          status === 'ended' ? 'death' : null,
          start,
          selfCare,
          selfCare === 'capable' ? 'general' : 'key',
          flags,
          visitorIds[v + V * (k % perVillage)],
        ];
      }
    },
  );
  lap(`${N} persons`);
  await db.query(
    sql(`insert into person_assignments (person_id, visitor_id, kind, from_at)
     select id, visitor_id, 'responsible', support_start::timestamptz from persons where visitor_id is not null and status <> 'ended'`),
  );
  lap('assignments');

  // History: for each month up to now, the regular tasks of every active person (monthly for the
  // general tier, half-monthly for the key tier); ~93% done with one visit each, the rest missed;
  // tasks of the current periods are open unless visited already.
  const answers = JSON.stringify(
    answersToStored(fineAnswers(CHECKLIST_V1, { heating: false, flood: false })),
  );
  const periods: { period: string; tier: 'general' | 'key' }[] = [];
  const thisMonth = periodOf(now, 'month');
  let m = thisMonth;
  for (let k = 0; k < o.months; k++) {
    periods.unshift({ period: `${m}-2`, tier: 'key' }, { period: `${m}-1`, tier: 'key' });
    periods.unshift({ period: m, tier: 'general' });
    m = periodOf(new Date(periodWindow(m).start.getTime() - 86400000), 'month');
  }
  // On PostgreSQL the history goes in on two dedicated connections (one per core: each period is two
  // statements, each running on one PostgreSQL backend; with one connection the second core idled)
  // with the secondary indexes of the big tables dropped (rebuilt once at the end, which is several
  // times faster than maintaining ten indexes row by row) and triggers off
  // (`session_replication_role = replica`: foreign-key checks and row triggers; the data is generated
  // consistent). PGlite loads 10,000 persons as it is, on its one connection.
  const bulk = o.databaseUrl
    ? await bulkLoader(o.databaseUrl, ['visit_tasks', 'visits', 'person_events'], log, 2)
    : null;
  const connections: Pick<Queryable, 'query'>[] = bulk?.connections ?? [db];
  const [{ base: taskBase0 }] = await db.query<{ base: number }>(
    sql(`select coalesce(max(id), 0)::int as base from visit_tasks`),
  );
  // Each period's task ids are fixed before any is written (the count of its persons, the same
  // condition as its insert), so periods can go in in any order and on any connection and still make
  // the same rows: ids and the salts derived from them do not depend on which finished first.
  const plan: {
    period: string;
    tier: 'general' | 'key';
    w: ReturnType<typeof periodWindow>;
    current: boolean;
    span: number;
    donePct: number;
    base: number;
    n: number;
  }[] = [];
  let taskBase = taskBase0;
  for (const { period, tier } of periods) {
    const w = periodWindow(period);
    if (w.start > now) continue;
    const current = w.end > now;
    const span = Math.max(
      1,
      Math.floor((Math.min(w.end.getTime(), now.getTime()) - w.start.getTime()) / 1000) - 60,
    );
    // done: past periods 93%; the current one in proportion to the time gone.
    const donePct = current ? Math.floor((93 * span) / ((w.end.getTime() - w.start.getTime()) / 1000)) : 93;
    const [{ n }] = await db.query<{ n: number }>(
      sql(`select count(*)::int as n from persons p
        where p.status = 'active' and p.tier = $1 and p.support_start < $2::timestamptz`),
      [tier, w.start],
    );
    plan.push({ period, tier, w, current, span, donePct, base: taskBase, n });
    taskBase += n;
  }
  let tasks = 0;
  let visits = 0;
  const todo = [...plan];
  const worker = async (hq: Pick<Queryable, 'query'>) => {
    for (let job = todo.shift(); job; job = todo.shift()) {
      const { period, tier, w, current, span, donePct, base } = job;
      const [{ n }] = await hq.query<{ n: number }>(
        sql(`with src as (
           select p.id as person_id, p.visitor_id, p.town_id, p.village_id,
                  $1::bigint + row_number() over (order by p.id) as task_id,
                  ((p.id * 2654435761::bigint + $9::int) % 100) as r,
                  -- the visit's second in the window: spread over the whole window (with r alone there
                  -- were 93 instants per period, thousands of visits at each)
                  ((p.id * 40503::bigint + $9::int * 7919) % $10::bigint) as s
             from persons p where p.status = 'active' and p.tier = $2 and p.support_start < $4::timestamptz
         ), t as (
           insert into visit_tasks (id, person_id, kind, period, tier, window_start, window_end, due_date, visitor_id,
                                    town_id, village_id, status, status_at, visit_id, created_at)
           overriding system value
           select task_id, person_id, 'regular', $3, $2, $4, $5, $6::date, visitor_id, town_id, village_id,
                  case when r < $7 then 'done' when $8 then 'open' else 'missed' end,
                  case when r < $7 then $4::timestamptz + s * interval '1 second'
                       when $8 then null else $5::timestamptz end,
                  case when r < $7 then task_id end,
                  $4
             from src
           returning 1
         ) select count(*)::int as n from t`),
        [base, tier, period, w.start, w.end, w.endDate, donePct, current, (base - taskBase0) % 97, span],
      );
      if (n !== job.n) throw new Error(`${period}: ${n} tasks written, ${job.n} counted before`);
      // Each visit with its row on the person's timeline, as a recorded visit writes it (visits/repo.ts).
      const [{ v }] = await hq.query<{ v: number }>(
        sql(`with ins as (
           insert into visits (id, client_id, person_id, visitor_id, town_id, village_id, at, method, outcome, qualifying,
                               duration_minutes, checklist_version, answers, recorded_by, recorded_at)
           overriding system value
           select t.id, md5('bench' || t.id)::uuid, t.person_id, t.visitor_id, t.town_id, t.village_id, t.status_at,
                  case when t.id % 10 = 0 then 'phone' else 'in_person' end, 'reached', true,
                  20 + (t.id % 40)::int, 1, $2::jsonb, t.visitor_id, t.status_at
             -- in the order of their time, as visits arrive in a real database: the ledger reads a
             -- month on (at, id), and in the persons' order it read the month's heap at random. The
             -- narrow rows are sorted (a subquery with ORDER BY stays a subquery), the answers added
             -- after: sorting them too spilled ~1.7 GB a month to disk (history 433 s instead of ~280).
             from (select id, person_id, visitor_id, town_id, village_id, status_at from visit_tasks
                    where period = $1 and status = 'done' and id > $3 and id <= $3::bigint + $6::int
                    order by status_at, id) t
           returning id, person_id, visitor_id, at, method
         ), ev as (
           insert into person_events (person_id, at, kind, title, detail, actor_id, ref_entity, ref_id)
           select person_id, at, 'visit', case when method = 'phone' then $4 else $5 end,
                  jsonb_build_object('method', method, 'outcome', 'reached', 'completedTasks', 1),
                  visitor_id, 'visit', id::text
             from ins
         ) select count(*)::int as v from ins`),
        [period, answers, base, visitTitle('phone'), visitTitle('in_person'), n],
      );
      tasks += n;
      visits += v;
      lap(`${period}: ${n} tasks, ${v} visits`);
    }
  };
  await Promise.all(connections.map(worker));
  if (bulk) await bulk.finish();
  for (const t of ['visit_tasks', 'visits']) {
    await db.query(
      sql(
        `select setval(pg_get_serial_sequence('${t}', 'id'), greatest((select coalesce(max(id), 0) from ${t}), 1))`,
      ),
    );
  }
  await db.exec(sql('analyze'));
  lap('analyze');
  return { villages: V, visitors, persons: N, tasks, visits };
}

/** The timeline title of a reached visit, as visits/service.ts writes it. */
function visitTitle(method: 'phone' | 'in_person'): string {
  return `${VISIT_METHOD_LABELS[method]}：${VISIT_OUTCOME_LABELS.reached}`;
}

/**
 * Connections for bulk loading `tables`: their secondary indexes dropped (definitions kept) and
 * triggers off; `finish()` rebuilds the indexes (two at a time, one per core) and closes.
 */
async function bulkLoader(url: string, tables: string[], log: (s: string) => void, count: number) {
  const clients = await Promise.all(
    Array.from({ length: count }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`set session_replication_role = replica; set jit = off; set work_mem = '256MB'`);
      return c;
    }),
  );
  const client = clients[0];
  const { rows: indexes } = await client.query<{ name: string; def: string }>(
    `select i.relname as name, pg_get_indexdef(i.oid) as def
       from pg_index x join pg_class i on i.oid = x.indexrelid
      where x.indrelid = any($1::regclass[]) and not x.indisprimary
        and not exists (select 1 from pg_constraint c where c.conindid = i.oid)`,
    [tables],
  );
  for (const ix of indexes) await client.query(`drop index ${ix.name}`);
  return {
    connections: clients.map((c) => ({
      query: async <T>(sql: string, params: unknown[] = []) => (await c.query(sql, params)).rows as T[],
    })),
    async finish() {
      await Promise.all(clients.map((c) => c.end()));
      const t0 = performance.now();
      const todo = [...indexes];
      const worker = async () => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`set maintenance_work_mem = '1GB'; set max_parallel_maintenance_workers = 0`);
        for (let ix = todo.shift(); ix; ix = todo.shift()) await c.query(ix.def);
        await c.end();
      };
      await Promise.all([worker(), worker()]);
      log(`${indexes.length} indexes rebuilt in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    },
  };
}
