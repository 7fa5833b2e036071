import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';
import type { Grant, Scope } from '../../http/scope.js';

export interface UserRow {
  id: number;
  username: string;
  display_name: string;
  visitor_type: string | null;
  organization: string | null;
  disabled_at: Date | null;
  locked_until: Date | null;
  version: number;
  created_at: Date;
  grants: { role: Grant['role']; area_id: number; area_name: string; department: Grant['department'] }[];
}

const SELECT = `
  select u.id, u.username, u.display_name, u.visitor_type, u.organization, u.disabled_at, u.locked_until,
         u.version, u.created_at,
         coalesce((select json_agg(json_build_object('role', r.role, 'area_id', r.area_id, 'area_name', a.name,
                                                     'department', r.department) order by r.id)
                     from user_roles r join areas a on a.id = r.area_id where r.user_id = u.id), '[]') as grants
    from users u`;

/** A user is in scope when one of their roles is bound inside the actor's areas. */
function scopeCondition(scope: Scope, params: unknown[]): string {
  if (scope.all) return 'true';
  params.push(scope.areaIds);
  return `exists (select 1 from user_roles r where r.user_id = u.id and r.area_id = any($${params.length}::int[]))`;
}

export async function listUsers(
  q: Queryable,
  scope: Scope,
  f: { areaId?: number; role?: string; q?: string; cursor?: number; limit: number },
): Promise<UserRow[]> {
  const params: unknown[] = [];
  const where = [scopeCondition(scope, params)];
  if (f.areaId) {
    params.push(f.areaId);
    where.push(`exists (select 1 from user_roles r join areas a on a.id = r.area_id
                         where r.user_id = u.id and a.path like (select path from areas where id = $${params.length}) || '%')`);
  }
  if (f.role) {
    params.push(f.role);
    where.push(`exists (select 1 from user_roles r where r.user_id = u.id and r.role = $${params.length})`);
  }
  if (f.q) {
    params.push(`%${f.q.replace(/[%_\\]/g, '\\$&')}%`);
    where.push(`(u.username ilike $${params.length} or u.display_name ilike $${params.length})`);
  }
  if (f.cursor) {
    params.push(f.cursor);
    where.push(`u.id > $${params.length}`);
  }
  params.push(f.limit);
  return q.query<UserRow>(
    sql(`${SELECT} where ${where.join(' and ')} order by u.id limit $${params.length}`),
    params,
  );
}

export async function getUser(q: Queryable, scope: Scope, id: number): Promise<UserRow | undefined> {
  const params: unknown[] = [id];
  const cond = scopeCondition(scope, params);
  return (await q.query<UserRow>(sql(`${SELECT} where u.id = $1 and ${cond}`), params))[0];
}

export async function usernameTaken(q: Queryable, username: string): Promise<boolean> {
  return (await q.query(sql('select 1 from users where lower(username) = lower($1)'), [username])).length > 0;
}

export async function insertUser(
  q: Queryable,
  u: {
    username: string;
    displayName: string;
    passwordHash: string;
    visitorType?: string | null;
    organization?: string | null;
    now: Date;
  },
): Promise<number> {
  const [row] = await q.query<{ id: number }>(
    sql(`insert into users (username, display_name, password_hash, visitor_type, organization, password_changed_at, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $6, $6) returning id`),
    [u.username, u.displayName, u.passwordHash, u.visitorType ?? null, u.organization ?? null, u.now],
  );
  return row.id;
}

export async function replaceGrants(q: Queryable, userId: number, grants: Grant[]) {
  await q.query(sql('delete from user_roles where user_id = $1'), [userId]);
  for (const g of grants) {
    await q.query(
      sql('insert into user_roles (user_id, role, area_id, department) values ($1, $2, $3, $4)'),
      [userId, g.role, g.areaId, g.department ?? null],
    );
  }
}

export async function updateUser(
  q: Queryable,
  id: number,
  version: number,
  p: {
    displayName?: string;
    visitorType?: string | null;
    organization?: string | null;
    disabled?: boolean;
    now: Date;
  },
): Promise<boolean> {
  const rows = await q.query(
    sql(`update users set
        display_name = coalesce($3, display_name),
        visitor_type = case when $4::boolean then $5 else visitor_type end,
        organization = case when $6::boolean then $7 else organization end,
        disabled_at = case when $8::boolean is null then disabled_at when $8 then coalesce(disabled_at, $9) else null end,
        updated_at = $9, version = version + 1
      where id = $1 and version = $2 returning id`),
    [
      id,
      version,
      p.displayName ?? null,
      p.visitorType !== undefined,
      p.visitorType ?? null,
      p.organization !== undefined,
      p.organization ?? null,
      p.disabled ?? null,
      p.now,
    ],
  );
  return rows.length === 1;
}

/** Sets a password; `mustChange`: set by an administrator, so its user must change it first. */
export async function setPassword(q: Queryable, id: number, hash: string, now: Date, mustChange = false) {
  await q.query(
    sql(
      'update users set password_hash = $2, password_changed_at = $3, failed_logins = 0, locked_until = null, must_change_password = $4, updated_at = $3 where id = $1',
    ),
    [id, hash, now, mustChange],
  );
}

export async function getPasswordHash(q: Queryable, id: number): Promise<string> {
  return (
    await q.query<{ password_hash: string }>(sql('select password_hash from users where id = $1'), [id])
  )[0].password_hash;
}

/** The hashes a new password must not match: the current one and the last `keep - 1` before it. */
export async function recentPasswordHashes(q: Queryable, userId: number, keep: number): Promise<string[]> {
  const rows = await q.query<{ password_hash: string }>(
    sql(`(select password_hash from users where id = $1)
     union all
     (select password_hash from password_history where user_id = $1 order by id desc limit $2)`),
    [userId, keep - 1],
  );
  return rows.map((r) => r.password_hash);
}

/**
 * Keeps the user's current hash in the history (call in the transaction that replaces it, before
 * replacing it); older entries beyond what the rule needs are dropped.
 */
export async function rememberPassword(q: Queryable, userId: number, keep: number, now: Date) {
  await q.query(
    sql(`insert into password_history (user_id, password_hash, changed_at)
     select id, password_hash, $2 from users where id = $1`),
    [userId, now],
  );
  await q.query(
    sql(`delete from password_history where user_id = $1 and id not in
       (select id from password_history where user_id = $1 order by id desc limit $2)`),
    [userId, keep],
  );
}

/** How many users there are (a first start on an empty database creates them). */
export async function countUsers(q: Queryable): Promise<number> {
  const [{ n }] = await q.query<{ n: number }>(sql('select count(*)::int as n from users'));
  return n;
}

/** An enabled bureau administrator by user name (the command line acts as one). */
export async function findBureauAdmin(q: Queryable, username: string) {
  const [user] = await q.query<{ id: number; display_name: string }>(
    sql(`select u.id, u.display_name from users u join user_roles r on r.user_id = u.id
      where lower(u.username) = lower($1) and r.role = 'bureau_admin' and u.disabled_at is null limit 1`),
    [username],
  );
  return user;
}
