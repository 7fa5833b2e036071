import type { AreaLevel } from '../../../shared/roles.js';
import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';

export interface AreaRow {
  id: number;
  parent_id: number | null;
  code: string;
  name: string;
  level: AreaLevel;
  path: string;
  retired_at: Date | null;
  version: number;
}

const COLS = 'id, parent_id, code, name, level, path, retired_at, version';

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
      `select ${COLS} from areas ${where.length ? `where ${where.join(' and ')}` : ''} order by level, code`,
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
  a: { parentId: number | null; code: string; name: string; level: AreaLevel },
): Promise<AreaRow> {
  const [row] = await q.query<AreaRow>(
    sql(`insert into areas (parent_id, code, name, level) values ($1, $2, $3, $4) returning ${COLS}`),
    [a.parentId, a.code, a.name, a.level],
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
