/**
 * Transfers: the progress of a long import and the result files it leaves (the rejected rows), in
 * the database so that every server process sees them (a client may poll another process than the
 * one running the import). Owned by the user who started the import; swept after a day.
 */
import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';

const KEEP = "interval '1 day'";

export async function setProgress(
  q: Queryable,
  p: { id: string; ownerId: number; rows: number; done: boolean; now: Date },
): Promise<void> {
  await q.query(
    sql(`insert into transfer_progress (id, owner_id, rows, done, updated_at) values ($1, $2, $3, $4, $5)
     on conflict (id) do update set rows = excluded.rows, done = excluded.done, updated_at = excluded.updated_at
      where transfer_progress.owner_id = excluded.owner_id`),
    [p.id, p.ownerId, p.rows, p.done, p.now],
  );
}

export async function getProgress(
  q: Queryable,
  id: string,
  ownerId: number,
): Promise<{ rows: number; done: boolean } | null> {
  const [r] = await q.query<{ rows: number; done: boolean }>(
    sql('select rows, done from transfer_progress where id = $1 and owner_id = $2'),
    [id, ownerId],
  );
  return r ?? null;
}

export async function putFile(
  q: Queryable,
  f: { token: string; ownerId: number; name: string; contentType: string; bytes: Buffer; now: Date },
): Promise<void> {
  await q.query(
    sql(`insert into transfer_files (token, owner_id, name, content_type, bytes, created_at)
     values ($1, $2, $3, $4, $5, $6)`),
    [f.token, f.ownerId, f.name, f.contentType, f.bytes, f.now],
  );
}

export async function getFile(
  q: Queryable,
  token: string,
  ownerId: number,
): Promise<{ name: string; content_type: string; bytes: Buffer } | null> {
  const [r] = await q.query<{ name: string; content_type: string; bytes: Buffer | Uint8Array }>(
    sql('select name, content_type, bytes from transfer_files where token = $1 and owner_id = $2'),
    [token, ownerId],
  );
  return r ? { ...r, bytes: Buffer.from(r.bytes) } : null;
}

/** Removes progress and files older than a day. */
export async function sweep(q: Queryable, now: Date): Promise<void> {
  await q.query(sql(`delete from transfer_progress where updated_at < $1::timestamptz - ${KEEP}`), [now]);
  await q.query(sql(`delete from transfer_files where created_at < $1::timestamptz - ${KEEP}`), [now]);
}
