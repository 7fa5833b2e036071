import { type Encrypted, type FieldCipher, storedText } from '../crypto/field-cipher.js';
import type { Queryable } from '../db/db.js';
import { sql } from '../db/sql.js';

export interface EncryptedColumn {
  table: string;
  column: string;
  /** The keyed-hash column beside it (`phone_enc` → `phone_hash`), when there is one. */
  hashColumn: string | null;
}

/**
 * Every `*_enc` column of the current schema, found by name so tables added later (caregivers, …)
 * are covered without listing them here. Only tables with an `id` column can be walked in batches.
 */
export async function encryptedColumns(q: Queryable): Promise<EncryptedColumn[]> {
  const rows = await q.query<{ table_name: string; column_name: string; has_hash: boolean }>(
    sql(`select c.table_name, c.column_name,
            exists (select 1 from information_schema.columns h
                     where h.table_schema = c.table_schema and h.table_name = c.table_name
                       and h.column_name = regexp_replace(c.column_name, '_enc$', '_hash')) as has_hash
       from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
        and c.column_name like '%\\_enc' escape '\\' and c.data_type = 'text'
        and exists (select 1 from information_schema.columns i
                     where i.table_schema = c.table_schema and i.table_name = c.table_name and i.column_name = 'id')
      order by c.table_name, c.column_name`),
  );
  return rows.map((r) => ({
    table: r.table_name,
    column: r.column_name,
    hashColumn: r.has_hash ? r.column_name.replace(/_enc$/, '_hash') : null,
  }));
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

export interface RotationReport {
  table: string;
  column: string;
  reencrypted: number;
  rehashed: number;
}

/**
 * Re-encrypts every value not under the cipher's current key, in small transactions of `batch`
 * rows: the server keeps running (it reads old and new ciphertexts alike, because the key list holds
 * both). Each update is compare-and-swap on the old ciphertext, so a value the application changed
 * meanwhile is left as the application wrote it. With `rehash`, the keyed search hashes are
 * recomputed with the cipher's search key too (needed once the oldest key is dropped from the list).
 */
export async function rotateKeys(
  db: { query: Queryable['query']; tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> },
  cipher: FieldCipher,
  opts: { batch?: number; rehash?: boolean; onProgress?: (r: RotationReport) => void } = {},
): Promise<RotationReport[]> {
  const batch = opts.batch ?? 500;
  const prefix = `v1.${cipher.keyId}.`;
  const reports: RotationReport[] = [];
  for (const col of await encryptedColumns(db)) {
    const t = ident(col.table);
    const c = ident(col.column);
    const h = col.hashColumn ? ident(col.hashColumn) : null;
    const report: RotationReport = { table: col.table, column: col.column, reencrypted: 0, rehashed: 0 };
    let cursor = 0;
    for (;;) {
      const stale = opts.rehash && h ? 'true' : `substr(${c}, 1, ${prefix.length}) <> $2`;
      const rows = await db.query<{ id: number; v: Encrypted }>(
        sql(`select id::int as id, ${c} as v from ${t}
          where ${c} is not null and id > $1 and ${stale} order by id limit ${batch}`),
        opts.rehash && h ? [cursor] : [cursor, prefix],
      );
      if (rows.length === 0) break;
      const ids: number[] = [];
      const olds: string[] = [];
      const news: string[] = [];
      const hashes: string[] = [];
      for (const r of rows) {
        const plain = cipher.decrypt(r.v);
        ids.push(r.id);
        const old = storedText(r.v);
        olds.push(old);
        news.push(old.startsWith(prefix) ? old : storedText(cipher.encrypt(plain)));
        hashes.push(cipher.hash(plain));
      }
      const n = await db.tx(async (q) => {
        const setHash = opts.rehash && h ? `, ${h} = v.hash` : '';
        const updated = await q.query(
          sql(`update ${t} set ${c} = v.new ${setHash}
             from unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) as v(id, old, new, hash)
            where ${t}.id = v.id and ${t}.${c} = v.old returning ${t}.id`),
          [ids, olds, news, hashes],
        );
        return updated.length;
      });
      report.reencrypted += news.filter((v, i) => v !== olds[i]).length;
      if (opts.rehash && h) report.rehashed += n;
      cursor = rows[rows.length - 1].id;
      opts.onProgress?.(report);
    }
    reports.push(report);
  }
  return reports;
}

/** How many values of each column are not yet under the current key (0 everywhere after a rotation). */
export async function staleCounts(q: Queryable, cipher: FieldCipher) {
  const out: { table: string; column: string; stale: number; total: number }[] = [];
  const prefix = `v1.${cipher.keyId}.`;
  for (const col of await encryptedColumns(q)) {
    const [r] = await q.query<{ stale: number; total: number }>(
      sql(`select count(*) filter (where substr(${ident(col.column)}, 1, ${prefix.length}) <> $1)::int as stale,
              count(${ident(col.column)})::int as total from ${ident(col.table)}`),
      [prefix],
    );
    out.push({ table: col.table, column: col.column, ...r });
  }
  return out;
}
