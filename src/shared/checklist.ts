/**
 * The visit checklist of DOMAIN.md section 5 (A–M), defined once as data. The web form is rendered
 * from it, the server validates with `validateChecklist`, and the ledger columns and the printed file
 * use `checklistColumns` / `formatAnswer`. Other modules read the answers only through the typed
 * extractors at the bottom (`risksOf`, `requestsOf`, `wishesOf`, `eligibilityOf`, `caregiverOf`,
 * `moneyReceivedOf`, `policyAwareOf`), so the stored shape can evolve in one place.
 */
import { BENEFIT_CARD_LABELS } from './person.js';

// ---------------------------------------------------------------------------------------------
// Methods and outcomes
// ---------------------------------------------------------------------------------------------

export const VISIT_METHODS = ['in_person', 'phone', 'video'] as const;
export type VisitMethod = (typeof VISIT_METHODS)[number];
export const VISIT_METHOD_LABELS: Record<VisitMethod, string> = {
  in_person: '上门探访',
  phone: '电话探访',
  video: '视频探访',
};

/** `reached` is the only qualifying outcome; the others are attempts that complete no task. */
export const VISIT_OUTCOMES = [
  'reached',
  'not_home',
  'no_answer',
  'number_invalid',
  'suspended',
  'wrong_number',
  'no_phone',
] as const;
export type VisitOutcome = (typeof VISIT_OUTCOMES)[number];
export const VISIT_OUTCOME_LABELS: Record<VisitOutcome, string> = {
  reached: '已见到/联系到本人',
  not_home: '不在家',
  no_answer: '无人接听',
  number_invalid: '空号',
  suspended: '停机',
  wrong_number: '错号',
  no_phone: '无电话',
};
/** Outcomes that make sense for each method. */
export const OUTCOMES_BY_METHOD: Record<VisitMethod, readonly VisitOutcome[]> = {
  in_person: ['reached', 'not_home'],
  phone: ['reached', 'no_answer', 'number_invalid', 'suspended', 'wrong_number', 'no_phone'],
  video: ['reached', 'no_answer', 'number_invalid', 'suspended', 'wrong_number', 'no_phone'],
};

/** A visit qualifies (can complete a task) only when the person was reached. */
export function isQualifying(outcome: VisitOutcome): boolean {
  return outcome === 'reached';
}

// ---------------------------------------------------------------------------------------------
// Vocabularies other modules pick up (incidents, concerns, referrals, caregivers)
// ---------------------------------------------------------------------------------------------

/** Section I's risks are defined in ./risks.ts (small: the dashboard and the incidents read them). */
export { RISK_CODES, RISK_LABELS, type RiskCode } from './risks.js';

import { RISK_CODES, RISK_LABELS, type RiskCode } from './risks.js';

/** Section J: request categories; each request becomes a concern. */
export const REQUEST_CATEGORIES = [
  'living',
  'money',
  'medical',
  'housing',
  'safety',
  'care',
  'sanitation',
  'mental',
  'paperwork',
  'other',
] as const;
export type RequestCategory = (typeof REQUEST_CATEGORIES)[number];
export const REQUEST_CATEGORY_LABELS: Record<RequestCategory, string> = {
  living: '基本生活',
  money: '资金发放',
  medical: '医疗就医',
  housing: '住房修缮',
  safety: '安全隐患',
  care: '照料护理',
  sanitation: '环境卫生',
  mental: '精神慰藉',
  paperwork: '证件代办',
  other: '其他',
};

/** Section L: assistance the person looks eligible for (→ referral). */
export const ASSISTANCE_KINDS = ['medical', 'education', 'housing', 'employment', 'temporary'] as const;
export type AssistanceKind = (typeof ASSISTANCE_KINDS)[number];
export const ASSISTANCE_KIND_LABELS: Record<AssistanceKind, string> = {
  medical: '医疗救助',
  education: '教育救助',
  housing: '住房救助',
  employment: '就业救助',
  temporary: '临时（急难）救助',
};

// ---------------------------------------------------------------------------------------------
// The definition
// ---------------------------------------------------------------------------------------------

export type SectionKey = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M';
export type Season = 'heating' | 'flood';
export const SEASON_LABELS: Record<Season, string> = { heating: '供暖期', flood: '汛期' };

/**
 * choice: one of options; multi: any of options (may be empty); number; text (free, optional);
 * risks: section I list of {code, note}; requests: section J list of {category, note}.
 */
