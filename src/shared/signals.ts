/**
 * Signals from outside (预警信息, DOMAIN.md §13): the signal types, what a rule per type may open, the
 * defaults, the service accounts' permissions and the request signing — one definition for the
 * server's rules, the contract and the console.
 */
import type { Season } from './checklist.js';
import type { IncidentType } from './incidents.js';

export const SIGNAL_TYPES = [
  'meter_silent',
  'monitoring_warning',
  'hospital_admission',
  'hospital_discharge',
  'police_report',
  'weather_warning',
] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];
export const SIGNAL_TYPE_LABELS: Record<SignalType, string> = {
  meter_silent: '水电表无用量（独居告警）',
  monitoring_warning: '低收入人口动态监测预警',
  hospital_admission: '住院',
  hospital_discharge: '出院',
  police_report: '公安警情',
  weather_warning: '气象预警',
};
/** Types about one person (matched by ID number); the others name areas. */
export const isPersonSignal = (t: SignalType) => t !== 'weather_warning';

/** Kinds of weather warning; each opens a special round (专项探访) of the same campaign kind. */
export const WEATHER_KINDS = ['cold_wave', 'blizzard', 'rainstorm', 'heat'] as const;
export type WeatherKind = (typeof WEATHER_KINDS)[number];
export const WEATHER_KIND_LABELS: Record<WeatherKind, string> = {
  cold_wave: '寒潮',
  blizzard: '暴雪',
  rainstorm: '暴雨',
  heat: '高温',
};

/**
 * The section G checks a weather round requires (ROUND_CHECKS, asked whatever the season): cold and
 * snow → heating (室内温度、取暖安全、一氧化碳); rainstorm → flood (防汛安全、用电安全). Heat requires
 * none: the checklist has no heat item, and the 汛期 pair would force a 防汛 answer that means nothing in
 * a dry heat wave (inside the flood season both are asked anyway); health and the home are asked at
 * every visit. An officer opening a heat round by hand may still choose checks.
 */
export const WEATHER_CHECKS: Record<WeatherKind, readonly Season[]> = {
  cold_wave: ['heating'],
  blizzard: ['heating'],
  rainstorm: ['flood'],
  heat: [],
};

/**
 * What a signal became: `opened` (a task, an incident or a round), `merged` (a duplicate inside the
 * rule's window: it joined the open task of the first), `unmatched` (kept for review with a reason),
 * `recorded` (the rule opens nothing).
 */
export const SIGNAL_STATUSES = ['opened', 'merged', 'unmatched', 'recorded'] as const;
export type SignalStatus = (typeof SIGNAL_STATUSES)[number];
export const SIGNAL_STATUS_LABELS: Record<SignalStatus, string> = {
  opened: '已派核查',
  merged: '已合并（重复）',
  unmatched: '待人工核对',
  recorded: '仅登记',
};

/** Why a signal is in the review list. */
export const UNMATCHED_REASONS = ['invalid_id', 'unknown_id', 'ended', 'paused', 'no_person'] as const;
export type UnmatchedReason = (typeof UNMATCHED_REASONS)[number];
export const UNMATCHED_REASON_LABELS: Record<UnmatchedReason, string> = {
  invalid_id: '证件号码格式或校验位错误',
  unknown_id: '查无此人（证件号码不在档案中）',
  ended: '对象已终止供养',
  paused: '对象暂停供养中',
  no_person: '预警区域内没有符合条件的对象',
};

/** What a rule opens for a signal of its type. */
export const SIGNAL_ACTIONS = ['verify', 'follow_up', 'campaign', 'none'] as const;
export type SignalAction = (typeof SIGNAL_ACTIONS)[number];
export const SIGNAL_ACTION_LABELS: Record<SignalAction, string> = {
  verify: '派发核查任务',
  follow_up: '派发跟进探访（出院）',
  campaign: '开启专项探访',
  none: '仅登记',
};

/** The rule of one signal type on an area (setting `signals.rule.<type>`, inherited down the tree). */
export interface SignalRule {
  action: SignalAction;
  /** Task deadline in hours from arrival (verify, follow_up) or the round's length (campaign). */
  hours: number;
  /** Also open an incident of this type for the person (null: none). */
  incidentType: IncidentType | null;
  /** A signal of the same type for the same person within this many hours joins the open task. */
  mergeHours: number;
  /** campaign: which persons of the areas the round visits (all conditions hold). */
  selection: { tiers?: ('general' | 'key')[]; flags?: string[]; minAge?: number } | null;
}

export const SIGNAL_RULE_DEFAULTS: Record<SignalType, SignalRule> = {
  meter_silent: { action: 'verify', hours: 24, incidentType: null, mergeHours: 24, selection: null },
  monitoring_warning: { action: 'verify', hours: 24, incidentType: null, mergeHours: 72, selection: null },
  hospital_admission: { action: 'verify', hours: 24, incidentType: null, mergeHours: 24, selection: null },
  hospital_discharge: { action: 'follow_up', hours: 72, incidentType: null, mergeHours: 24, selection: null },
  police_report: { action: 'verify', hours: 24, incidentType: null, mergeHours: 24, selection: null },
  weather_warning: {
    action: 'campaign',
    hours: 48,
    incidentType: null,
    mergeHours: 0,
    selection: { tiers: ['key'] },
  },
};
export const ruleKeyOf = (t: SignalType) => `signals.rule.${t}`;
export const RULE_LIMITS = { maxHours: 24 * 30, maxMergeHours: 24 * 30 } as const;

/** Permissions a service account (a machine client) may hold; no person's role grants these. */
export const SERVICE_PERMISSIONS = ['signals.submit', 'signals.weather'] as const;
export type ServicePermission = (typeof SERVICE_PERMISSIONS)[number];
export const SERVICE_PERMISSION_LABELS: Record<ServicePermission, string> = {
  'signals.submit': '报送对象预警（按证件号码）',
  'signals.weather': '报送气象预警（按区域）',
};
/** The permission a signal type needs. */
export const permissionOfType = (t: SignalType): ServicePermission =>
  t === 'weather_warning' ? 'signals.weather' : 'signals.submit';

/** Service-account tokens start with this, so a person's login and a machine's never mix. */
export const SERVICE_TOKEN_PREFIX = 'tfsa_';
/** Signing: `X-Tanfang-Signature: sha256=hex(HMAC_SHA256(secret, timestamp + "." + body))`. */
export const SIGNATURE_HEADER = 'x-tanfang-signature';
export const TIMESTAMP_HEADER = 'x-tanfang-timestamp';
/** A file's name as the sending system gives it (URL-encoded; optional; kept on the receipt and in the audit). */
export const FILENAME_HEADER = 'x-tanfang-filename';
/** A signed request older (or newer) than this is refused as a replay. */
export const REPLAY_WINDOW_SECONDS = 300;
export const SIGNAL_LIMITS = {
  batch: 1000,
  key: 100,
  text: 500,
  detailKeys: 30,
  areas: 50,
  name: 60,
  maxExpiryDays: 730,
} as const;
