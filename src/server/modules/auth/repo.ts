import type { Encrypted } from '../../crypto/field-cipher.js';
import type { Queryable } from '../../db/db.js';
import { prepared, sql } from '../../db/sql.js';
import { type Grant, pathWithin } from '../../http/scope.js';

export interface LoginUserRow {
  id: number;
  username: string;
  display_name: string;
  password_hash: string;
  disabled_at: Date | null;
  failed_logins: number;
  locked_until: Date | null;
  totp_secret_enc: Encrypted | null;
  totp_enabled_at: Date | null;
  totp_last_step: number | null;
}

export async function findUserForLogin(q: Queryable, username: string): Promise<LoginUserRow | undefined> {
  const rows = await q.query<LoginUserRow>(
    sql(`select id, username, display_name, password_hash, disabled_at, failed_logins, locked_until,
            totp_secret_enc, totp_enabled_at, totp_last_step
       from users where lower(username) = lower($1)`),
    [username],
  );
  return rows[0];
}

/**
 * Counts a login attempt before its password is checked, in one statement under the row's lock, so
 * that attempts sent at once are numbered one after another (reading the count and writing it back
 * let 9 wrong and 1 right attempt sent together all pass as the first). `attempt` is this attempt's
 * number since the last success or the end of the last lock; `locked`: the account was locked, or
 * this attempt is past `max` (then the lock is set now, `lockMinutes` long).
 */
export async function reserveLoginAttempt(
  q: Queryable,
  userId: number,
  now: Date,
  max: number,
  lockMinutes: number,
): Promise<{ attempt: number; locked: boolean }> {
  const [r] = await q.query<{ attempt: number; locked: boolean }>(
    sql(`with cur as (select id, locked_until, locked_until is not null and locked_until > $2 as locked,
                         case when locked_until is not null and locked_until <= $2 then 1
                              else failed_logins + 1 end as attempt
                    from users where id = $1 for update)
     update users u set
        failed_logins = cur.attempt,
        locked_until = case when cur.locked then cur.locked_until
                            when cur.attempt > $3 then $2::timestamptz + make_interval(mins => $4)
                            when cur.locked_until is not null then null
                            else u.locked_until end
       from cur where u.id = cur.id
     returning cur.attempt, cur.locked or cur.attempt > $3 as locked`),
    [userId, now, max, lockMinutes],
  );
  return r;
}

/** Locks the account after a failed attempt that reached the limit (unless a lock is already on). */
export async function lockAccount(q: Queryable, userId: number, now: Date, lockMinutes: number) {
  await q.query(
    sql(`update users set locked_until = $2::timestamptz + make_interval(mins => $3)
      where id = $1 and (locked_until is null or locked_until <= $2)`),
    [userId, now, lockMinutes],
  );
}

/** The login rows of several users by name (the demo-account check at start). */
export async function findUsersForLogin(q: Queryable, usernames: string[]): Promise<LoginUserRow[]> {
  return q.query<LoginUserRow>(
    sql(`select id, username, display_name, password_hash, disabled_at, failed_logins, locked_until,
            totp_secret_enc, totp_enabled_at, totp_last_step
       from users where lower(username) = any($1::text[])`),
    [usernames.map((u) => u.toLowerCase())],
  );
}

export async function setLoginFailures(
  q: Queryable,
  userId: number,
  failures: number,
  lockedUntil: Date | null,
) {
  await q.query(sql('update users set failed_logins = $2, locked_until = $3 where id = $1'), [
    userId,
    failures,
    lockedUntil,
  ]);
}

export async function insertSession(
  q: Queryable,
  s: {
    id: string;
    userId: number;
    csrf: string;
    now: Date;
    expiresAt: Date;
    ip?: string;
    userAgent?: string;
  },
) {
  await q.query(
    sql(`insert into sessions (id, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)
     values ($1, $2, $3, $4, $4, $5, $6, $7)`),
    [s.id, s.userId, s.csrf, s.now, s.expiresAt, s.ip ?? null, s.userAgent ?? null],
  );
}

export interface SessionRow {
  id: string;
  user_id: number;
  csrf_token: string;
  last_seen_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  username: string;
  display_name: string;
  disabled_at: Date | null;
}

export interface SessionActorRow extends SessionRow {
  grants: { role: Grant['role']; area_id: number; department: Grant['department'] }[];
  /** One of the area-role grants is on a root area: the whole district. */
  all_areas: boolean;
  /** As JSON, not int[]: pg parses an int[] through a string per element, JSON.parse does not (a
   * town's ~250 areas were ~50 kB of garbage on every request). */
  area_ids: number[];
  /** The password was set by an administrator: it must be changed before anything else. */
  must_change_password: boolean;
}

/** The roles that carry an area scope (the rest act through assignments or departments). */
const AREA_ROLES = `('bureau_admin', 'bureau_supervisor', 'town_officer', 'village_officer')`;

