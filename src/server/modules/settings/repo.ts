import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';

/** A row of `settings`: a key's value on an area, or system-wide (`area_id` null). */
export interface SettingRow {
  area_id: number | null;
  key: string;
  value: unknown;
}

/** Setting keys as an SQL array literal (they are code constants; anything else is refused). */
function keysLiteral(keys: readonly string[]): string {
  for (const k of keys) if (!/^[a-zA-Z][\w.]*$/.test(k)) throw new Error(`invalid setting key ${k}`);
  return `'{${keys.join(',')}}'::text[]`;
}

/**
 * SQL of the rows of `keys` set on the area `areaExpr` (an SQL expression) or above it, nearest area
 * first, the system row last. For a statement that reads settings with other things (the visit
 * context read is one statement per visit); `settingsOnPath` runs it alone.
 */
export const settingsOnPathSql = (
  areaExpr: string,
  keys: readonly string[],
) => `select s.area_id, s.key, s.value,
            length(coalesce(a.path, '')) as depth
       from settings s
       left join areas a on a.id = s.area_id
      where s.key = any(${keysLiteral(keys)})
        and (s.area_id is null or s.area_id::text = any(string_to_array(trim(both '/' from
              coalesce((select path from areas where id = ${areaExpr}), '')), '/')))
      order by depth desc`;

/** The rows of `keys` on the path of an area (nearest first, the system row last; null: system only). */
export async function settingsOnPath(
  q: Queryable,
  areaId: number | null,
  keys: readonly string[],
): Promise<SettingRow[]> {
  return q.query<SettingRow>(sql(settingsOnPathSql('$1', keys)), [areaId]);
}

/** Every row of `keys`, on any area (the table is small: a few keys per configured area). */
export async function settingRows(q: Queryable, keys: readonly string[]): Promise<SettingRow[]> {
  return q.query<SettingRow>(
    sql(`select area_id, key, value from settings where key = any(${keysLiteral(keys)})`),
  );
}

export async function upsertSetting(
  q: Queryable,
  s: { areaId: number | null; key: string; value: unknown; by: number; now: Date },
) {
  await q.query(
    sql(`insert into settings (area_id, key, value, updated_at, updated_by) values ($1, $2, $3, $4, $5)
     on conflict (coalesce(area_id, 0), key) do update set value = excluded.value,
       updated_at = excluded.updated_at, updated_by = excluded.updated_by`),
    [s.areaId, s.key, JSON.stringify(s.value), s.now, s.by],
  );
}

export async function deleteSetting(q: Queryable, areaId: number | null, key: string) {
  await q.query(sql('delete from settings where coalesce(area_id, 0) = coalesce($1::int, 0) and key = $2'), [
    areaId,
    key,
  ]);
}