export type AnswerType = 'choice' | 'multi' | 'number' | 'text' | 'risks' | 'requests';

export interface ChecklistOption {
  value: string;
  label: string;
  /** A "poor / hazard / no" answer: flagged in views and needs a description. */
  bad?: boolean;
}

export interface ChecklistItem {
  key: string;
  label: string;
  type: AnswerType;
  options?: ChecklistOption[];
  /** Defaults to true for choice and number; text, multi, risks and requests are optional. */
  required?: boolean;
  /** Asked (and required) only inside this season. */
  season?: Season;
  unit?: string;
  min?: number;
  max?: number;
  /** A number below this needs a description (e.g. a cold room). */
  badBelow?: number;
  hint?: string;
}

export interface ChecklistSection {
  key: SectionKey;
  label: string;
  /** Methods for which the section must be answered; absent = every method. */
  requiredFor?: readonly VisitMethod[];
  items: ChecklistItem[];
}

export interface ChecklistDefinition {
  version: number;
  /** First China day this version is in force. */
  from: string;
  sections: ChecklistSection[];
}

const opts = (...o: [string, string, boolean?][]): ChecklistOption[] =>
  o.map(([value, label, bad]) => (bad ? { value, label, bad } : { value, label }));
const SAFE_HAZARD = opts(['safe', '安全'], ['hazard', '有隐患', true]);
const GOOD_FAIR_POOR = opts(['good', '好'], ['fair', '一般'], ['poor', '差', true]);
const YES_NO_BAD_NO = opts(['yes', '是'], ['no', '否', true]);
const SEEING: readonly VisitMethod[] = ['in_person', 'video'];

