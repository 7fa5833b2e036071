/**
 * Photos and files at scale (issue 33). On PostgreSQL: N persons and M months of history
 * (bench/generate.ts), then one photo at the phone's budget on in-person visits (a share, --share)
 * with sizes as the browser test measured for busy scenes (120–250 KB, mean ~190 KB, incompressible
 * like JPEG). It reports the database size with the files in it and after `files migrate` moved them
 * to a folder store; visit submission with one photo through HTTP (per second, p50/p95) with the
 * files in the database and in the folder; the migration's rate; backup and restore times and sizes
 * (bytea inline; folder store with the files included; folder store external).
 *
 *   npx tsx bench/files.ts --persons 20000 --months 3 --pg-url postgres://postgres@127.0.0.1:5432/test_files_bench
 */

import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { buildApp } from '../src/server/app.js';
import { createClock } from '../src/server/clock.js';
import { type Config, loadConfig } from '../src/server/config.js';
import type { Ctx } from '../src/server/context.js';
import { createFieldCipher } from '../src/server/crypto/field-cipher.js';
import { type Db, openDb } from '../src/server/db/db.js';
import { migrate } from '../src/server/db/migrate.js';
import { sql } from '../src/server/db/sql.js';
import { migrateFilesToStore, sha256Of } from '../src/server/modules/files/index.js';
import { REGISTRY } from '../src/server/modules/registry.js';
import { backup, restore } from '../src/server/ops/backup.js';
import { CHECKLIST_V1, fineAnswers } from '../src/shared/checklist.js';
import { BENCH_PASSWORD, generate } from './generate.js';
import { percentiles } from './measure.js';

const { values: args } = parseArgs({
  options: {
    persons: { type: 'string', default: '20000' },
    months: { type: 'string', default: '3' },
    share: { type: 'string', default: '1' },
    'max-photos': { type: 'string', default: '4000' },
    submits: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '4' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test_files_bench' },
    'restore-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test_files_bench_r' },
  },
});
const NOW = '2026-11-20T10:00:00+08:00';
const WORK = resolve('.tmp/files-bench');
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;

async function fresh(url: string): Promise<Db> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('drop schema if exists public cascade; create schema public;');
  await c.end();
  const db = await openDb({ databaseUrl: url });
  await migrate(db);
  return db;
}

/** A photo's bytes: JPEG markers around random bytes (JPEG does not compress further, nor do these). */
function photoBytes(i: number): Buffer {
  // 120–250 KB, mean ~190 KB: the budget's results for busy scenes (test/e2e/photo-budget.test.ts).
  const u = ((Math.imul(i + 1, 2654435761) >>> 0) % 1000) / 1000;
  const size = Math.round(120_000 + 130_000 * Math.sqrt(u));
  const b = randomBytes(size);
  b[0] = 0xff;
  b[1] = 0xd8;
  b[2] = 0xff;
  b[3] = 0xe0;
  b[size - 2] = 0xff;
  b[size - 1] = 0xd9;
  return b;
}

const sizes = async (db: Db) => {
  const [r] = await db.query<{ database: number; visit_files: number }>(
    sql(`select pg_database_size(current_database())::float8 as database,
                pg_total_relation_size('visit_files')::float8 as visit_files`),
  );
  return r;
};
const duBytes = (dir: string) => Number(execFileSync('du', ['-sb', dir]).toString().split('\t')[0]);

rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
const db = await fresh(args['pg-url']);
const baseConfig: Config = {
  ...loadConfig({ ...process.env, TANFANG_DATA_DIR: join(WORK, 'unused'), TANFANG_NOW: NOW }),
  loginRateMax: 1_000_000,
  visitFilesPerDay: { count: 1_000_000, megabytes: 1_000_000 },
  logLevel: 'warn',
};
const ctxOf = (files: Config['files']): Ctx => ({
  db,
  clock: createClock(NOW),
  config: { ...baseConfig, files },
  fields: createFieldCipher([Buffer.alloc(32, 3)], Buffer.alloc(32, 4)),
  registry: REGISTRY,
});
const dbCtx = ctxOf({ kind: 'db', graceHours: 24 });
const folderDir = join(WORK, 'store');
const folderCtx = ctxOf({ kind: 'folder', dir: folderDir, graceHours: 24 });

