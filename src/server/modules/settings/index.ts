/**
 * Settings: keyed values on an area, inherited down the tree, or system-wide. The one reader and
 * writer of the `settings` table; every module's configuration goes through it.
 */
export { type SettingRow, settingRows, settingsOnPathSql } from './repo.js';
export {
  areaSettings,
  areaSettingsWithSource,
  putSetting,
  type Resolved,
  resolveSettings,
  type SettingSource,
  systemSetting,
  valuesOf,
} from './service.js';