export const CHECKLIST_V1: ChecklistDefinition = {
  version: 1,
  from: '2000-01-01',
  sections: [
    {
      key: 'A',
      label: '基本生活',
      items: [
        {
          key: 'foodClothing',
          label: '吃穿是否有保障',
          type: 'choice',
          options: opts(['adequate', '有保障'], ['inadequate', '无保障', true]),
        },
        {
          key: 'moneyReceived',
          label: '本月供养金是否到账',
          type: 'choice',
          options: opts(['yes', '已收到'], ['no', '未收到', true], ['unknown', '不清楚']),
        },
        {
          key: 'benefitCard',
          label: '一卡通情况',
          type: 'choice',
          options: [
            { value: 'self', label: BENEFIT_CARD_LABELS.self },
            { value: 'custodian', label: BENEFIT_CARD_LABELS.custodian },
            { value: 'lost', label: BENEFIT_CARD_LABELS.lost, bad: true },
            { value: 'none', label: BENEFIT_CARD_LABELS.none, bad: true },
          ],
        },
      ],
    },
    {
      key: 'B',
      label: '健康状况',
      items: [
        {
          key: 'expression',
          label: '表达能力',
          type: 'choice',
          options: opts(['normal', '正常'], ['impaired', '表达困难'], ['unable', '无法表达', true]),
        },
        {
          key: 'mobility',
          label: '行动能力',
          type: 'choice',
          options: opts(['normal', '正常'], ['limited', '行动不便'], ['bedridden', '卧床', true]),
        },
        {
          key: 'disease',
          label: '疾病状况',
          type: 'choice',
          options: opts(
            ['none', '无疾病'],
            ['chronic_stable', '慢性病稳定'],
            ['chronic_unstable', '慢性病不稳定', true],
            ['serious', '急重症', true],
          ),
        },
        {
          key: 'medicine',
          label: '常用药品是否充足',
          type: 'choice',
          options: opts(['yes', '充足'], ['no', '不足', true], ['na', '无需用药']),
        },
      ],
    },
    {
      key: 'C',
      label: '精神状态',
      items: [
        {
          key: 'mood',
          label: '情绪状态',
          type: 'choice',
          options: opts(['stable', '稳定'], ['low', '低落'], ['poor', '焦虑烦躁或抑郁', true]),
        },
        {
          key: 'thinking',
          label: '思维状态',
          type: 'choice',
          options: opts(['clear', '清晰'], ['slow', '迟缓'], ['confused', '混乱', true]),
        },
        {
          key: 'stress',
          label: '压力状态',
          type: 'choice',
          options: opts(['low', '无明显压力'], ['moderate', '有一定压力'], ['high', '压力大', true]),
        },
      ],
    },
    {
      key: 'D',
      label: '安全情况',
      requiredFor: SEEING,
      items: [
        { key: 'house', label: '房屋安全', type: 'choice', options: SAFE_HAZARD },
        { key: 'waterHeating', label: '水暖安全', type: 'choice', options: SAFE_HAZARD },
        { key: 'gasCoalElectric', label: '燃气（煤电）安全', type: 'choice', options: SAFE_HAZARD },
      ],
    },
    {
      key: 'E',
      label: '卫生状况',
      requiredFor: SEEING,
      items: [
        { key: 'personal', label: '个人卫生', type: 'choice', options: GOOD_FAIR_POOR },
        { key: 'home', label: '家庭卫生', type: 'choice', options: GOOD_FAIR_POOR },
        { key: 'surroundings', label: '周边卫生', type: 'choice', options: GOOD_FAIR_POOR },
      ],
    },
    {
      key: 'F',
      label: '居住环境',
      requiredFor: SEEING,
      items: [
        { key: 'indoor', label: '室内环境', type: 'choice', options: GOOD_FAIR_POOR },
        { key: 'outdoor', label: '室外环境', type: 'choice', options: GOOD_FAIR_POOR },
        { key: 'facilities', label: '周边基础生活设施', type: 'choice', options: GOOD_FAIR_POOR },
        {
          key: 'neighbours',
          label: '邻里关系',
          type: 'choice',
          options: opts(['harmonious', '和睦'], ['normal', '一般'], ['tense', '紧张', true]),
        },
      ],
    },
    {
      key: 'G',
      label: '季节性检查',
      requiredFor: SEEING,
      items: [
        {
          key: 'indoorTemp',
          label: '室内温度',
          type: 'number',
          season: 'heating',
          unit: '°C',
          min: -30,
          max: 40,
          badBelow: 16,
          hint: '低于 16°C 请说明',
        },
        { key: 'heatingSafety', label: '取暖安全', type: 'choice', season: 'heating', options: SAFE_HAZARD },
        {
          key: 'ventilation',
          label: '通风及一氧化碳中毒风险',
          type: 'choice',
          season: 'heating',
          options: SAFE_HAZARD,
        },
        { key: 'electrical', label: '用电安全', type: 'choice', season: 'flood', options: SAFE_HAZARD },
        { key: 'floodSafety', label: '防汛安全', type: 'choice', season: 'flood', options: SAFE_HAZARD },
      ],
    },
    {
      key: 'H',
      label: '照料护理',
      items: [
        {
          key: 'caregiverDuty',
          label: '照料服务人履职情况',
          type: 'choice',
          options: opts(
            ['yes', '履职到位'],
            ['partly', '部分履职', true],
            ['no', '未履职', true],
            ['na', '无照料服务人'],
          ),
        },
        {
          key: 'satisfaction',
          label: '本人满意度',
          type: 'choice',
          options: opts(
            ['satisfied', '满意'],
            ['fair', '基本满意'],
            ['dissatisfied', '不满意', true],
            ['na', '不适用'],
          ),
        },
        { key: 'problems', label: '发现的问题', type: 'text' },
        {
          key: 'seriousInfringement',
          label: '是否严重侵害特困人员权益',
          type: 'choice',
          options: opts(['no', '否'], ['yes', '是', true]),
        },
      ],
    },
    {
      key: 'I',
      label: '生活安全风险',
      items: [
        { key: 'risks', label: '发现的风险（每项将启动应急处置）', type: 'risks', hint: '无风险则不勾选' },
      ],
    },
    {
      key: 'J',
      label: '服务诉求',
      items: [{ key: 'requests', label: '服务诉求（每条将登记为诉求）', type: 'requests' }],
    },
    {
      key: 'K',
      label: '集中供养',
      items: [
        {
          key: 'wantsCentralized',
          label: '是否有意愿转为集中供养',
          type: 'choice',
          options: opts(['no', '否'], ['yes', '是', true]),
        },
        {
          key: 'noCaregiver',
          label: '是否无法找到照料服务人',
          type: 'choice',
          options: opts(['no', '否'], ['yes', '是', true]),
        },
      ],
    },
    {
      key: 'L',
      label: '救助需求',
      items: [
        {
          key: 'eligibility',
          label: '疑似符合以下救助条件',
          type: 'multi',
          options: ASSISTANCE_KINDS.map((k) => ({ value: k, label: ASSISTANCE_KIND_LABELS[k], bad: true })),
        },
      ],
    },
    {
      key: 'M',
      label: '本次服务',
      items: [
        {
          key: 'comfort',
          label: '是否进行精神慰藉',
          type: 'choice',
          options: opts(['yes', '是'], ['no', '否']),
        },
        { key: 'policyAware', label: '本人是否知晓特困供养政策', type: 'choice', options: YES_NO_BAD_NO },
        { key: 'needsMatched', label: '需求对接', type: 'text' },
        { key: 'errands', label: '代办事项', type: 'text' },
      ],
    },
  ],
};

