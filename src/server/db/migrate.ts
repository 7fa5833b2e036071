import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config.js';
import { MIGRATIONS_DIR } from '../paths.js';
import type { Db, Queryable } from './db.js';
import { sql } from './sql.js';

/**
 * The schema's migrations: numbered .sql files in `db/migrations`, applied in name order.
 *
 * - Each migration runs in a transaction of its own with its `schema_migrations` row, so a failing
 *   one leaves the database as the migration before it left it, and the next start resumes there.
 * - A file whose first line is `-- tanfang:no-transaction` runs outside a transaction, statement by
 *   statement (what `create index concurrently` needs: a big table keeps taking writes while its
 *   index is built). Its statements must be safe to run again after a failure (`if not exists`); an
 *   index a failed concurrent build left invalid is dropped before it is built again.
 * - Every applied migration keeps the SHA-256 of its text. A file changed after it was applied stops
 *   the start with a message naming it: the database would otherwise silently lack the change.
 *   Rows applied before checksums existed take the file's checksum at the first start that sees them.
 * - One session-level advisory lock around all of it: two servers starting at once on one PostgreSQL
 *   apply each migration once (the second waits, then finds nothing pending).
 *
 * Why not a maintained runner: postgrator (checksums, Node 20, a pluggable query function, so it
 * could drive PGlite too) names files `NNN.do.name.sql` and keeps its own version table — adopting it
 * means renaming every applied migration and translating `schema_migrations` in every database
 * already deployed; node-pg-migrate speaks only to node-postgres (no PGlite). What we need is the
 * hundred lines below.
 */

const LOCK = 7261001;
const NO_TX = /^--\s*tanfang:no-transaction\b/;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
  transactional: boolean;
}

/** The migration files in the order they apply, with their checksums. */
export function migrationFiles(dir = MIGRATIONS_DIR): MigrationFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name), 'utf8');
      return { name, sql, checksum: checksumOf(sql), transactional: !NO_TX.test(sql) };
    });
}

/** SHA-256 of a migration's text with line endings normalised (a checkout with CRLF is not an edit). */
export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/** An applied migration whose file changed since: the database does not hold what the file says. */
export class MigrationChangedError extends ConfigError {}

/** Applies the migrations not yet applied (see above); returns their names. */
export async function migrate(db: Db, opts: { dir?: string } = {}): Promise<string[]> {
  const files = migrationFiles(opts.dir);
  return db.session(async (s) => {
    await lockSession(s);
    try {
      // Under the lock: two `create table if not exists` at once collide in the catalog.
      await s.query(
        sql(
          'create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())',
        ),
      );
      await s.query(sql('alter table schema_migrations add column if not exists checksum text'));
      const done = await verifyApplied(s, files);
      const applied: string[] = [];
      for (const f of files) {
        if (done.has(f.name)) continue;
        if (f.transactional) await applyInTransaction(s, f);
        else await applyStatementByStatement(s, f);
        applied.push(f.name);
      }
      return applied;
    } finally {
      await s.query(sql('select pg_advisory_unlock($1)'), [LOCK]);
    }
  });
}

/**
 * Takes the migration lock, waiting between tries rather than in a statement: a session blocked in
 * `pg_advisory_lock` is a running transaction, which `create index concurrently` in the session that
 * holds the lock waits for — a deadlock.
 */
async function lockSession(s: Queryable) {
  for (;;) {
    const [{ got }] = await s.query<{ got: boolean }>(sql('select pg_try_advisory_lock($1) as got'), [LOCK]);
    if (got) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Checks the applied migrations' checksums (recording the missing ones); returns their names. */
async function verifyApplied(s: Queryable, files: MigrationFile[]): Promise<Set<string>> {
  const rows = await s.query<{ name: string; checksum: string | null }>(
    sql('select name, checksum from schema_migrations'),
  );
  const byName = new Map(files.map((f) => [f.name, f]));
  const changed = rows.filter((r) => {
    const f = byName.get(r.name);
    return f && r.checksum !== null && r.checksum !== f.checksum;
  });
  if (changed.length) {
    throw new MigrationChangedError(
      `迁移文件在应用后被修改：${changed.map((r) => r.name).join('、')}（数据库记录的校验和与文件不符）。` +
        '已应用的迁移不能修改：请恢复该文件，把新的变更写成新的迁移文件。',
    );
  }
  for (const r of rows) {
    const f = byName.get(r.name);
    if (f && r.checksum === null)
      await s.query(sql('update schema_migrations set checksum = $2 where name = $1'), [f.name, f.checksum]);
  }
  return new Set(rows.map((r) => r.name));
}

async function applyInTransaction(s: Queryable, f: MigrationFile) {
  await s.query(sql('begin'));
  try {
    for (const stmt of splitStatements(f.sql)) await s.query(sql(stmt));
    await record(s, f);
    await s.query(sql('commit'));
  } catch (e) {
    await s.query(sql('rollback')).catch(() => {});
    throw migrationError(f, e);
  }
}

async function applyStatementByStatement(s: Queryable, f: MigrationFile) {
  try {
    for (const stmt of splitStatements(f.sql)) {
      const index = stmt.match(/^create\s+(?:unique\s+)?index\s+concurrently\s+if\s+not\s+exists\s+(\w+)/i);
      if (index) await dropInvalidIndex(s, index[1]);
      await s.query(sql(stmt));
    }
    await record(s, f);
  } catch (e) {
    throw migrationError(f, e);
  }
}

/** A concurrent index build that failed leaves an invalid index that `if not exists` would keep. */
async function dropInvalidIndex(s: Queryable, name: string) {
  const [r] = await s.query<{ valid: boolean }>(
    sql(`select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
      where c.relname = $1 and c.relnamespace = current_schema()::regnamespace`),
    [name],
  );
  if (r && !r.valid) await s.query(sql(`drop index concurrently if exists ${name}`));
}

const record = (s: Queryable, f: MigrationFile) =>
  s.query(sql('insert into schema_migrations (name, checksum) values ($1, $2)'), [f.name, f.checksum]);

function migrationError(f: MigrationFile, e: unknown): Error {
  return new Error(`迁移 ${f.name} 失败：${(e as Error).message}`, { cause: e });
}

/** Splits on semicolons at line ends, keeping $$-quoted function bodies whole. */
function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inDollar = false;
  for (const line of sql.split('\n')) {
    if (/^\s*--/.test(line) && !inDollar) continue;
    const dollars = line.match(/\$\$/g)?.length ?? 0;
    if (dollars % 2 === 1) inDollar = !inDollar;
    cur += `${line}\n`;
    if (!inDollar && /;\s*$/.test(line)) {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
    }
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Migration files not yet applied: readiness is false while any are pending. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const done = new Set(
    (await db.query<{ name: string }>(sql('select name from schema_migrations'))).map((r) => r.name),
  );
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith('.sql') && !done.has(f))
    .sort();
}
