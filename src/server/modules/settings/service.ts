import type { Queryable } from '../../db/db.js';
import * as repo from './repo.js';

/** Where a setting's value comes from: an area's id, the system row (null), or the built-in default. */
export type SettingSource = number | null | 'default';

export type Resolved<T> = { [K in keyof T]: { value: T[K]; source: SettingSource } };

/**
 * The one rule of settings down the tree: for each key, the value set on the nearest area up the
 * path (village → town → district …), else the system row, else the built-in default. `rows` are
 * nearest first (`repo.settingsOnPath`).
 */
export function resolveSettings<T extends object>(
  defaults: T,
  rows: readonly repo.SettingRow[],
): Resolved<T> {
  const out = {} as Resolved<T>;
  for (const k of Object.keys(defaults) as (keyof T & string)[]) {
    const r = rows.find((x) => x.key === k);
    out[k] = r
      ? { value: r.value as T[typeof k], source: r.area_id }
      : { value: defaults[k], source: 'default' };
  }
  return out;
}

/** The values in force for an area, with their sources. */
export async function areaSettingsWithSource<T extends object>(
  q: Queryable,
  areaId: number | null,
  defaults: T,
): Promise<Resolved<T>> {
  return resolveSettings(defaults, await repo.settingsOnPath(q, areaId, Object.keys(defaults)));
}

/** The values in force for an area. */
export async function areaSettings<T extends object>(
  q: Queryable,
  areaId: number | null,
  defaults: T,
): Promise<T> {
  return valuesOf(await areaSettingsWithSource(q, areaId, defaults));
}

/** The values of resolved settings. */
export function valuesOf<T extends object>(r: Resolved<T>): T {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, (v as { value: unknown }).value])) as T;
}

/** A system-wide setting (no area), else `fallback`. */
export async function systemSetting<T>(q: Queryable, key: string, fallback: T): Promise<T> {
  const [r] = await repo.settingsOnPath(q, null, [key]);
  return r ? (r.value as T) : fallback;
}

/** Sets (or, with null, clears back to inherited) a setting on an area, or system-wide with areaId null. */
export async function putSetting(
  q: Queryable,
  s: { areaId: number | null; key: string; value: unknown; by: number; now: Date },
) {
  if (s.value === null || s.value === undefined) await repo.deleteSetting(q, s.areaId, s.key);
  else await repo.upsertSetting(q, s);
}