/** Every version, oldest first. */
export const CHECKLISTS: readonly ChecklistDefinition[] = [CHECKLIST_V1];

/** The checklist in force on China day `date`. */
export function checklistFor(date: string): ChecklistDefinition {
  let found = CHECKLISTS[0];
  for (const c of CHECKLISTS) if (c.from <= date) found = c;
  return found;
}

export function checklistVersion(version: number): ChecklistDefinition | undefined {
  return CHECKLISTS.find((c) => c.version === version);
}

// ---------------------------------------------------------------------------------------------
// Answers and validation
// ---------------------------------------------------------------------------------------------

export interface VisitRisk {
  code: RiskCode;
  note: string;
}
export interface VisitRequest {
  category: RequestCategory;
  note: string;
}
/** One answered item: value by type (string, string[], number, text, risks, requests) and a note. */
export interface ItemAnswer {
  value: string | number | string[] | VisitRisk[] | VisitRequest[] | null;
  note?: string;
}
/** answers[section][item] */
export type ChecklistAnswers = Partial<Record<SectionKey, Record<string, ItemAnswer>>>;

export interface ChecklistError {
  /** Path of the offending answer, e.g. 'answers.D.house'. */
  field: string;
  message: string;
}

export interface ChecklistContext {
  method: VisitMethod;
  /** Which seasons the visit falls in (area configuration, `seasonFlags`). */
  seasons: { heating: boolean; flood: boolean };
}

const hasText = (s: unknown) => typeof s === 'string' && s.trim().length > 0;

/**
 * Section G checks a special round (专项探访) may require whatever the season: the items of that season
 * are then asked and required in the round's visits (a cold wave in March asks 取暖安全 although the
 * heating season has ended). Stored on the round (visit_campaigns.checks, migration 033).
 */
export const ROUND_CHECKS = ['heating', 'flood'] as const satisfies readonly Season[];
/** What a round's check is called where officers and visitors read it ("须检查：取暖安全"). */
export const ROUND_CHECK_LABELS: Record<Season, string> = { heating: '取暖安全', flood: '防汛与用电安全' };

/** "须检查：取暖安全、防汛与用电安全", or null for a round that requires none. */
export function roundChecksText(checks: readonly Season[]): string | null {
  return checks.length ? `须检查：${checks.map((c) => ROUND_CHECK_LABELS[c]).join('、')}` : null;
}

/** A task as far as its round's checks go: the phone's bundle task, the server's row, the console's read. */
export interface RoundTask {
  status: string;
  windowStart: string | Date;
  windowEnd: string | Date;
  checks: readonly Season[];
  /** The round's name, for the message that says why an item is asked. */
  name?: string | null;
}

/**
 * The rounds whose checks a visit at `at` must carry: the open (or missed) tasks with checks whose window
 * contains it — exactly the tasks the visit completes (visits/repo.ts insertVisit), so a visit is asked
 * what the rounds it settles require. Server, phone and console call this one rule.
 */
export function roundsAt<T extends RoundTask>(tasks: readonly T[], at: Date): T[] {
  const t = at.getTime();
  return tasks.filter(
    (k) =>
      k.checks.length > 0 &&
      (k.status === 'open' || k.status === 'missed') &&
      new Date(k.windowStart).getTime() <= t &&
      new Date(k.windowEnd).getTime() > t,
  );
}

/** The seasons a visit's checklist is asked under: the day's seasons plus what its rounds require. */
export function seasonsWithRounds(
  seasons: { heating: boolean; flood: boolean },
  rounds: readonly Pick<RoundTask, 'checks'>[],
): { heating: boolean; flood: boolean } {
  const req = new Set(rounds.flatMap((r) => r.checks));
  return { heating: seasons.heating || req.has('heating'), flood: seasons.flood || req.has('flood') };
}

