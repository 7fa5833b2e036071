import { AREA_LEVEL_LABELS, AREA_LEVELS, type AreaLevel } from './roles.js';

/**
 * The kinds of area at each level (DOMAIN.md §2). A 苏木 is a township and a 嘎查 a village of Inner
 * Mongolia: each area is shown by its own kind, never by the level's Han name (a 嘎查 is not a 村).
 * One definition, read by the migration's backfill test, the server (new areas, roster import) and
 * the console (labels, the area form).
 */
/**
 * Development zones run as townships in civil affairs (东胜区's 高新区): their own kind, not 镇; not
 * named in a column's heading (`childColumnLabel`).
 */
const ZONE_KINDS = ['高新区', '开发区', '园区'] as const;

export const AREA_KINDS = {
  region: ['自治区', '省', '直辖市'],
  city: ['市', '盟', '自治州', '地区'],
  district: ['区', '旗', '县', '自治旗', '自治县', '县级市'],
  town: ['镇', '苏木', '街道', '乡', '民族乡', '民族苏木', ...ZONE_KINDS],
  village: ['村', '嘎查', '社区'],
} as const satisfies Record<AreaLevel, readonly string[]>;
export type AreaKind = (typeof AREA_KINDS)[AreaLevel][number];

/** The level's rank from the top (region 0 … village 4). */
export const levelRank = (l: AreaLevel): number => AREA_LEVELS.indexOf(l);

/** The level below (null under a village). */
export function childLevel(l: AreaLevel): AreaLevel | null {
  return AREA_LEVELS[levelRank(l) + 1] ?? null;
}

/** The level above (null over a region). */
export function parentLevel(l: AreaLevel): AreaLevel | null {
  return levelRank(l) > 0 ? AREA_LEVELS[levelRank(l) - 1] : null;
}

/** True for the levels above the township, whose records are found through their townships. */
export const aboveTown = (l: AreaLevel): boolean => levelRank(l) < levelRank('town');

/** Whether `kind` is a kind of area at `level`. */
export function isKindOf(level: AreaLevel, kind: string): kind is AreaKind {
  return (AREA_KINDS[level] as readonly string[]).includes(kind);
}

/**
 * The kind a name says it is (罕台镇 → 镇, 巴音门克街道 → 街道, 某某嘎查 → 嘎查, 伊金霍洛旗 → 旗), the longest
 * matching suffix first; else the level's first kind (a village named 'X组' is a 村).
 */
export function kindFromName(level: AreaLevel, name: string): AreaKind {
  const kinds = [...AREA_KINDS[level]].sort((a, b) => b.length - a.length);
  return (kinds.find((k) => name.trim().endsWith(k)) ?? AREA_KINDS[level][0]) as AreaKind;
}

/**
 * The label of an area's level as this area calls it: its own kind (苏木, 嘎查) when known, else the
 * level's generic name.
 */
export function areaKindLabel(a: { level: AreaLevel; kind?: string | null }): string {
  return a.kind && isKindOf(a.level, a.kind) ? a.kind : AREA_LEVEL_LABELS[a.level];
}

/**
 * The heading of a column of child areas, from the kinds present: '镇（街道）' for Dongsheng's towns,
 * '村（社区）' for a town's villages, '镇（苏木）' for a banner, '嘎查' for a 苏木 of 嘎查 only; the level's
 * generic name when none is known. A development zone among townships (东胜区's 高新区) does not
 * lengthen the heading — the usual 镇（街道） covers it, as the bureau's own tables say it, and the
 * printed report's first column stays one line — unless zones are all there is.
 */
export function childColumnLabel(level: AreaLevel, kinds: readonly (string | null | undefined)[]): string {
  const order = AREA_KINDS[level] as readonly string[];
  const all = order.filter((k) => kinds.includes(k));
  const units = all.filter((k) => !(ZONE_KINDS as readonly string[]).includes(k));
  const present = units.length ? units : all;
  if (!present.length) return AREA_LEVEL_LABELS[level];
  const [first, ...rest] = present;
  return rest.length ? `${first}（${rest.join('、')}）` : first;
}

/**
 * A name with its kind's suffix removed, for matching what people type in a roster (罕台 = 罕台镇,
 * 某某 = 某某嘎查). The longest suffix first, and never down to nothing.
 */
export function foldAreaName(level: AreaLevel, name: string): string {
  const n = name.trim();
  const kinds = [...AREA_KINDS[level]].sort((a, b) => b.length - a.length);
  for (const k of kinds) if (n.endsWith(k) && n.length > k.length) return n.slice(0, -k.length);
  return n;
}
