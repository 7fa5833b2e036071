/**
 * The oversight figures of DOMAIN.md section 10, each defined ONCE. Every screen, export and report
 * reads its label, unit and direction from here, and the server computes each id with exactly one
 * grouped query (modules/oversight/repo.ts) whose drill-down lists the records behind the number.
 *
 * Period keys are those of shared/schedule.ts: 'YYYY-MM' (a month) or 'YYYY-MM-1|2' (a half month).
 */

export const METRIC_IDS = [
  'activePersons',
  'coverage',
  'onTime',
  'dueSoon',
  'missed',
  'inPersonShare',
  'policyAwareness',
  'incidentAckMedian',
  'incidentAckWithin',
  'incidentsOpen',
  'rectificationOnTime',
  'rectificationOverdue',
  'agreementCoverage',
  'agreementsExpiring',
  'reviewPassRate',
  'flaggedShare',
  'reviewBacklog',
  'spotCheckConfirmed',
] as const;
export type MetricId = (typeof METRIC_IDS)[number];

/**
 * ratio: numerator ÷ denominator (shown as a percentage); rolls up by summing both parts.
 * count: a number of records; rolls up by summing.
 * median: minutes; not additive, so every area's value is computed from its own records.
 */
export type MetricUnit = 'ratio' | 'count' | 'minutes';
export type MetricRollup = 'sum' | 'sumParts' | 'recompute';

/** What a drill-down lists: one row per record of this kind. */
export type RecordKind = 'person' | 'task' | 'visit' | 'incident' | 'concern' | 'agreement' | 'review';

export interface MetricDefinition {
  id: MetricId;
  label: string;
  /** The rule in words, shown beside the figure (tooltips, the report's notes). */
  definition: string;
  unit: MetricUnit;
  /** 'up': higher is better (coverage); 'down': lower is better (missed). */
  good: 'up' | 'down';
  rollup: MetricRollup;
  /** Records listed by the drill-down (the denominator's, for ratios; the counted ones otherwise). */
  records: RecordKind;
  /** Labels of the two parts of a ratio. */
  numeratorLabel?: string;
  denominatorLabel?: string;
  /** The group of figures the dashboards show it in. */
  group: 'visits' | 'incidents' | 'rectification' | 'care' | 'authenticity';
  /** Is it meaningful "as of now" only (a backlog), rather than for a past period? */
  asOfNow?: boolean;
  /** Does it grow through the period (coverage)? Then it is not judged (coloured) before the period ends. */
  accrues?: boolean;
}

