import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testEnv } from '../../../test/context.js';
import { isolatedDb } from '../../../test/isolated-db.js';
import type { Db } from './db.js';
import { MigrationChangedError, migrate, migrationFiles } from './migrate.js';
import { sql } from './sql.js';

const env = await testEnv();
const onPg = !!process.env.DATABASE_URL;

let dir: string;
let iso: { db: Db; drop: () => Promise<void> };
afterEach(async () => {
  await iso?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function fresh(files: Record<string, string>) {
  dir = mkdtempSync(join(tmpdir(), 'tf-migrations-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  iso = await isolatedDb(env.ctx.db);
  return iso.db;
}

const tables = async (db: Db) =>
  (
    await db.query<{ t: string }>(
      sql(`select table_name as t from information_schema.tables
        where table_schema = current_schema() and table_name like 'm\\_%' order by 1`),
    )
  ).map((r) => r.t);

describe('migration runner', () => {
  it('runs each migration in a transaction of its own: a failing one leaves the ones before it applied', async () => {
    const db = await fresh({
      '001_a.sql': 'create table m_a (x int);\n',
      '002_b.sql': 'create table m_b (x int);\ninsert into m_b values (1);\nselect * from m_missing;\n',
    });
    await expect(migrate(db, { dir })).rejects.toThrow(/002_b\.sql/);
    // 001 stays applied and recorded; nothing of 002 (its first statement is rolled back with it).
    expect(await tables(db)).toEqual(['m_a']);
    expect((await db.query(sql('select name from schema_migrations'))).map((r) => r.name)).toEqual([
      '001_a.sql',
    ]);
    // Fixed, the next start resumes at 002.
    writeFileSync(join(dir, '002_b.sql'), 'create table m_b (x int);\n');
    expect(await migrate(db, { dir })).toEqual(['002_b.sql']);
    expect(await tables(db)).toEqual(['m_a', 'm_b']);
  });

  it('refuses to start when an applied migration was edited, naming the file', async () => {
    const db = await fresh({ '001_a.sql': 'create table m_a (x int);\n', '002_b.sql': 'select 1;\n' });
    expect(await migrate(db, { dir })).toEqual(['001_a.sql', '002_b.sql']);
    writeFileSync(join(dir, '001_a.sql'), 'create table m_a (x int, y int);\n');
    writeFileSync(join(dir, '003_c.sql'), 'create table m_c (x int);\n');
    const err = await migrate(db, { dir }).catch((e) => e);
    expect(err).toBeInstanceOf(MigrationChangedError);
    expect(err.message).toContain('001_a.sql');
    expect(err.message).not.toContain('002_b.sql');
    // Nothing after it was applied either.
    expect(await tables(db)).toEqual(['m_a']);
    // A checkout with CRLF line endings is the same text.
    writeFileSync(join(dir, '001_a.sql'), 'create table m_a (x int);\r\n');
    expect(await migrate(db, { dir })).toEqual(['003_c.sql']);
  });

  it('gives migrations applied before checksums existed their checksum, and checks it from then on', async () => {
    const db = await fresh({ '001_a.sql': 'create table m_a (x int);\n' });
    await migrate(db, { dir });
    await db.query(sql('update schema_migrations set checksum = null'));
    expect(await migrate(db, { dir })).toEqual([]);
    const [{ checksum }] = await db.query(sql('select checksum from schema_migrations'));
    expect(checksum).toBe(migrationFiles(dir)[0].checksum);
    writeFileSync(join(dir, '001_a.sql'), 'create table m_a (x bigint);\n');
    await expect(migrate(db, { dir })).rejects.toBeInstanceOf(MigrationChangedError);
  });

  it('runs a no-transaction migration statement by statement (create index concurrently)', async () => {
    const db = await fresh({
      '001_a.sql': 'create table m_a (x int);\ninsert into m_a select generate_series(1, 100);\n',
      '002_idx.sql':
        '-- tanfang:no-transaction\n-- an index on a big table, built while it takes writes\n' +
        'create index concurrently if not exists m_a_x_idx on m_a (x);\n',
    });
    expect(await migrate(db, { dir })).toEqual(['001_a.sql', '002_idx.sql']);
    const [idx] = await db.query(
      sql(`select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
        where c.relname = 'm_a_x_idx' and c.relnamespace = current_schema()::regnamespace`),
    );
    expect(idx).toEqual({ valid: true });
  });

  it.runIf(onPg)('builds again an index a failed concurrent build left invalid', async () => {
    const db = await fresh({
      '001_a.sql': 'create table m_a (x int);\ninsert into m_a values (1), (1), (2);\n',
      '002_idx.sql':
        '-- tanfang:no-transaction\ncreate unique index concurrently if not exists m_a_x_key on m_a (x);\n',
    });
    // The duplicate makes the build fail: PostgreSQL leaves the index behind, invalid.
    await expect(migrate(db, { dir })).rejects.toThrow(/002_idx\.sql/);
    const valid = async () =>
      (
        await db.query<{ valid: boolean }>(
          sql(`select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
            where c.relname = 'm_a_x_key' and c.relnamespace = current_schema()::regnamespace`),
        )
      ).map((r) => r.valid);
    expect(await valid()).toEqual([false]);
    await db.query(sql('delete from m_a where ctid = (select min(ctid) from m_a where x = 1)'));
    expect(await migrate(db, { dir })).toEqual(['002_idx.sql']);
    expect(await valid()).toEqual([true]);
  });

  it.runIf(onPg)('applies each migration once when two servers start at once', async () => {
    const db = await fresh({
      '001_a.sql': 'create table m_a (x int);\nselect pg_sleep(0.2);\n',
      '002_b.sql': 'insert into m_a values (1);\n',
      '003_idx.sql':
        '-- tanfang:no-transaction\ncreate index concurrently if not exists m_a_x_idx on m_a (x);\n',
    });
    const { openDb } = await import('./db.js');
    const [{ search_path }] = await db.query(sql('show search_path'));
    const url = process.env.DATABASE_URL as string;
    const other = await openDb({
      databaseUrl: `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${search_path}`)}`,
    });
    try {
      const [a, b] = await Promise.all([migrate(db, { dir }), migrate(other, { dir })]);
      expect([...a, ...b].sort()).toEqual(['001_a.sql', '002_b.sql', '003_idx.sql']);
      expect(await db.query(sql('select count(*)::int as n from m_a'))).toEqual([{ n: 1 }]);
    } finally {
      await other.close();
    }
  });

  it('the shipped migrations: every one recorded with its checksum; the big tables’ index builds run outside a transaction', async () => {
    iso = await isolatedDb(env.ctx.db);
    dir = mkdtempSync(join(tmpdir(), 'tf-migrations-'));
    const files = migrationFiles();
    await migrate(iso.db);
    const rows = await iso.db.query<{ name: string; checksum: string }>(
      sql('select name, checksum from schema_migrations order by name'),
    );
    expect(rows).toEqual(files.map((f) => ({ name: f.name, checksum: f.checksum })));
    const outside = files.filter((f) => !f.transactional).map((f) => f.name);
    expect(outside).toEqual(
      expect.arrayContaining(['016_visits_at_id.sql', '019_visit_tasks_open_person.sql']),
    );
  });
});
