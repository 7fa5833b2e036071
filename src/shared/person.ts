/** The person file's vocabulary (DOMAIN.md section 3), shared by server validation, forms and exports. */

/** 生活自理能力 */
export const SELF_CARE_LEVELS = ['capable', 'partial', 'none'] as const;
export type SelfCare = (typeof SELF_CARE_LEVELS)[number];
export const SELF_CARE_LABELS: Record<SelfCare, string> = {
  capable: '具备生活自理能力',
  partial: '部分丧失生活自理能力',
  none: '完全丧失生活自理能力',
};
export const SELF_CARE_SHORT: Record<SelfCare, string> = { capable: '自理', partial: '半失能', none: '失能' };

/** 普遍探访 / 重点探访 */
export const TIERS = ['general', 'key'] as const;
export type Tier = (typeof TIERS)[number];
export const TIER_LABELS: Record<Tier, string> = { general: '普遍探访', key: '重点探访' };

/** The tier a self-care level implies: any loss of self-care means half-monthly visiting. */
export function tierOf(level: SelfCare): Tier {
  return level === 'capable' ? 'general' : 'key';
}

/** The six indicators of 认定办法 Art. 21; `true` means the person can do it. */
export const SELF_CARE_INDICATORS = [
  { key: 'eating', label: '自主吃饭' },
  { key: 'dressing', label: '自主穿衣' },
  { key: 'transfer', label: '自主上下床' },
  { key: 'toileting', label: '自主如厕' },
  { key: 'walking', label: '室内行走' },
  { key: 'bathing', label: '自主洗澡' },
] as const;
export type SelfCareIndicator = (typeof SELF_CARE_INDICATORS)[number]['key'];
export type SelfCareIndicators = Record<SelfCareIndicator, boolean>;

/** Art. 22: all six met → capable; 1–3 not met → partial; 4 or more not met → none. */
export function deriveSelfCare(indicators: SelfCareIndicators): SelfCare {
  const notMet = SELF_CARE_INDICATORS.filter((i) => !indicators[i.key]).length;
  if (notMet === 0) return 'capable';
  return notMet <= 3 ? 'partial' : 'none';
}

export const PERSON_STATUSES = ['active', 'paused', 'ended'] as const;
export type PersonStatus = (typeof PERSON_STATUSES)[number];
export const PERSON_STATUS_LABELS: Record<PersonStatus, string> = {
  active: '在册',
  paused: '暂停',
  ended: '终止',
};

/** 认定办法 Art. 24: why support ends. */
export const END_REASONS = [
  'death',
  'declared_missing',
  'recovered_ability',
  'income_not_qualified',
  'supporter_able',
  'voluntary_exit',
  'centralized_support',
] as const;
export type EndReason = (typeof END_REASONS)[number];
export const END_REASON_LABELS: Record<EndReason, string> = {
  death: '死亡',
  declared_missing: '被宣告失踪',
  recovered_ability: '恢复生活自理能力',
  income_not_qualified: '收入或财产不再符合条件',
  supporter_able: '法定义务人具备履行义务能力',
  voluntary_exit: '自愿申请退出',
  centralized_support: '转为集中供养',
};

export const PERSON_FLAGS = [
  'severe_disability',
  'mental_illness',
  'infectious_disease',
  'lives_alone',
] as const;
export type PersonFlag = (typeof PERSON_FLAGS)[number];
export const PERSON_FLAG_LABELS: Record<PersonFlag | 'aged_80', string> = {
  aged_80: '高龄（80岁以上）',
  severe_disability: '重度残疾',
  mental_illness: '精神疾病',
  infectious_disease: '传染病',
  lives_alone: '独居',
};

/**
 * Age in whole years on a given China date; both dates 'YYYY-MM-DD' (80+ is derived from it). The
 * birthday has come when the 'MM-DD' of `on` is not before the birth's: fixed-width strings order as
 * dates, so one string comparison (a page of 50 persons, a roster of a million rows) instead of two
 * splits per call. Born on 29 February: a year later on 1 March ('03-01' > '02-29').
 */
export function ageOn(birthDate: string, on: string): number {
  const years = Number(on.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return on.slice(5) < birthDate.slice(5) ? years - 1 : years;
}

/** 一卡通 */
export const BENEFIT_CARD_STATES = ['self', 'custodian', 'lost', 'none'] as const;
export type BenefitCardState = (typeof BENEFIT_CARD_STATES)[number];
export const BENEFIT_CARD_LABELS: Record<BenefitCardState, string> = {
  self: '本人持有',
  custodian: '他人代管',
  lost: '遗失',
  none: '未办理',
};
