import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_DIR } from '../paths.js';
import type { Db } from './db.js';

const DIR = MIGRATIONS_DIR;

/** Applies the numbered .sql files not yet applied, each in its own transaction, under a lock. */
export async function migrate(db: Db): Promise<string[]> {
  const applied: string[] = [];
  await db.exec(
    'create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())',
  );
  await db.tx(async (q) => {
    // Two servers starting at once on one PostgreSQL must not both migrate.
    await q.query('select pg_advisory_xact_lock(7261001)');
    const done = new Set(
      (await q.query<{ name: string }>('select name from schema_migrations')).map((r) => r.name),
    );
    for (const file of readdirSync(DIR)
      .filter((f) => f.endsWith('.sql'))
      .sort()) {
      if (done.has(file)) continue;
      const sql = readFileSync(join(DIR, file), 'utf8');
      for (const stmt of splitStatements(sql)) await q.query(stmt);
      await q.query('insert into schema_migrations(name) values ($1)', [file]);
      applied.push(file);
    }
  });
  return applied;
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
    (await db.query<{ name: string }>('select name from schema_migrations')).map((r) => r.name),
  );
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.sql') && !done.has(f))
    .sort();
}
