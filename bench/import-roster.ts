/**
 * Roster import benchmark (issue 3): generates roster .xlsx files (bench/fixtures.ts `rosterFile`)
 * and imports them through the import service (the same code the HTTP route runs after saving the
 * upload), printing rows per second and peak RSS. Memory must stay flat as the file grows: compare
 * the peak RSS increase of the small and the large file.
 *
 *   npx tsx bench/import-roster.ts                          # PGlite in a temporary folder
 *   DATABASE_URL=postgres://…/db npx tsx bench/import-roster.ts   # PostgreSQL (DROPS its public schema)
 *   npx tsx bench/import-roster.ts --rows 10000,100000
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClock } from '../src/server/clock.js';
import { loadConfig } from '../src/server/config.js';
import type { Ctx } from '../src/server/context.js';
import { createFieldCipher } from '../src/server/crypto/field-cipher.js';
import { openDb } from '../src/server/db/db.js';
import { migrate } from '../src/server/db/migrate.js';
import { sql } from '../src/server/db/sql.js';
import type { Actor } from '../src/server/http/scope.js';
import { importRoster } from '../src/server/modules/persons/roster.js';
import { REGISTRY } from '../src/server/modules/registry.js';
import { insertUser, replaceGrants } from '../src/server/modules/users/repo.js';
import { seedAreas } from '../src/server/seed/demo.js';
import { rosterFile } from './fixtures.js';

const ROOT = join(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000,100000' },
    dir: { type: 'string', default: join(ROOT, '.tmp/bench-import') },
  },
});
const sizes = args.rows!.split(',').map(Number);
mkdirSync(args.dir!, { recursive: true });
const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;

const url = process.env.DATABASE_URL;
const pgliteDir = join(args.dir!, 'pglite');
if (!url) rmSync(pgliteDir, { recursive: true, force: true });
const db = await openDb({ databaseUrl: url, dataDir: url ? undefined : pgliteDir });
if (url) await db.exec(sql('drop schema public cascade; create schema public;'));
await migrate(db);
const areas = await db.tx((q) => seedAreas(q));
const townId = areas.get('150602101')!;
const config = loadConfig({ ...process.env, TANFANG_DATA_DIR: args.dir! });
const ctx: Ctx = {
  db,
  clock: createClock(),
  config,
  fields: createFieldCipher([Buffer.alloc(32, 3)], Buffer.alloc(32, 4)),
  registry: REGISTRY,
};
const userId = await db.tx(async (q) => {
  const id = await insertUser(q, {
    username: 'bench-importer',
    displayName: '导入基准',
    passwordHash: 'x',
    now: new Date(),
  });
  await replaceGrants(q, id, [{ role: 'town_officer', areaId: townId, department: null }]);
  return id;
});
const villageIds = (
  await db.query<{ id: number }>(sql('select id from areas where parent_id = $1'), [townId])
).map((r) => r.id);
const actor: Actor = {
  userId,
  username: 'bench-importer',
  displayName: '导入基准',
  roles: ['town_officer'],
  grants: [{ role: 'town_officer', areaId: townId, department: null }],
  sessionId: 'bench',
  viaCookie: false,
  csrfToken: '',
  scope: { userId, all: false, areaIds: [townId, ...villageIds], visitor: false, departments: [] },
};

console.log(`engine: ${db.kind}; node ${process.version}`);
const results: string[] = [];
for (const n of sizes) {
  const path = join(args.dir!, `roster-${n}.xlsx`);
  if (!existsSync(path)) {
    const t = Date.now();
    await rosterFile(db, path, n, townId);
    console.log(
      `generated ${path} (${mb(statSync(path).size)}) in ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
  }
  for (const dryRun of [true, false]) {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    const t = Date.now();
    const r = await importRoster(ctx, actor, { path, dryRun });
    const secs = (Date.now() - t) / 1000;
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    const line =
      `${db.kind} ${String(n).padStart(6)} rows ${dryRun ? 'dry run' : 'import '}: ${secs.toFixed(1)} s, ` +
      `${Math.round(n / secs)} rows/s, created ${r.created}, updated ${r.updated}, rejected ${r.rejectedCount}; ` +
      `RSS before ${mb(before)}, peak ${mb(peak)} (+${mb(peak - before)})`;
    console.log(line);
    results.push(line);
  }
}
const [{ n }] = await db.query<{ n: number }>(sql('select count(*)::int as n from persons'));
console.log(`persons in database: ${n}`);
console.log(`\n${results.join('\n')}`);
await db.close();