const persons = Number(args.persons);
const months = Number(args.months);
let t = performance.now();
const g = await generate(dbCtx, { persons, months, databaseUrl: args['pg-url'], log });
await db.exec(sql('analyze'));
log(`generated in ${((performance.now() - t) / 1000).toFixed(0)} s: ${JSON.stringify(g)}`);
const [mix] = await db.query<{ visits: number; in_person: number }>(
  sql(
    `select count(*)::int as visits, count(*) filter (where method = 'in_person')::int as in_person from visits`,
  ),
);
const before = await sizes(db);

// Photos on in-person visits: --share of them, at most --max-photos (the rest extrapolated).
const share = Number(args.share);
const target = Math.min(Math.round(mix.in_person * share), Number(args['max-photos']));
const visitIds = (
  await db.query<{ id: number }>(
    sql(`select id from visits where method = 'in_person' order by id limit ${target}`),
  )
).map((r) => Number(r.id));
t = performance.now();
let photoBytesTotal = 0;
for (let i = 0; i < visitIds.length; i += 50) {
  const batch = visitIds.slice(i, i + 50);
  const files = batch.map((_, k) => photoBytes(i + k));
  photoBytesTotal += files.reduce((n, f) => n + f.length, 0);
  await db.query(
    sql(`insert into visit_files (visit_id, kind, seq, mime, size, sha256, content)
       select v, 'photo', 0, 'image/jpeg', octet_length(c), s, c
         from unnest($1::int[], $2::text[], $3::bytea[]) as x(v, s, c)`),
    [batch, files.map((f) => sha256Of(f)), files],
  );
}
await db.query(sql('update visits set photo_count = 1 where id = any($1::int[])'), [visitIds]);
await db.exec(sql('analyze visit_files'));
const loadS = (performance.now() - t) / 1000;
const inline = await sizes(db);
log(
  `photos: ${visitIds.length} on ${mix.in_person} in-person visits (${mix.visits} visits), ${mb(photoBytesTotal)} in ${loadS.toFixed(0)} s; database ${mb(before.database)} → ${mb(inline.database)}`,
);

/** Visits with one budget photo through HTTP: `n` requests, `c` at a time, each a new visit. */
async function submits(ctx: Ctx, label: string) {
  const app = await buildApp(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const base = `http://127.0.0.1:${port}`;
  // The visitor of the first town with the most persons.
  const [v] = await db.query<{ username: string; id: number }>(
    sql(`select u.username, u.id from users u join persons p on p.visitor_id = u.id
      where u.username like 'bv%' group by u.id order by count(*) desc, u.id limit 1`),
  );
  const personIds = (
    await db.query<{ id: number }>(
      sql(`select id from persons where visitor_id = $1 and status = 'active'`),
      [v.id],
    )
  ).map((r) => r.id);
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: v.username, password: BENCH_PASSWORD }),
  }).then((r) => r.json());
  const headers = { authorization: `Bearer ${login.token}`, 'content-type': 'application/json' };
  const n = Number(args.submits);
  // Each visit its own photo (the store is content-addressed: repeated bytes would be one object).
  const photos = Array.from({ length: n }, (_, i) => photoBytes(i + 7).toString('base64'));
  const c = Number(args.concurrency);
  const lat: number[] = [];
  let next = 0;
  let failed = 0;
  const answers = fineAnswers(CHECKLIST_V1, { heating: true, flood: false });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        const body = JSON.stringify({
          clientId: randomUUID(),
          personId: personIds[i % personIds.length],
          at: new Date(Date.parse(NOW) - (i + 1) * 60_000).toISOString(),
          method: 'in_person',
          outcome: 'reached',
          answers,
          photos: [{ data: photos[i % photos.length] }],
        });
        const s = performance.now();
        const res = await fetch(`${base}/api/visits`, { method: 'POST', headers, body });
        await res.arrayBuffer();
        lat.push(performance.now() - s);
        if (res.status >= 300) failed++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  await app.close();
  const p = percentiles(lat);
  const r = { label, n, concurrency: c, perSecond: n / secs, p50: p.p50, p95: p.p95, failed };
  log(
    `submit ${label}: ${r.perSecond.toFixed(1)}/s, p50 ${p.p50.toFixed(0)} ms, p95 ${p.p95.toFixed(0)} ms, ${failed} failed`,
  );
  return r;
}