export const METRICS: Record<MetricId, MetricDefinition> = {
  activePersons: {
    id: 'activePersons',
    label: '在册对象',
    definition: '本期内任一时刻处于在保（active）状态的分散供养特困人员人数',
    unit: 'count',
    good: 'up',
    rollup: 'sum',
    records: 'person',
    group: 'visits',
  },
  coverage: {
    id: 'coverage',
    label: '探访覆盖率',
    definition: '本期内至少有一次有效探访（联系到本人）的在册对象 ÷ 在册对象',
    unit: 'ratio',
    good: 'up',
    rollup: 'sumParts',
    records: 'person',
    numeratorLabel: '已探访对象',
    denominatorLabel: '在册对象',
    group: 'visits',
    accrues: true,
  },
  onTime: {
    id: 'onTime',
    label: '按时率',
    definition: '窗口在本期内结束的探访任务中已按时完成的比例（已取消的任务不计）',
    unit: 'ratio',
    good: 'up',
    rollup: 'sumParts',
    records: 'task',
    numeratorLabel: '按时完成任务',
    denominatorLabel: '到期任务（不含已取消）',
    group: 'visits',
  },
  dueSoon: {
    id: 'dueSoon',
    label: '即将到期',
    definition: '本期内到期、距到期日 3 天及以内仍未完成的探访任务',
    unit: 'count',
    good: 'down',
    rollup: 'sum',
    records: 'task',
    group: 'visits',
    asOfNow: true,
  },
  missed: {
    id: 'missed',
    label: '逾期未访',
    definition: '窗口在本期内结束而未完成探访（已标记逾期）的任务',
    unit: 'count',
    good: 'down',
    rollup: 'sum',
    records: 'task',
    group: 'visits',
  },
  inPersonShare: {
    id: 'inPersonShare',
    label: '上门率',
    definition: '本期有效探访中上门探访的比例（未接通等失败联系不计）',
    unit: 'ratio',
    good: 'up',
    rollup: 'sumParts',
    records: 'visit',
    numeratorLabel: '上门有效探访',
    denominatorLabel: '有效探访',
    group: 'visits',
  },
  policyAwareness: {
    id: 'policyAwareness',
    label: '政策知晓率',
    definition: '本期有效探访中回答“知晓本人供养政策”的比例（未作答的不计）',
    unit: 'ratio',
    good: 'up',
    rollup: 'sumParts',
    records: 'visit',
    numeratorLabel: '知晓政策',
    denominatorLabel: '已作答探访',
    group: 'visits',
  },
  incidentAckMedian: {
    id: 'incidentAckMedian',
    label: '应急响应时长（中位数）',
    definition: '本期开启的应急事件从开启到首次确认的时长中位数（分钟）',
    unit: 'minutes',
    good: 'down',
    rollup: 'recompute',
    records: 'incident',
    group: 'incidents',
  },
  incidentAckWithin: {
    id: 'incidentAckWithin',
    label: '按时确认率',
    definition:
      '本期开启的应急事件中，在确认时限内有一方完成首次确认的比例；尚未确认且未到时限的事件不计入（不算超时也不算按时）',
    unit: 'ratio',
    good: 'up',
    rollup: 'sumParts',
    records: 'incident',
    numeratorLabel: '时限内确认',
    denominatorLabel: '本期开启事件',
    group: 'incidents',
  },
  incidentsOpen: {
    id: 'incidentsOpen',
    label: '未结应急事件',
    definition: '当前尚未关闭的应急事件（按类型分列）',
    unit: 'count',
    good: 'down',
    rollup: 'sum',
    records: 'incident',
    group: 'incidents',
    asOfNow: true,
  },
  rectificationOnTime: {
    id: 'rectificationOnTime',
    label: '整改按期率',
    definition: '办理期限在本期内届满的限期整改诉求中，在期限内办结的比例',
    unit: 'ratio',
    good: 'up',
    rollup: 'sumParts',
    records: 'concern',
    numeratorLabel: '按期办结',
    denominatorLabel: '本期届满',
    group: 'rectification',
  },
  rectificationOverdue: {
    id: 'rectificationOverdue',
    label: '超期未整改',
    definition: '当前已过办理期限仍未办结的诉求',
    unit: 'count',
    good: 'down',
    rollup: 'sum',
    records: 'concern',
    group: 'rectification',
    asOfNow: true,
  },
  agreementCoverage: {
    id: 'agreementCoverage',
    label: '照料协议签订率',
    definition: '需要委托照料（生活自理能力为半失能、失能）的在保对象中有生效协议的比例',
    unit: 'ratio',
    good: 'up',
    rollup: 'sumParts',
    records: 'person',
    numeratorLabel: '有生效协议',
    denominatorLabel: '需签协议对象',
    group: 'care',
    asOfNow: true,
  },
  agreementsExpiring: {
    id: 'agreementsExpiring',
    label: '协议即将到期',
    definition: '30 天内到期的生效照料协议',
    unit: 'count',
    good: 'down',
    rollup: 'sum',
    records: 'agreement',
    group: 'care',
    asOfNow: true,
  },
  reviewPassRate: {
    id: 'reviewPassRate',
    label: '照料考核合格率',
    definition: '考核期在本期内结束的照料服务人考核评价中合格的比例',
    unit: 'ratio',
    good: 'up',
    rollup: 'sumParts',
    records: 'review',
    numeratorLabel: '合格',
    denominatorLabel: '考核次数',
    group: 'care',
  },
  flaggedShare: {
    id: 'flaggedShare',
    label: '疑点探访占比',
    definition:
      '本期探访中触发真实性疑点（位置、照片、移动速度、填写时长、补录、当日次数、内容雷同）的比例；疑点不是结论，须经镇街核查',
    unit: 'ratio',
    good: 'down',
    rollup: 'sumParts',
    records: 'visit',
    numeratorLabel: '有疑点探访',
    denominatorLabel: '本期探访',
    group: 'authenticity',
  },
  reviewBacklog: {
    id: 'reviewBacklog',
    label: '待核查疑点',
    definition: '本期有疑点、镇街尚未核查的探访',
    unit: 'count',
    good: 'down',
    rollup: 'sum',
    records: 'visit',
    group: 'authenticity',
  },
  spotCheckConfirmed: {
    id: 'spotCheckConfirmed',
    label: '回访属实率',
    definition: '民政局回访抽查中已登记结果的本期探访里，回访确认属实的比例（联系不上的计入分母）',
    unit: 'ratio',
    good: 'up',
    rollup: 'sumParts',
    records: 'visit',
    numeratorLabel: '回访属实',
    denominatorLabel: '已回访',
    group: 'authenticity',
  },
};

