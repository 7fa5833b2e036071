import { CARE_DEFAULTS, type CareSettings } from '../../../shared/care.js';
import type { Queryable } from '../../db/db.js';
import { areaSettings, areaSettingsWithSource } from '../settings/index.js';

/**
 * The care and money settings in force for an area: for each key the value set on the nearest area
 * up the tree (village → town → district → system), else the built-in default.
 */
export function careSettings(q: Queryable, areaId: number | null): Promise<CareSettings> {
  return areaSettings(q, areaId, CARE_DEFAULTS as CareSettings);
}

/** Like careSettings, and says where each value comes from (area id, null = system, 'default'). */
export function careSettingsWithSource(q: Queryable, areaId: number | null) {
  return areaSettingsWithSource(q, areaId, CARE_DEFAULTS as CareSettings);
}
