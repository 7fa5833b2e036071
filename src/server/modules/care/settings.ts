import { CARE_DEFAULTS, type CareSettingKey, type CareSettings } from '../../../shared/care.js';
import type { Queryable } from '../../db/db.js';
import { readSettings } from './repo.js';

const KEYS = Object.keys(CARE_DEFAULTS) as CareSettingKey[];

/**
 * The care and money settings in force for an area: for each key the value set on the nearest area
 * up the tree (village → town → district → system), else the built-in default.
 */
export async function careSettings(q: Queryable, areaId: number | null): Promise<CareSettings> {
  const rows = await readSettings(q, areaId, KEYS);
  const out = { ...CARE_DEFAULTS } as Record<string, unknown>;
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.key)) continue;
    seen.add(r.key);
    out[r.key] = r.value;
  }
  return out as CareSettings;
}

/** Like careSettings, and says where each value comes from (area id, null = system, 'default'). */
export async function careSettingsWithSource(q: Queryable, areaId: number | null) {
  const rows = await readSettings(q, areaId, KEYS);
  const out: Record<string, { value: unknown; source: number | null | 'default' }> = {};
  for (const k of KEYS) out[k] = { value: CARE_DEFAULTS[k], source: 'default' };
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.key)) continue;
    seen.add(r.key);
    out[r.key] = { value: r.value, source: r.area_id };
  }
  return out;
}