/** Days ahead an agreement counts as "expiring" (matches the expiry notice). */
export const AGREEMENT_EXPIRING_DAYS = 30;

/** One figure for one area (or visitor) and period. */
export interface MetricValue {
  /** ratio: numerator ÷ denominator; count: the count; minutes: the median. Null when undefined (0 ÷ 0). */
  value: number | null;
  numerator?: number;
  denominator?: number;
}

/** Value of a ratio; null when nothing is counted (so "no tasks" never shows as 0 % or 100 %). */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

// ---------------------------------------------------------------------------------------------
// The rules for empty and small denominators and for the period in progress (one set, every page,
// export, report and the score).
// ---------------------------------------------------------------------------------------------

/**
 * The smallest denominator a ratio (or number of incidents of a median) is shown as a value for.
 * Below it one record moves the figure by 20 points or more: 0/1 reads as a red 0.0 % although it
 * says nothing yet. Such a figure is shown as "样本不足" with its n, never coloured, never ranked.
 */
export const MIN_SAMPLE = 5;

/**
 * none: nothing to count (ratio or median over 0 records) — shown as "—" (无记录);
 * small: fewer than MIN_SAMPLE records — "样本不足（n=…）", no colour, no ranking;
 * ok: the value as is.
 */
export type FigureState = 'none' | 'small' | 'ok';

export function figureState(id: MetricId, v: MetricValue | null | undefined): FigureState {
  if (v == null || v.value == null) return 'none';
  if (METRICS[id].unit === 'count') return 'ok';
  if (v.denominator == null) return 'ok';
  if (v.denominator <= 0) return 'none';
  return v.denominator < MIN_SAMPLE ? 'small' : 'ok';
}

/** The rules in words, shown with every figure (dashboard tooltips and legend, the report's notes). */
export const FIGURE_RULES = {
  none: '无记录（分母为 0）时显示“—”，不计为 0% 也不计为 100%',
  small: `记录少于 ${MIN_SAMPLE} 条时显示“样本不足”及样本数 n，不标颜色、不参与由低到高排序`,
  inProgress:
    '本期尚未结束时为截至今日的数值，标注“进行中”，走势中以虚线接续；覆盖率等随期间累积的指标在期末前不标颜色',
} as const;

/** The definition of one figure followed by the rules that apply to its unit. */
export function ruleOf(id: MetricId): string {
  const m = METRICS[id];
  const parts = [m.definition];
  if (m.unit !== 'count') parts.push(FIGURE_RULES.none, FIGURE_RULES.small);
  if (m.asOfNow) parts.push('反映当前状态，不随期间回溯');
  else parts.push(FIGURE_RULES.inProgress);
  return `${parts.join('。')}。`;
}

/** Is the period still running at `now`? ('past' periods are final; a 'current' one is to date.) */
export type PeriodState = 'past' | 'current' | 'future';
export function periodStateOf(window: { start: Date; end: Date }, now: Date): PeriodState {
  if (now.getTime() >= window.end.getTime()) return 'past';
  return now.getTime() >= window.start.getTime() ? 'current' : 'future';
}

/** Display text of a value: '87.5%', '12', '35 分钟', '—', '样本不足（n=1）'. */
export function formatMetric(id: MetricId, v: MetricValue | number | null | undefined): string {
  const fig = typeof v === 'object' && v !== null ? v : { value: v ?? null };
  const state = figureState(id, fig);
  if (state === 'none') return '—';
  if (state === 'small') return `样本不足（n=${fig.denominator}）`;
  return formatValue(id, fig.value!);
}