/**
 * The message of a checklist error, saying which round asks the item when it is asked only because of a
 * round (outside its season): "请填写「季节性检查·取暖安全」（专项探访「寒潮预警专项探访」须检查取暖安全）".
 */
export function roundErrorMessage(
  def: ChecklistDefinition,
  e: ChecklistError,
  daySeasons: { heating: boolean; flood: boolean },
  rounds: readonly Pick<RoundTask, 'checks' | 'name'>[],
): string {
  const [, sk, ik] = e.field.split('.');
  const item = def.sections.find((s) => s.key === sk)?.items.find((i) => i.key === ik);
  if (!item?.season || daySeasons[item.season]) return e.message;
  const by = rounds.find((r) => r.checks.includes(item.season!));
  if (!by) return e.message;
  return `${e.message}（专项探访${by.name ? `「${by.name}」` : ''}须检查${ROUND_CHECK_LABELS[item.season]}）`;
}

/** Whether an item is asked under the context (seasonal items only in their season). */
export function itemApplies(item: ChecklistItem, c: Pick<ChecklistContext, 'seasons'>): boolean {
  return !item.season || c.seasons[item.season];
}

/** Whether the item must be answered for this method and season. */
export function itemRequired(section: ChecklistSection, item: ChecklistItem, c: ChecklistContext): boolean {
  if (!itemApplies(item, c)) return false;
  if (section.requiredFor && !section.requiredFor.includes(c.method)) return false;
  return item.required ?? (item.type === 'choice' || item.type === 'number');
}

/** Whether an answered value needs a description ("poor", "hazard", "no", a risk, a cold room…). */
export function needsNote(item: ChecklistItem, a: ItemAnswer | undefined): boolean {
  if (!a || a.value == null) return false;
  if (item.type === 'choice') return !!item.options?.find((o) => o.value === a.value)?.bad;
  if (item.type === 'multi')
    return (a.value as string[]).some((v) => item.options?.find((o) => o.value === v)?.bad);
  if (item.type === 'number') return item.badBelow != null && (a.value as number) < item.badBelow;
  return false;
}

/**
 * Checks answers of a reached visit against the definition. Returns every problem with the field it
 * belongs to (empty = valid): unknown sections or items, missing required answers, values outside the
 * options, numbers out of range, and missing descriptions on "bad" answers and on each risk/request.
 */
