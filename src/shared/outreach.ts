/**
 * Social organisations, mutual-aid activities and policy outreach (DOMAIN.md §14, policy 六（五）):
 * the vocabularies and the outreach period (a month or a quarter), one definition for the server,
 * the console and the reports.
 */
import { daysInMonth } from './china-time.js';
import { PERSON_FLAG_LABELS, PERSON_FLAGS, type PersonFlag } from './person.js';

export const ORGANISATION_KINDS = ['organisation', 'volunteer'] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];
export const ORGANISATION_KIND_LABELS: Record<OrganisationKind, string> = {
  organisation: '公益性社会组织',
  volunteer: '志愿者（团队）',
};

export const ACTIVITY_TYPES = ['mutual_aid', 'policy', 'festival', 'health', 'other'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];
export const ACTIVITY_TYPE_LABELS: Record<ActivityType, string> = {
  mutual_aid: '互助关爱',
  policy: '政策宣传',
  festival: '节日慰问',
  health: '健康义诊',
  other: '其他',
};

/** Who organised an activity: a registered organisation, or an office (the bureau, a town, a village). */
export const ORGANISER_KINDS = ['organisation', 'office'] as const;
export type OrganiserKind = (typeof ORGANISER_KINDS)[number];

/** Services an organisation offers or an activity gives: suggestions for the forms, free text allowed. */
export const SERVICE_SUGGESTIONS = [
  '精神慰藉',
  '政策宣传',
  '生活照料',
  '家政保洁',
  '健康义诊',
  '理发',
  '代办事项',
  '慰问品发放',
  '安全检查',
  '法律咨询',
] as const;

/**
 * A rule choosing the persons an activity reached ("all 独居 in 罕台村"): an area (district, town or
 * village) and optional filters; resolved at save time into the participant list, and recorded.
 */
export interface ReachRule {
  areaId: number;
  flags?: PersonFlag[];
  tier?: 'general' | 'key';
  aged80?: boolean;
}
export { PERSON_FLAGS };

/** The rule in words: 按规则：罕台村 · 独居、80 岁以上 (null: picked one by one). */
export function reachRuleText(rule: ReachRule | null, areaName?: string | null): string {
  if (!rule) return '逐个选择';
  const parts = [
    ...(rule.flags ?? []).map((f) => PERSON_FLAG_LABELS[f] ?? f),
    ...(rule.tier ? [rule.tier === 'key' ? '重点探访对象' : '普遍探访对象'] : []),
    ...(rule.aged80 ? ['80 岁以上'] : []),
  ];
  return `按规则：${areaName ?? `辖区 ${rule.areaId}`} · ${parts.length ? parts.join('、') : '全部在保对象'}`;
}

/** Period of the outreach figures: a month 'YYYY-MM' or a quarter 'YYYY-Qn'. */
export const OUTREACH_PERIOD_RE = /^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$/;

/** The quarter 'YYYY-Qn' of a China date 'YYYY-MM-DD'. */
export function quarterOf(date: string): string {
  return `${date.slice(0, 4)}-Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;
}

/** First and last day (inclusive) of an outreach period, and the months it spans. */
export function outreachPeriodDays(period: string): { from: string; to: string; months: string[] } {
  if (!OUTREACH_PERIOD_RE.test(period)) throw new Error(`not an outreach period: ${period}`);
  const y = Number(period.slice(0, 4));
  const first = period[5] === 'Q' ? (Number(period[6]) - 1) * 3 + 1 : Number(period.slice(5, 7));
  const count = period[5] === 'Q' ? 3 : 1;
  const months = Array.from({ length: count }, (_, i) => `${y}-${String(first + i).padStart(2, '0')}`);
  const last = first + count - 1;
  return {
    from: `${months[0]}-01`,
    to: `${months.at(-1)}-${String(daysInMonth(y, last)).padStart(2, '0')}`,
    months,
  };
}

/** 2026年第1季度 / 2026年3月 */
export function outreachPeriodLabel(period: string): string {
  return period[5] === 'Q'
    ? `${period.slice(0, 4)}年第${period[6]}季度`
    : `${period.slice(0, 4)}年${Number(period.slice(5, 7))}月`;
}