/** The number alone, whatever its sample (a score's inputs, a chart's axis). */
export function formatValue(id: MetricId, value: number): string {
  const unit = METRICS[id].unit;
  if (unit === 'ratio') return `${(Math.round(value * 1000) / 10).toFixed(1)}%`;
  if (unit === 'minutes') return `${Math.round(value)} 分钟`;
  return String(value);
}

// ---------------------------------------------------------------------------------------------
// Town assessment (考核)
// ---------------------------------------------------------------------------------------------

export type AssessmentWeights = Partial<Record<MetricId, number>>;

export const ASSESSMENT_COMPONENTS: MetricId[] = [
  'coverage',
  'onTime',
  'inPersonShare',
  'incidentAckWithin',
  'rectificationOnTime',
  'agreementCoverage',
  'reviewPassRate',
  'spotCheckConfirmed',
];

export const DEFAULT_ASSESSMENT_WEIGHTS: AssessmentWeights = {
  coverage: 30,
  onTime: 25,
  inPersonShare: 15,
  incidentAckWithin: 10,
  rectificationOnTime: 10,
  agreementCoverage: 5,
  reviewPassRate: 5,
  // Visit authenticity (DOMAIN.md §12): small by default, configurable like the others.
  spotCheckConfirmed: 5,
};

/** The settings key of the weights (district-wide, edited by the bureau). */
export const ASSESSMENT_WEIGHTS_KEY = 'oversight.assessmentWeights';

/**
 * How a component's scored value was reached:
 * own: the town's own value (MIN_SAMPLE records or more);
 * padded: fewer than MIN_SAMPLE records, padded up to MIN_SAMPLE with the district's value;
 * district: no records, the district's value;
 * excluded: the whole district has fewer than MIN_SAMPLE records — left out for every town alike.
 */
export type ComponentBasis = 'own' | 'padded' | 'district' | 'excluded';

export interface AssessmentComponent {
  metric: MetricId;
  weight: number;
  /** The town's own figure (as the dashboard shows it). */
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  /** The value the score uses (see assessmentScore). */
  scored: number | null;
  basis: ComponentBasis;
  /** Points earned: scored × weight × 100 ÷ (sum of the weights of the components not excluded). */
  points: number | null;
}

/**
 * The score's rule, in words, shown on the assessment page and in the monthly report.
 */
export const ASSESSMENT_RULE = [
  '得分 = Σ（各项计分值 × 权重）÷ 参与计分的权重之和 × 100。',
  `本镇（街道）某项有 ${MIN_SAMPLE} 条及以上记录时，按本镇实际值计分；`,
  `不足 ${MIN_SAMPLE} 条时，缺的条数按全区该项的值补足到 ${MIN_SAMPLE} 条后计分；`,
  '没有记录（如本月无应急事件、无到期诉求）时，按全区该项的值计分——既不加分也不扣分；',
  `全区记录不足 ${MIN_SAMPLE} 条的指标对所有镇（街道）一律不计。`,
  '本月未结束时得分为截至今日的暂评，以月末结果为准。',
].join('');

/**
 * Weighted score 0–100, fair to a town whatever records it has.
 *
 * Why not leave an indicator without records out and renormalise the others (the former rule)? A town
 * that opens incidents is then scored on more indicators than one that reports none, and every late
 * acknowledgement drags it below towns with worse visit coverage: reporting is punished. Why not full
 * marks for "nothing overdue"? Then a town gains by not opening cases at all. The neutral value is the
 * district's: a town without records in an indicator scores exactly the district's level in it, so the
 * indicator moves it neither up nor down against the others; a town that reports and handles its
 * cases better than the district gains, worse loses. A tiny sample (0/1 early in the month) is padded
 * to MIN_SAMPLE records with the district's value, so one late case counts, but not as a zero for the
 * whole indicator; from MIN_SAMPLE records on the own value counts unchanged (continuous at the
 * threshold: n = MIN_SAMPLE adds no padding). An indicator the whole district has fewer than
 * MIN_SAMPLE records of (one missed task on the 2nd of the month) says nothing about anyone yet: it
 * is left out for every town alike, which changes no town's standing against another.
 *
 * `district` is the district's figure for each component (sum of numerators ÷ sum of denominators).
 */
