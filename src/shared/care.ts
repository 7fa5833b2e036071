/** Caregivers, care agreements, reviews and money (DOMAIN.md sections 8–9): vocabulary and rules. */
import type { SelfCare } from './person.js';

export const AGREEMENT_STATUSES = ['active', 'expired', 'terminated'] as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];
export const AGREEMENT_STATUS_LABELS: Record<AgreementStatus, string> = {
  active: '生效中',
  expired: '已到期',
  terminated: '已解除',
};

/** Common relations of a caregiver to the person (free text is allowed too). */
export const CAREGIVER_RELATIONS = ['子女', '兄弟姐妹', '侄甥', '其他亲属', '邻居', '村民', '护理员', '其他'];

export const REPLACEMENT_CAUSES = ['review_failed', 'serious_infringement', 'manual'] as const;
export type ReplacementCause = (typeof REPLACEMENT_CAUSES)[number];
export const REPLACEMENT_CAUSE_LABELS: Record<ReplacementCause, string> = {
  review_failed: '考核评价不合格',
  serious_infringement: '严重侵害特困人员权益',
  manual: '其他原因',
};
export const REPLACEMENT_STATUSES = ['open', 'done', 'cancelled'] as const;
export type ReplacementStatus = (typeof REPLACEMENT_STATUSES)[number];
export const REPLACEMENT_STATUS_LABELS: Record<ReplacementStatus, string> = {
  open: '办理中',
  done: '已完成',
  cancelled: '已撤销',
};

export const PAYMENT_KINDS = ['allowance', 'care_fee'] as const;
export type PaymentKind = (typeof PAYMENT_KINDS)[number];
export const PAYMENT_KIND_LABELS: Record<PaymentKind, string> = {
  allowance: '基本生活费',
  care_fee: '照料护理费',
};

/** Monthly care fee (yuan) per self-care level; a level missing from the table has no fee. */
export type FeeTable = Partial<Record<SelfCare, number>>;

/** What a review weighs. Weights need not sum to 1: they are normalised over the parts present. */
export interface ReviewRule {
  periodMonths: number;
  weights: { satisfaction: number; neighbours: number; visits: number };
  passScore: number;
}

/** Configuration defaults; each key can be overridden per area (inherited down the tree). */
export const CARE_DEFAULTS = {
  'care.feeTable': { capable: 200, partial: 600, none: 1000 } as FeeTable,
  'care.needingLevels': ['partial', 'none'] as SelfCare[],
  'care.review': {
    periodMonths: 3,
    weights: { satisfaction: 0.4, neighbours: 0.3, visits: 0.3 },
    passScore: 60,
  } as ReviewRule,
  'care.pledgeNoticeDays': 7,
  'care.expiryNoticeDays': 30,
  'money.allowance': 1200,
  'money.unpaidGraceDays': 10,
};
export type CareSettingKey = keyof typeof CARE_DEFAULTS;
export type CareSettings = { [K in CareSettingKey]: (typeof CARE_DEFAULTS)[K] };

/** Section H answer "caregiver performing duties". */
export type DutyAnswer = 'yes' | 'partly' | 'no';
const DUTY_POINTS: Record<DutyAnswer, number> = { yes: 100, partly: 50, no: 0 };

/** What visits in the review period observed about the caregiver (checklist section H). */
export interface VisitObservations {
  visits: number;
  duty: Record<DutyAnswer, number>;
  seriousInfringements: number;
}

export interface ReviewScore {
  satisfactionScore: number;
  neighbourScore: number | null;
  visitScore: number | null;
  score: number;
  passed: boolean;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * The review score (0–100): the person's satisfaction (1–5), the average of the neighbour evaluations
 * (1–5 each), and the visitors' section-H observations (duty yes 100 / partly 50 / no 0, averaged; any
 * serious infringement makes that part 0), weighted by the rule. A part with no data (no neighbour
 * evaluated, no visit in the period) drops out and the other weights are rescaled. A serious
 * infringement fails the review whatever the score.
 */
export function scoreReview(
  input: { satisfaction: number; neighbourScores: number[]; observations: VisitObservations },
  rule: ReviewRule,
): ReviewScore {
  const toPct = (s: number) => ((s - 1) / 4) * 100;
  const satisfactionScore = toPct(input.satisfaction);
  const neighbourScore = input.neighbourScores.length
    ? input.neighbourScores.reduce((a, b) => a + toPct(b), 0) / input.neighbourScores.length
    : null;
  const o = input.observations;
  const answered = o.duty.yes + o.duty.partly + o.duty.no;
  let visitScore: number | null = null;
  if (o.seriousInfringements > 0) visitScore = 0;
  else if (answered > 0) {
    visitScore =
      (o.duty.yes * DUTY_POINTS.yes + o.duty.partly * DUTY_POINTS.partly + o.duty.no * DUTY_POINTS.no) /
      answered;
  }
  const parts: [number, number | null][] = [
    [rule.weights.satisfaction, satisfactionScore],
    [rule.weights.neighbours, neighbourScore],
    [rule.weights.visits, visitScore],
  ];
  let wsum = 0;
  let total = 0;
  for (const [w, v] of parts) {
    if (v === null || w <= 0) continue;
    wsum += w;
    total += w * v;
  }
  const score = round1(wsum > 0 ? total / wsum : satisfactionScore);
  return {
    satisfactionScore: round1(satisfactionScore),
    neighbourScore: neighbourScore === null ? null : round1(neighbourScore),
    visitScore: visitScore === null ? null : round1(visitScore),
    score,
    passed: score >= rule.passScore && o.seriousInfringements === 0,
  };
}

/**
 * 张三 → 张*, 王秀英 → 王*, 欧阳娜娜 → 欧*: the first character and one star, so neither the given
 * name nor its length shows (public pledge page).
 */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  return chars.length <= 1 ? '*' : `${chars[0]}*`;
}

/** The review period (calendar quarters by default) that contains a China date, as from/to dates. */
export function reviewPeriodOf(date: string, periodMonths: number): { from: string; to: string } {
  const [y, m] = date.split('-').map(Number);
  const startMonth = Math.floor((m - 1) / periodMonths) * periodMonths + 1;
  const endMonth = startMonth + periodMonths - 1;
  const endY = y + Math.floor((endMonth - 1) / 12);
  const endM = ((endMonth - 1) % 12) + 1;
  const last = new Date(Date.UTC(endY, endM, 0)).getUTCDate();
  const pad = (n: number) => String(n).padStart(2, '0');
  return { from: `${y}-${pad(startMonth)}-01`, to: `${endY}-${pad(endM)}-${pad(last)}` };
}

/** The previous review period before the one containing `date`. */
export function previousReviewPeriod(date: string, periodMonths: number): { from: string; to: string } {
  const cur = reviewPeriodOf(date, periodMonths);
  const d = new Date(`${cur.from}T00:00:00Z`);
  d.setUTCDate(0);
  return reviewPeriodOf(d.toISOString().slice(0, 10), periodMonths);
}

/** 'YYYY-MM' that is n months after (negative: before) `month`. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  const t = y * 12 + (m - 1) + n;
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
}

/** Whole yuan amounts with two decimals, as shown in grids and printed documents. */
export function formatYuan(n: number): string {
  return n.toFixed(2);
}