/**
 * Everything a request needs about its session in one statement: the session, its user, the user's
 * grants in grant order and the areas of their subtrees (same rules as `listGrants` / `scopeAreas`).
 */
export async function findSessionActor(q: Queryable, id: string): Promise<SessionActorRow | undefined> {
  const rows = await q.query<SessionActorRow>(
    prepared(`select s.id, s.user_id, s.csrf_token, s.last_seen_at, s.expires_at, s.revoked_at,
            u.username, u.display_name, u.disabled_at, u.must_change_password,
            coalesce((select json_agg(json_build_object('role', r.role, 'area_id', r.area_id,
                                                        'department', r.department) order by r.id)
                        from user_roles r where r.user_id = s.user_id), '[]') as grants,
            exists (select 1 from user_roles r join areas g on g.id = r.area_id
                     where r.user_id = s.user_id and r.role in ${AREA_ROLES} and g.parent_id is null) as all_areas,
            coalesce((select json_agg(distinct a.id) from user_roles r
                        join areas g on g.id = r.area_id
                        join areas a on ${pathWithin('a.path', 'g.path')}
                       where r.user_id = s.user_id and r.role in ${AREA_ROLES}), '[]') as area_ids
       from sessions s join users u on u.id = s.user_id where s.id = $1`),
    [id],
  );
  return rows[0];
}

export async function touchSession(q: Queryable, id: string, now: Date) {
  await q.query(sql('update sessions set last_seen_at = $2 where id = $1'), [id, now]);
}

export async function revokeSession(q: Queryable, id: string, now: Date) {
  await q.query(sql('update sessions set revoked_at = $2 where id = $1 and revoked_at is null'), [id, now]);
}

export async function revokeUserSessions(q: Queryable, userId: number, now: Date) {
  await q.query(sql('update sessions set revoked_at = $2 where user_id = $1 and revoked_at is null'), [
    userId,
    now,
  ]);
}

/** Ends every session of the user but `keepId` (a password change made in that session). */
export async function revokeOtherSessions(q: Queryable, userId: number, keepId: string, now: Date) {
  await q.query(
    sql('update sessions set revoked_at = $3 where user_id = $1 and id <> $2 and revoked_at is null'),
    [userId, keepId, now],
  );
}

export async function listGrants(q: Queryable, userId: number): Promise<Grant[]> {
  const rows = await q.query<{ role: Grant['role']; area_id: number; department: Grant['department'] }>(
    sql('select role, area_id, department from user_roles where user_id = $1 order by id'),
    [userId],
  );
  return rows.map((r) => ({ role: r.role, areaId: r.area_id, department: r.department }));
}

export async function findUserById(q: Queryable, id: number): Promise<LoginUserRow | undefined> {
  const rows = await q.query<LoginUserRow>(
    sql(`select id, username, display_name, password_hash, disabled_at, failed_logins, locked_until,
            totp_secret_enc, totp_enabled_at, totp_last_step
       from users where id = $1`),
    [id],
  );
  return rows[0];
}

export async function insertChallenge(
  q: Queryable,
  c: { id: string; userId: number; now: Date; expiresAt: Date; ip?: string },
) {
  await q.query(
    sql('insert into login_challenges (id, user_id, created_at, expires_at, ip) values ($1, $2, $3, $4, $5)'),
    [c.id, c.userId, c.now, c.expiresAt, c.ip ?? null],
  );
}

export interface ChallengeRow {
  id: string;
  user_id: number;
  expires_at: Date;
  used_at: Date | null;
  attempts: number;
}

/** Locks the challenge row: two codes sent at once cannot both redeem it. */
export async function lockChallenge(q: Queryable, id: string): Promise<ChallengeRow | undefined> {
  return (
    await q.query<ChallengeRow>(
      sql('select id, user_id, expires_at, used_at, attempts from login_challenges where id = $1 for update'),
      [id],
    )
  )[0];
}

export async function countChallengeAttempt(q: Queryable, id: string) {
  await q.query(sql('update login_challenges set attempts = attempts + 1 where id = $1'), [id]);
}

export async function redeemChallenge(q: Queryable, id: string, now: Date) {
  await q.query(sql('update login_challenges set used_at = $2 where id = $1'), [id, now]);
}

export async function setTotp(
  q: Queryable,
  userId: number,
  t: { secretEnc: Encrypted | null; enabledAt: Date | null; lastStep?: number | null },
) {
  await q.query(
    sql('update users set totp_secret_enc = $2, totp_enabled_at = $3, totp_last_step = $4 where id = $1'),
    [userId, t.secretEnc, t.enabledAt, t.lastStep ?? null],
  );
}

export async function setTotpLastStep(q: Queryable, userId: number, step: number) {
  await q.query(sql('update users set totp_last_step = $2 where id = $1'), [userId, step]);
}