export function assessmentScore(
  values: Partial<Record<MetricId, MetricValue | null | undefined>>,
  weights: AssessmentWeights,
  district: Partial<Record<MetricId, MetricValue | null | undefined>>,
): { score: number | null; components: AssessmentComponent[] } {
  const comps = ASSESSMENT_COMPONENTS.filter((m) => (weights[m] ?? 0) > 0).map((m) => {
    const own = values[m] ?? null;
    const dv = district[m];
    // The district's own sample must be big enough to stand for "the usual level".
    const d = dv?.value != null && (dv.denominator ?? 0) >= MIN_SAMPLE ? dv.value : null;
    const num = own?.numerator ?? null;
    const den = own?.denominator ?? null;
    let scored: number | null;
    let basis: ComponentBasis;
    if (d == null) {
      // Too few records in the whole district: nothing to compare, left out for all.
      scored = null;
      basis = 'excluded';
    } else if (den == null || den <= 0 || own?.value == null) {
      scored = d;
      basis = 'district';
    } else if (den < MIN_SAMPLE) {
      scored = ((num ?? 0) + (MIN_SAMPLE - den) * d) / MIN_SAMPLE;
      basis = 'padded';
    } else {
      scored = own.value;
      basis = 'own';
    }
    return {
      metric: m,
      weight: weights[m] ?? 0,
      value: own?.value ?? null,
      numerator: num,
      denominator: den,
      scored,
      basis,
    };
  });
  const total = comps.reduce((s, c) => s + (c.scored == null ? 0 : c.weight), 0);
  const components = comps.map((c) => ({
    ...c,
    points:
      c.scored == null || total === 0 ? null : Math.round(((c.scored * c.weight * 100) / total) * 10) / 10,
  }));
  if (total === 0) return { score: null, components };
  const score = comps.reduce((s, c) => s + (c.scored == null ? 0 : (c.scored * c.weight * 100) / total), 0);
  return { score: Math.round(score * 10) / 10, components };
}

/**
 * Is a figure worse than another for this metric? For "worst first" tables. Figures without records
 * or with a small sample (figureState) sort last: they are not known to be bad.
 */
export function compareWorstFirst(
  id: MetricId,
  a: MetricValue | number | null | undefined,
  b: MetricValue | number | null | undefined,
): number {
  const fa = typeof a === 'object' && a !== null ? a : { value: a ?? null };
  const fb = typeof b === 'object' && b !== null ? b : { value: b ?? null };
  const ka = figureState(id, fa) === 'ok';
  const kb = figureState(id, fb) === 'ok';
  if (!ka && !kb) return 0;
  if (!ka) return 1;
  if (!kb) return -1;
  return METRICS[id].good === 'up' ? fa.value! - fb.value! : fb.value! - fa.value!;
}

/**
 * 按时确认率 and 确认用时, the one rule (issue 25: the 应急处置 page averaged only the parties that had
 * acknowledged and read 100 % where the dashboard read 33 %). Per INCIDENT, not per party: the question
 * is whether anyone answered the alarm in time, as the score and 应急响应时长 read it.
 * - An incident's acknowledgement is its FIRST acknowledgement by any party; its deadline is the
 *   earliest deadline of its parties.
 * - Counted on time: first acknowledgement at or before that deadline.
 * - In the denominator: incidents acknowledged, or past the deadline without an acknowledgement (late
 *   by then). An incident still waiting inside its deadline is neither on time nor late yet: it is left
 *   out until one of the two happens (so a fresh alarm does not drag the figure down before its time).
 * - No incident in the denominator: no figure (null, shown as —), never 0 % or 100 %.
 * The dashboard computes the same in SQL (modules/oversight/repo.ts `incidentAckWithin`); the
 * 应急处置 page computes it with this function, and incidents/ack-rate.test.ts compares the two.
 */
export interface IncidentAckFacts {
  openedAt: Date | string;
  /** First acknowledgement by any party (null: none yet). */
  firstAckAt: Date | string | null;
  /** Earliest deadline among the parties (null: no party to acknowledge). */
  firstDueAt: Date | string | null;
}
export type IncidentAckState = 'on_time' | 'late' | 'waiting';

export function incidentAckState(i: IncidentAckFacts, now: Date): IncidentAckState {
  const due = i.firstDueAt == null ? null : new Date(i.firstDueAt).getTime();
  if (i.firstAckAt != null)
    return due == null || new Date(i.firstAckAt).getTime() <= due ? 'on_time' : 'late';
  return due != null && due <= now.getTime() ? 'late' : 'waiting';
}

