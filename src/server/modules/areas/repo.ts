import { kindFromName } from '../../../shared/areas.js';
import type { AreaLevel } from '../../../shared/roles.js';
import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';

export interface AreaRow {
  id: number;
  parent_id: number | null;
  code: string;
  name: string;
  level: AreaLevel;
  /** The area's own kind (镇, 苏木, 嘎查 …; shared/areas.ts AREA_KINDS[level]). */
  kind: string;
  path: string;
  retired_at: Date | null;
  version: number;
}

const COLS = 'id, parent_id, code, name, level, kind, path, retired_at, version';
/** Top level first (the text order of level names is not the tree's). */
const LEVEL_ORDER = `array_position(array['region', 'city', 'district', 'town', 'village'], level)`;

/** Areas among `ids` (or all when ids is null), ordered for tree building. */
export async function listAreas(
  q: Queryable,
  ids: number[] | null,
  includeRetired: boolean,
): Promise<AreaRow[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  if (ids) {
    params.push(ids);
    where.push(`id = any($${params.length}::int[])`);
  }
  if (!includeRetired) where.push('retired_at is null');
  return q.query<AreaRow>(
    sql(
      `select ${COLS} from areas ${where.length ? `where ${where.join(' and ')}` : ''} order by ${LEVEL_ORDER}, code`,
    ),
    params,
  );
}

export async function getArea(q: Queryable, id: number): Promise<AreaRow | undefined> {
  return (await q.query<AreaRow>(sql(`select ${COLS} from areas where id = $1`), [id]))[0];
}

export async function findAreaByCode(q: Queryable, code: string): Promise<AreaRow | undefined> {
  return (await q.query<AreaRow>(sql(`select ${COLS} from areas where code = $1`), [code]))[0];
}

export async function insertArea(
  q: Queryable,
  a: { parentId: number | null; code: string; name: string; level: AreaLevel; kind?: string },
): Promise<AreaRow> {
  const [row] = await q.query<AreaRow>(
    sql(
      `insert into areas (parent_id, code, name, level, kind) values ($1, $2, $3, $4, $5) returning ${COLS}`,
    ),
    [a.parentId, a.code, a.name, a.level, a.kind ?? kindFromName(a.level, a.name)],
  );
  const [withPath] = await q.query<AreaRow>(
    sql(`update areas set path = coalesce((select path from areas p where p.id = $2), '/') || id || '/'
      where id = $1 returning ${COLS}`),
    [row.id, a.parentId],
  );
  return withPath;
}

/** Next free code under a parent: parent code + 3-digit serial. */
export async function nextChildCode(q: Queryable, parent: AreaRow): Promise<string> {
  const [r] = await q.query<{ n: number }>(
    sql(`select coalesce(max(substring(code from $2::int)::int), 0) + 1 as n
       from areas where parent_id = $1 and code ~ ('^' || $3 || '[0-9]{3}$')`),
    [parent.id, parent.code.length + 1, parent.code],
  );
  return `${parent.code}${String(r.n).padStart(3, '0')}`;
}

export async function updateArea(
  q: Queryable,
  id: number,
  version: number,
  patch: { name?: string; retired?: boolean },
  now: Date,
): Promise<AreaRow | undefined> {
  const [row] = await q.query<AreaRow>(
    sql(`update areas set
        name = coalesce($3, name),
        retired_at = case when $4::boolean is null then retired_at when $4 then coalesce(retired_at, $5) else null end,
        version = version + 1
      where id = $1 and version = $2 returning ${COLS}`),
    [id, version, patch.name ?? null, patch.retired ?? null, now],
  );
  return row;
}

/**
 * Puts a new area above the root of the tree (a district that joins its city): the new root's path
 * is prefixed to every path, so ids, grants and the records' area columns stay as they are.
 */
export async function insertRootAbove(
  q: Queryable,
  a: { code: string; name: string; level: AreaLevel; kind: string },
): Promise<AreaRow> {
  const [root] = await q.query<AreaRow>(
    sql(`select ${COLS} from areas where parent_id is null order by id for update`),
  );
  const [row] = await q.query<AreaRow>(
    sql(`insert into areas (parent_id, code, name, level, kind, path) values (null, $1, $2, $3, $4, '/')
      returning ${COLS}`),
    [a.code, a.name, a.level, a.kind],
  );
  await q.query(sql(`update areas set path = '/' || $1::int || path where id <> $1`), [row.id]);
  await q.query(sql('update areas set parent_id = $1 where id = $2'), [row.id, root.id]);
  const [withPath] = await q.query<AreaRow>(
    sql(`update areas set path = '/' || id || '/' where id = $1 returning ${COLS}`),
    [row.id],
  );
  return withPath;
}

/** The roots of the tree (one in a working system; the join above checks it). */
export async function roots(q: Queryable): Promise<AreaRow[]> {
  return q.query<AreaRow>(sql(`select ${COLS} from areas where parent_id is null order by id`));
}

/**
 * The admin who joins the tree to a new parent keeps their reach: a bureau_admin grant on the new
 * root (the one write to user_roles outside modules/users — users imports areas, not the reverse).
 */
export async function grantBureauAdmin(q: Queryable, userId: number, areaId: number) {
  await q.query(
    sql(`insert into user_roles (user_id, role, area_id, department) values ($1, 'bureau_admin', $2, null)
      on conflict do nothing`),
    [userId, areaId],
  );
}
