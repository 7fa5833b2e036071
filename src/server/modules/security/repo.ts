import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';

export interface SessionListRow {
  id: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  ip: string | null;
  user_agent: string | null;
}

/** Sessions that still work: not revoked, not past their absolute or idle expiry. */
export async function listActiveSessions(
  q: Queryable,
  userId: number,
  now: Date,
  idleMinutes: number,
): Promise<SessionListRow[]> {
  return q.query<SessionListRow>(
    sql(`select id, created_at, last_seen_at, expires_at, ip, user_agent from sessions
      where user_id = $1 and revoked_at is null and expires_at > $2
        and last_seen_at > $2::timestamptz - make_interval(mins => $3)
      order by last_seen_at desc limit 100`),
    [userId, now, idleMinutes],
  );
}

/**
 * Revokes one session of a user by its public key (the first 16 hex digits of the stored token hash,
 * which is itself a hash: the key cannot be turned back into a token). True when one was revoked.
 */
export async function revokeSessionByKey(
  q: Queryable,
  userId: number,
  key: string,
  now: Date,
): Promise<boolean> {
  const rows = await q.query(
    sql(`update sessions set revoked_at = $3
      where user_id = $1 and substr(id, 1, 16) = $2 and revoked_at is null returning id`),
    [userId, key, now],
  );
  return rows.length > 0;
}
