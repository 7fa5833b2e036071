/**
 * The tables whose rows name stored files, and the SQL the store's upkeep needs across them: which
 * names rows still hold (the orphan sweeper) and the bytes still inline (`tanfang files migrate`).
 * Every such table has `sha256`, `stored` and its bytes column (null once stored); migration 029.
 */
import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';

/** Each table of files and its bytes column. Transfer files (a day's scratch) stay in the database. */
export const FILE_TABLES = [
  { table: 'visit_files', bytes: 'content' },
  { table: 'concern_files', bytes: 'data' },
  { table: 'care_files', bytes: 'content' },
  { table: 'oversight_reports', bytes: 'content' },
  { table: 'visit_uploads', bytes: 'content' },
  { table: 'activity_files', bytes: 'content' },
] as const;

export type FileTable = (typeof FILE_TABLES)[number];

/** Of the given names, those some row holds (inline or stored: a file being migrated counts too). */
export async function namedShas(q: Queryable, shas: string[]): Promise<Set<string>> {
  if (!shas.length) return new Set();
  const exists = FILE_TABLES.map((t) => `exists (select 1 from ${t.table} f where f.sha256 = s.sha)`).join(
    ' or ',
  );
  const rows = await q.query<{ sha: string }>(
    sql(`select s.sha from unnest($1::text[]) as s(sha) where ${exists}`),
    [shas],
  );
  return new Set(rows.map((r) => r.sha));
}

/** How many rows of the table still hold their bytes, and their total size. */
export async function inlineCount(q: Queryable, t: FileTable): Promise<{ rows: number; bytes: number }> {
  const [r] = await q.query<{ rows: number; bytes: number }>(
    sql(`select count(*)::int as rows, coalesce(sum(octet_length(${t.bytes})), 0)::float8 as bytes
       from ${t.table} where not stored`),
  );
  return r;
}

/** The next rows (by id) still holding their bytes. */
export async function inlineBatch(
  q: Queryable,
  t: FileTable,
  afterId: number,
  limit: number,
): Promise<{ id: number; sha256: string; bytes: Buffer | Uint8Array }[]> {
  return q.query<{ id: number; sha256: string; bytes: Buffer | Uint8Array }>(
    sql(`select id, sha256, ${t.bytes} as bytes from ${t.table}
      where id > $1 and not stored order by id limit ${Number(limit)}`),
    [afterId],
  );
}

/**
 * Drops the bytes of rows whose file is now in the store — only where the row still names that hash
 * and still holds bytes (a row changed meanwhile keeps its bytes). Returns how many rows it changed.
 */
export async function markStored(
  q: Queryable,
  t: FileTable,
  rows: { id: number; sha256: string }[],
): Promise<number> {
  if (!rows.length) return 0;
  const [r] = await q.query<{ n: number }>(
    sql(`with u as (
       update ${t.table} f set ${t.bytes} = null, stored = true
         from unnest($1::int[], $2::text[]) as x(id, sha)
        where f.id = x.id and f.sha256 = x.sha and not f.stored
       returning 1)
     select count(*)::int as n from u`),
    [rows.map((x) => x.id), rows.map((x) => x.sha256)],
  );
  return r.n;
}

/** The distinct names of stored files, in name order, after `after` (backup, `files verify`). */
export async function storedShas(q: Queryable, after: string, limit: number): Promise<string[]> {
  const union = FILE_TABLES.map((t) => `select sha256 from ${t.table} where stored and sha256 > $1`).join(
    ' union ',
  );
  const rows = await q.query<{ sha256: string }>(
    sql(`select sha256 from (${union}) x order by sha256 limit ${Number(limit)}`),
    [after],
  );
  return rows.map((r) => r.sha256);
}