export interface IncidentAckFigures {
  /** 按时确认率: on time ÷ (acknowledged or past the deadline); null when that is 0. */
  within: { value: number | null; numerator: number; denominator: number };
  /** 确认用时中位数: minutes from opening to the first acknowledgement, over acknowledged incidents. */
  medianMinutes: number | null;
}

export function incidentAckFigures(incidents: readonly IncidentAckFacts[], now: Date): IncidentAckFigures {
  let numerator = 0;
  let denominator = 0;
  const minutes: number[] = [];
  for (const i of incidents) {
    const s = incidentAckState(i, now);
    if (s !== 'waiting') denominator++;
    if (s === 'on_time') numerator++;
    if (i.firstAckAt != null)
      minutes.push((new Date(i.firstAckAt).getTime() - new Date(i.openedAt).getTime()) / 60000);
  }
  minutes.sort((a, b) => a - b);
  const mid = minutes.length / 2;
  const medianMinutes =
    minutes.length === 0
      ? null
      : minutes.length % 2
        ? minutes[Math.floor(mid)]
        : (minutes[mid - 1] + minutes[mid]) / 2;
  return {
    within: { value: denominator ? numerator / denominator : null, numerator, denominator },
    medianMinutes,
  };
}

// ---------------------------------------------------------------------------------------------
// Outreach (DOMAIN.md §14, policy 六（五）): figures over a month or a quarter, computed by
// modules/outreach with the same drill-down rule (each number lists exactly its records). 政策知晓率
// beside them is METRICS.policyAwareness itself, summed over the period's months (sumParts).
// ---------------------------------------------------------------------------------------------

export const OUTREACH_METRIC_IDS = ['outreachPersonsReached', 'outreachActivities'] as const;
export type OutreachMetricId = (typeof OUTREACH_METRIC_IDS)[number];

export const OUTREACH_METRICS: Record<
  OutreachMetricId,
  Pick<MetricDefinition, 'label' | 'definition' | 'unit' | 'good'> & {
    id: OutreachMetricId;
    records: 'person' | 'activity';
  }
> = {
  outreachPersonsReached: {
    id: 'outreachPersonsReached',
    label: '关爱活动覆盖对象',
    definition:
      '本期内至少参加（受益于）一次关爱活动的对象人数；同一人多次只计一次；活动日期已终止供养的对象不计（按活动时对象所在的镇街、村居统计）',
    unit: 'count',
    good: 'up',
    records: 'person',
  },
  outreachActivities: {
    id: 'outreachActivities',
    label: '关爱活动场次',
    definition:
      '本期内举办的关爱、宣传活动场次；按举办地所在镇街，并计入其覆盖对象所在的镇街（一场活动在每个镇街各计一次，全区合计只计一次）',
    unit: 'count',
    good: 'up',
    records: 'activity',
  },
};

// ---------------------------------------------------------------------------------------------
// Signals from outside (DOMAIN.md §13): the figures of the 预警信息 page and the dashboard card,
// computed by modules/signals (`GET /api/signals/figures`, one statement) with these rules.
// ---------------------------------------------------------------------------------------------

export const SIGNAL_FIGURES = {
  signalsByType: {
    label: '预警数量（按类型）',
    definition:
      '所选期间内收到的外部预警条数，按预警类型；重复报送（同一幂等键）只计一次，窗口内合并的重复预警单独计数',
  },
  signalsAwaitingReview: {
    label: '待人工核对',
    definition:
      '未匹配到在保对象（查无此人、证件号码错误、已终止或暂停供养）且尚未核对的预警条数，反映当前状态',
  },
  signalsVerifiedInTime: {
    label: '按期核查率',
    definition:
      '所选期间内收到的预警所派核查/跟进任务中，在截止时间前完成的 ÷ 已完成或已过截止时间的任务（未到期且未完成的不计入；取消的不计入）',
  },
} as const;

/** The 按期核查率 shown with the figure rules of every ratio: "—" over 0, "样本不足（n=…）" under MIN_SAMPLE. */
export function formatSignalShare(v: { counted: number; base: number }): string {
  if (v.base <= 0) return '—';
  if (v.base < MIN_SAMPLE) return `样本不足（n=${v.base}）`;
  return `${((v.counted / v.base) * 100).toFixed(1)}%`;
}