async function timedBackup(label: string, ctx: Ctx, external = false) {
  const file = join(WORK, `${label}.jsonl.gz`);
  const t0 = performance.now();
  const m = await backup(db, file, undefined, { files: ctx, external });
  const r = {
    label,
    seconds: (performance.now() - t0) / 1000,
    bytes: statSync(file).size,
    files: m.files,
    file,
  };
  log(`backup ${label}: ${r.seconds.toFixed(1)} s, ${mb(r.bytes)}`);
  return r;
}

async function timedRestore(label: string, file: string, files: Config['files']) {
  const target = await fresh(args['restore-url']);
  const t0 = performance.now();
  await restore(target, file, undefined, { files: { config: { files } } });
  const seconds = (performance.now() - t0) / 1000;
  await target.close();
  log(`restore ${label}: ${seconds.toFixed(1)} s`);
  return { label, seconds };
}

const submitDb = await submits(dbCtx, 'files in the database (bytea)');
const backupInline = await timedBackup('bytea-inline', dbCtx);
const restoreInline = await timedRestore('bytea-inline', backupInline.file, { kind: 'db', graceHours: 24 });

t = performance.now();
const moved = await migrateFilesToStore(folderCtx, { batch: 200 });
const migrateS = (performance.now() - t) / 1000;
log(`migrate: ${moved.moved} files, ${mb(moved.bytes)} in ${migrateS.toFixed(0)} s`);
const afterMigrate = await sizes(db);
t = performance.now();
await db.exec(sql('vacuum full visit_files'));
const vacuumS = (performance.now() - t) / 1000;
const afterVacuum = await sizes(db);
const storeBytes = duBytes(folderDir);

const submitFolder = await submits(folderCtx, 'files in a folder store');
const backupIncluded = await timedBackup('folder-included', folderCtx);
const backupExternal = await timedBackup('folder-external', folderCtx, true);
const restoreDir = join(WORK, 'store-restored');
const restoreIncluded = await timedRestore('folder-included', backupIncluded.file, {
  kind: 'folder',
  dir: restoreDir,
  graceHours: 24,
});
// External: the store itself is copied as a file sync would (rsync), then the database restored.
t = performance.now();
execFileSync('cp', ['-a', folderDir, join(WORK, 'store-synced')]);
const syncS = (performance.now() - t) / 1000;
const restoreExternal = await timedRestore('folder-external', backupExternal.file, {
  kind: 'folder',
  dir: join(WORK, 'store-synced'),
  graceHours: 24,
});

const final = await sizes(db);
const perPhoto = photoBytesTotal / visitIds.length;
const inPersonPerPersonMonth = mix.in_person / persons / months;
console.log(
  JSON.stringify(
    {
      persons,
      months,
      visits: mix.visits,
      inPersonVisits: mix.in_person,
      photos: visitIds.length,
      photoBytes: photoBytesTotal,
      meanPhotoKB: perPhoto / 1024,
      inPersonPerPersonMonth,
      provinceGBPerMonth: (1_000_000 * inPersonPerPersonMonth * share * perPhoto) / 1e9,
      sizes: { before, inline, afterMigrate, afterVacuum, final, storeBytes },
      loadS,
      migrate: {
        seconds: migrateS,
        filesPerSecond: moved.moved / migrateS,
        mbPerSecond: moved.bytes / 1048576 / migrateS,
      },
      vacuumS,
      submitDb,
      submitFolder,
      backups: [backupInline, backupIncluded, backupExternal].map(({ file: _f, ...b }) => b),
      restores: [restoreInline, restoreIncluded, restoreExternal],
      syncS,
    },
    null,
    2,
  ),
);
await db.close();