export function validateChecklist(
  def: ChecklistDefinition,
  answers: ChecklistAnswers,
  c: ChecklistContext,
): ChecklistError[] {
  const errors: ChecklistError[] = [];
  const err = (field: string, message: string) => errors.push({ field: `answers.${field}`, message });
  const bySection = new Map(def.sections.map((s) => [s.key as string, s]));
  for (const sk of Object.keys(answers ?? {})) {
    const section = bySection.get(sk);
    if (!section) {
      err(sk, `未知的检查部分 ${sk}`);
      continue;
    }
    const given = (answers as Record<string, Record<string, ItemAnswer>>)[sk] ?? {};
    if (typeof given !== 'object' || Array.isArray(given)) {
      err(sk, `${section.label}：格式不正确`);
      continue;
    }
    for (const ik of Object.keys(given))
      if (!section.items.some((i) => i.key === ik))
        err(`${sk}.${ik}`, `${section.label}：未知的检查项 ${ik}`);
  }
  for (const section of def.sections) {
    const given = ((answers as Record<string, Record<string, ItemAnswer>>)?.[section.key] ?? {}) as Record<
      string,
      ItemAnswer
    >;
    for (const item of section.items) {
      const f = `${section.key}.${item.key}`;
      const name = `${section.label}·${item.label}`;
      const a = given[item.key];
      const empty =
        !a ||
        a.value == null ||
        a.value === '' ||
        (Array.isArray(a.value) && a.value.length === 0 && item.type !== 'multi');
      if (empty) {
        if (itemRequired(section, item, c)) err(f, `请填写「${name}」`);
        continue;
      }
      if (a.note != null && typeof a.note !== 'string') {
        err(f, `「${name}」的说明应为文字`);
        continue;
      }
      switch (item.type) {
        case 'choice':
          if (typeof a.value !== 'string' || !item.options?.some((o) => o.value === a.value)) {
            err(f, `「${name}」的选项无效`);
            continue;
          }
          break;
        case 'multi':
          if (
            !Array.isArray(a.value) ||
            (a.value as unknown[]).some((v) => !item.options?.some((o) => o.value === v)) ||
            new Set(a.value as string[]).size !== a.value.length
          ) {
            err(f, `「${name}」的选项无效`);
            continue;
          }
          break;
        case 'number': {
          const v = a.value;
          if (typeof v !== 'number' || !Number.isFinite(v)) {
            err(f, `「${name}」应为数字`);
            continue;
          }
          if ((item.min != null && v < item.min) || (item.max != null && v > item.max)) {
            err(f, `「${name}」应在 ${item.min}–${item.max}${item.unit ?? ''} 之间`);
            continue;
          }
          break;
        }
        case 'text':
          if (typeof a.value !== 'string' || a.value.length > 2000)
            err(f, `「${name}」应为 2000 字以内的文字`);
          continue;
        case 'risks': {
          if (!Array.isArray(a.value)) {
            err(f, `「${name}」格式不正确`);
            continue;
          }
          const seen = new Set<string>();
          (a.value as VisitRisk[]).forEach((r, i) => {
            if (!r || !RISK_CODES.includes(r.code))
              err(`${f}.${i}.code`, `「${name}」第 ${i + 1} 项：风险类型无效`);
            else if (seen.has(r.code)) err(`${f}.${i}.code`, `「${name}」：${RISK_LABELS[r.code]} 重复`);
            else if (!hasText(r.note)) err(`${f}.${i}.note`, `请说明「${RISK_LABELS[r.code]}」的情况`);
            if (r?.code) seen.add(r.code);
          });
          continue;
        }
        case 'requests': {
          if (!Array.isArray(a.value)) {
            err(f, `「${name}」格式不正确`);
            continue;
          }
          (a.value as VisitRequest[]).forEach((r, i) => {
            if (!r || !REQUEST_CATEGORIES.includes(r.category))
              err(`${f}.${i}.category`, `「${name}」第 ${i + 1} 条：类别无效`);
            else if (!hasText(r.note) || r.note.length > 2000)
              err(`${f}.${i}.note`, `「${name}」第 ${i + 1} 条：请描述诉求内容`);
          });
          continue;
        }
      }
      if (needsNote(item, a) && !hasText(a.note)) err(f, `「${name}」为异常情况，请填写说明`);
      else if (a.note && a.note.length > 2000) err(f, `「${name}」的说明不超过 2000 字`);
    }
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Presentation (ledger columns, views, printed file)
// ---------------------------------------------------------------------------------------------

/** The answer as Chinese text, with its description: '有隐患（电线老化）'. Empty when unanswered. */
export function formatAnswer(item: ChecklistItem, a: ItemAnswer | undefined): string {
  if (!a || a.value == null || a.value === '') return '';
  const label = (v: string) => item.options?.find((o) => o.value === v)?.label ?? v;
  let text: string;
  switch (item.type) {
    case 'choice':
      text = label(a.value as string);
      break;
    case 'multi':
      text = (a.value as string[]).map(label).join('、') || '无';
      break;
    case 'number':
      text = `${a.value}${item.unit ?? ''}`;
      break;
    case 'text':
      return a.value as string;
    case 'risks':
      return (a.value as VisitRisk[]).map((r) => `${RISK_LABELS[r.code]}（${r.note}）`).join('；') || '无';
    case 'requests':
      return (
        (a.value as VisitRequest[])
          .map((r) => `${REQUEST_CATEGORY_LABELS[r.category]}：${r.note}`)
          .join('；') || '无'
      );
  }
  return a.note ? `${text}（${a.note}）` : text;
}

/** One column per item, in checklist order: key 'A.foodClothing', header 'A 基本生活·吃穿是否有保障'. */
export function checklistColumns(
  def: ChecklistDefinition,
): { key: string; header: string; section: ChecklistSection; item: ChecklistItem }[] {
  return def.sections.flatMap((section) =>
    section.items.map((item) => ({
      key: `${section.key}.${item.key}`,
      header: `${section.key} ${section.label}·${item.label}`,
      section,
      item,
    })),
  );
}

/** True when the answered item is a flagged ("bad") answer, for highlighting in views. */
export function isBadAnswer(item: ChecklistItem, a: ItemAnswer | undefined): boolean {
  if (item.type === 'risks' || item.type === 'requests') return Array.isArray(a?.value) && a.value.length > 0;
  return needsNote(item, a);
}

// ---------------------------------------------------------------------------------------------
// Typed extractors for other modules
// ---------------------------------------------------------------------------------------------

const val = (a: ChecklistAnswers | null | undefined, s: SectionKey, k: string): ItemAnswer | undefined =>
  a?.[s]?.[k];

/** Section I: the ticked risks, each with its description. */
export function risksOf(a: ChecklistAnswers | null | undefined): VisitRisk[] {
  return (val(a, 'I', 'risks')?.value as VisitRisk[] | undefined) ?? [];
}

/** Section J: the requests, each with its category and description. */
export function requestsOf(a: ChecklistAnswers | null | undefined): VisitRequest[] {
  return (val(a, 'J', 'requests')?.value as VisitRequest[] | undefined) ?? [];
}

/** Section K: wishes to move to centralized support, or no caregiver can be found (→ referral). */
export function wishesOf(a: ChecklistAnswers | null | undefined): {
  centralizedSupport: boolean;
  noCaregiver: boolean;
  centralizedNote?: string;
  noCaregiverNote?: string;
} {
  return {
    centralizedSupport: val(a, 'K', 'wantsCentralized')?.value === 'yes',
    noCaregiver: val(a, 'K', 'noCaregiver')?.value === 'yes',
    centralizedNote: val(a, 'K', 'wantsCentralized')?.note,
    noCaregiverNote: val(a, 'K', 'noCaregiver')?.note,
  };
}

/** Section L: assistance the person looks eligible for (→ referral). */
export function eligibilityOf(a: ChecklistAnswers | null | undefined): {
  kinds: AssistanceKind[];
  note?: string;
} {
  const it = val(a, 'L', 'eligibility');
  return { kinds: (it?.value as AssistanceKind[] | undefined) ?? [], note: it?.note };
}

/** Section H: the caregiver's performance; `seriousInfringement` starts the caregiver review process. */
export function caregiverOf(a: ChecklistAnswers | null | undefined): {
  duty: 'yes' | 'partly' | 'no' | 'na' | null;
  dutyNote?: string;
  satisfaction: 'satisfied' | 'fair' | 'dissatisfied' | 'na' | null;
  problems?: string;
  seriousInfringement: boolean;
  infringementNote?: string;
} {
  return {
    duty: (val(a, 'H', 'caregiverDuty')?.value as any) ?? null,
    dutyNote: val(a, 'H', 'caregiverDuty')?.note,
    satisfaction: (val(a, 'H', 'satisfaction')?.value as any) ?? null,
    problems: (val(a, 'H', 'problems')?.value as string | undefined) || undefined,
    seriousInfringement: val(a, 'H', 'seriousInfringement')?.value === 'yes',
    infringementNote: val(a, 'H', 'seriousInfringement')?.note,
  };
}

/** Section A: was this month's support money received ('no' raises a concern for the town). */
export function moneyReceivedOf(a: ChecklistAnswers | null | undefined): {
  received: 'yes' | 'no' | 'unknown' | null;
  note?: string;
} {
  const it = val(a, 'A', 'moneyReceived');
  return { received: (it?.value as any) ?? null, note: it?.note };
}

/** Section M: does the person know their support policy (feeds 政策知晓率); null when not asked. */
export function policyAwareOf(a: ChecklistAnswers | null | undefined): boolean | null {
  const v = val(a, 'M', 'policyAware')?.value;
  return v === 'yes' ? true : v === 'no' ? false : null;
}

/**
 * A complete answer set with every item at its first "fine" option (numbers 20): a starting point
 * for the demo data, tests and a form's defaults. Seasonal items only for the seasons given.
 */
export function fineAnswers(
  def: ChecklistDefinition,
  seasons: { heating: boolean; flood: boolean } = { heating: false, flood: false },
): ChecklistAnswers {
  const a: ChecklistAnswers = {};
  for (const s of def.sections) {
    const sec: Record<string, ItemAnswer> = {};
    for (const i of s.items) {
      if (i.season && !seasons[i.season]) continue;
      if (i.type === 'choice') sec[i.key] = { value: i.options!.find((o) => !o.bad)!.value };
      if (i.type === 'number') sec[i.key] = { value: 20 };
    }
    a[s.key] = sec;
  }
  return a;
}
