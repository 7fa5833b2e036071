import { z } from 'zod';
import { type AuthenticitySettingKey, REVIEW_STATES, SPOT_CHECK_RESULTS } from '../authenticity.js';
import { endpoint } from './contract.js';
import { Cursor, Id, IdParams, Limit, page } from './shapes.js';
import { AuthenticitySignal, SettingRead, VisitBrief } from './visits.js';

const TAGS = ['真实性核查'];
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, '月份应为 YYYY-MM');

/** A flagged visit in the town's review queue. */
export const ReviewItem = z.object({
  visitId: z.number(),
  personId: z.number(),
  personName: z.string(),
  visitorId: z.number(),
  visitorName: z.string(),
  townId: z.number(),
  townName: z.string(),
  villageName: z.string(),
  at: z.string(),
  method: z.string(),
  signals: z.array(AuthenticitySignal),
  reviewState: z.enum(REVIEW_STATES),
  reviewNote: z.string().nullable(),
  reviewedAt: z.string().nullable(),
  reviewedBy: z.string().nullable(),
  /**
   * When the signals changed after the town's decision (a home point set, moved or removed later,
   * or a pair rule's late visit): the decision stands; the reviewer sees that the signals moved.
   */
  signalsChangedAt: z.string().nullable(),
});
export type ReviewItem = z.output<typeof ReviewItem>;

const Point = z.object({ latitude: z.number(), longitude: z.number() });
export const HomePoint = Point.extend({
  source: z.enum(['officer', 'visit']),
  sourceVisitId: z.number().nullable(),
  confirmed: z.boolean(),
  setAt: z.string(),
  setBy: z.string().nullable(),
  version: z.number(),
});

/** A flagged visit with everything the reviewer needs: the visit, the copied visit side by side, home. */
export const ReviewDetail = z.object({
  item: ReviewItem,
  visit: VisitBrief.extend({ answers: z.record(z.string(), z.unknown()) }),
  /** The visit its answers were copied from / a neighbouring visit (travel) / a visit with the same photo. */
  related: z.array(
    z.object({
      rule: z.string(),
      visit: VisitBrief.extend({ answers: z.record(z.string(), z.unknown()) }),
    }),
  ),
  home: HomePoint.nullable(),
});

export const listReviews = endpoint({
  method: 'GET',
  path: '/api/authenticity/reviews',
  operationId: 'listAuthenticityReviews',
  summary: '真实性核查队列：有疑点的探访（默认待核查，旧的在前）',
  tags: TAGS,
  permission: 'authenticity.read',
  query: z.object({
    state: z.enum(REVIEW_STATES).optional(),
    areaId: Id.optional(),
    month: Month.optional(),
    cursor: Cursor.optional(),
    limit: Limit,
  }),
  responses: { 200: page(ReviewItem) },
});

export const getReview = endpoint({
  method: 'GET',
  path: '/api/authenticity/reviews/:id',
  operationId: 'getAuthenticityReview',
  summary: '一条有疑点的探访：疑点、证据、相关探访对照',
  tags: TAGS,
  permission: 'authenticity.read',
  params: IdParams,
  responses: { 200: ReviewDetail },
});

export const decideReview = endpoint({
  method: 'POST',
  path: '/api/authenticity/reviews/:id',
  operationId: 'decideAuthenticityReview',
  summary:
    '核查有疑点的探访：核实无误 / 说明情况 / 不予认定（不予认定后该探访不再计入，任务重新打开或记为未完成）',
  tags: TAGS,
  permission: 'authenticity.review',
  params: IdParams,
  body: z.object({
    decision: z.enum(['confirmed', 'explained', 'rejected']),
    note: z.string().trim().max(1000, '说明不超过 1000 字').optional(),
  }),
  example: { decision: 'explained', note: '老人当天在女儿家，探访人到女儿家探访' },
  responses: { 200: ReviewItem },
});

export const getHomePoint = endpoint({
  method: 'GET',
  path: '/api/persons/:id/home-point',
  operationId: 'getPersonHomePoint',
  summary: '对象住址坐标（核查基准点）、历史，及由首次上门定位生成的待确认坐标',
  tags: TAGS,
  permission: 'persons.read',
  params: IdParams,
  responses: {
    200: z.object({
      current: HomePoint.nullable(),
      /** The first consented in-person visit's location, when no point is confirmed yet. */
      proposal: Point.extend({ visitId: z.number(), at: z.string() }).nullable(),
      /** Newest first; a removed point is a row with `removed` true. */
      history: z.array(
        HomePoint.omit({ version: true }).extend({ note: z.string().nullable(), removed: z.boolean() }),
      ),
    }),
  },
});

export const setHomePoint = endpoint({
  method: 'PUT',
  path: '/api/persons/:id/home-point',
  operationId: 'setPersonHomePoint',
  summary:
    '设置对象住址坐标（录入坐标，或确认由上门定位生成的坐标）；本月和上月的探访及待核查探访的位置疑点随之重新计算',
  tags: TAGS,
  permission: 'authenticity.review',
  params: IdParams,
  body: z.union([
    z.object({
      latitude: z.number().min(-90, '纬度应在 -90 到 90 之间').max(90, '纬度应在 -90 到 90 之间'),
      longitude: z.number().min(-180, '经度应在 -180 到 180 之间').max(180, '经度应在 -180 到 180 之间'),
      note: z.string().max(200).optional(),
    }),
    z.object({ fromVisitId: z.number().int().positive(), note: z.string().max(200).optional() }),
  ]),
  example: { latitude: 40.6571, longitude: 109.8403, note: '村委会核实的住址' },
  responses: { 200: HomePoint },
});

export const removeHomePoint = endpoint({
  method: 'DELETE',
  path: '/api/persons/:id/home-point',
  operationId: 'removePersonHomePoint',
  summary: '删除对象住址坐标（位置类疑点恢复为“无参照”，本月和上月的探访及待核查探访的位置疑点随之重新计算）',
  tags: TAGS,
  permission: 'authenticity.review',
  params: IdParams,
  query: z.object({ note: z.string().trim().max(200, '说明不超过 200 字').optional() }),
});

export const SpotCheck = z.object({
  id: z.number(),
  drawId: z.number(),
  month: z.string(),
  visitId: z.number(),
  visitAt: z.string(),
  method: z.string(),
  flagged: z.boolean(),
  personId: z.number(),
  personName: z.string(),
  visitorName: z.string(),
  townId: z.number(),
  townName: z.string(),
  assignedTo: z.number().nullable(),
  assignedName: z.string().nullable(),
  result: z.enum(SPOT_CHECK_RESULTS).nullable(),
  note: z.string().nullable(),
  checkedAt: z.string().nullable(),
  concernId: z.number().nullable(),
  version: z.number(),
});
export type SpotCheck = z.output<typeof SpotCheck>;

export const Draw = z.object({
  id: z.number(),
  townId: z.number(),
  townName: z.string(),
  month: z.string(),
  seed: z.string(),
  rate: z.number(),
  minimum: z.number(),
  flaggedWeight: z.number(),
  population: z.number(),
  size: z.number(),
  drawnAt: z.string(),
});

export const drawSpotChecks = endpoint({
  method: 'POST',
  path: '/api/spot-checks/draws',
  operationId: 'drawSpotChecks',
  summary: '抽取某月回访抽查样本（每个镇街按比例随机、可复现，有疑点的探访加权）',
  tags: TAGS,
  permission: 'spotchecks.manage',
  body: z.object({
    month: Month,
    /** One town, or every town in reach. */
    townId: z.number().int().positive().optional(),
    /** A chosen seed (reproduce a draw elsewhere); default: random, recorded. */
    seed: z.string().trim().min(1).max(64).optional(),
  }),
  example: { month: '2026-11' },
  responses: { 201: z.array(Draw) },
});

export const listDraws = endpoint({
  method: 'GET',
  path: '/api/spot-checks/draws',
  operationId: 'listSpotCheckDraws',
  summary: '回访抽查的抽样记录（种子、比例、总体数）',
  tags: TAGS,
  permission: 'spotchecks.read',
  query: z.object({ month: Month.optional() }),
  responses: { 200: z.array(Draw) },
});

export const listSpotChecks = endpoint({
  method: 'GET',
  path: '/api/spot-checks',
  operationId: 'listSpotChecks',
  summary: '回访抽查任务列表',
  tags: TAGS,
  permission: 'spotchecks.read',
  query: z.object({
    month: Month.optional(),
    townId: Id.optional(),
    assignee: z.string().max(20).optional().describe('me 或用户编号'),
    open: z.enum(['true', 'false']).optional(),
  }),
  responses: { 200: z.array(SpotCheck) },
});

export const assignSpotCheck = endpoint({
  method: 'POST',
  path: '/api/spot-checks/:id/assign',
  operationId: 'assignSpotCheck',
  summary: '把回访抽查分派给民政局工作人员',
  tags: TAGS,
  permission: 'spotchecks.manage',
  params: IdParams,
  body: z.object({ userId: z.number().int().positive(), version: z.number().int() }),
  example: { userId: 12, version: 1 },
  responses: { 200: SpotCheck },
});

export const recordSpotCheck = endpoint({
  method: 'POST',
  path: '/api/spot-checks/:id/result',
  operationId: 'recordSpotCheck',
  summary: '登记回访抽查结果（属实 / 不属实 / 联系不上）；不属实时为镇街生成整改问题',
  tags: TAGS,
  permission: 'spotchecks.check',
  params: IdParams,
  body: z.object({
    result: z.enum(SPOT_CHECK_RESULTS),
    note: z.string().trim().max(1000, '说明不超过 1000 字').optional(),
    version: z.number().int(),
  }),
  example: { result: 'confirmed', note: '电话回访，老人确认探访人 11 月 10 日上门', version: 2 },
  responses: { 200: SpotCheck },
});

/** A whole number of `unit`, with Chinese messages for a wrong type and a fraction. */
const whole = (unit: string) =>
  z.number({ error: `请填写数字（单位：${unit}）` }).int(`请填写整数（单位：${unit}）`);

/** Each threshold's value schema (area settings, inherited down the tree: modules/settings). */
export const AUTHENTICITY_SETTING_VALUES = {
  'authenticity.placeMeters': whole('米').min(50, '至少 50 米').max(20000, '不超过 20000 米'),
  'authenticity.accuracyAllowanceMeters': whole('米').min(0, '不能为负数').max(5000, '不超过 5000 米'),
  'authenticity.photoHours': whole('小时').min(1, '至少 1 小时').max(720, '不超过 720 小时'),
  'authenticity.speedKmh': whole('公里/小时').min(10, '至少 10 公里/小时').max(300, '不超过 300 公里/小时'),
  'authenticity.minMinutes': whole('分钟').min(0, '不能为负数').max(60, '不超过 60 分钟'),
  'authenticity.lateDays': whole('天').min(1, '至少 1 天').max(60, '不超过 60 天'),
  'authenticity.maxPerDay': whole('次').min(1, '至少 1 次').max(49, '不超过 49 次'),
  'authenticity.copyAcrossPersons': whole('名').min(2, '至少 2 名').max(50, '不超过 50 名'),
  'authenticity.spotCheck': z.object({
    rate: z.number({ error: '抽查比例应为数字' }).min(0.01, '抽查比例至少 1%').max(1, '抽查比例不超过 100%'),
    min: whole('条').min(1, '至少抽 1 条').max(100, '不超过 100 条'),
    flaggedWeight: z.number({ error: '加权应为数字' }).min(1, '加权至少为 1').max(20, '加权不超过 20'),
  }),
} as const satisfies Record<AuthenticitySettingKey, z.ZodType>;
const A = AUTHENTICITY_SETTING_VALUES;
const AuthSettingsOut = z.object({
  'authenticity.placeMeters': SettingRead(A['authenticity.placeMeters']),
  'authenticity.accuracyAllowanceMeters': SettingRead(A['authenticity.accuracyAllowanceMeters']),
  'authenticity.photoHours': SettingRead(A['authenticity.photoHours']),
  'authenticity.speedKmh': SettingRead(A['authenticity.speedKmh']),
  'authenticity.minMinutes': SettingRead(A['authenticity.minMinutes']),
  'authenticity.lateDays': SettingRead(A['authenticity.lateDays']),
  'authenticity.maxPerDay': SettingRead(A['authenticity.maxPerDay']),
  'authenticity.copyAcrossPersons': SettingRead(A['authenticity.copyAcrossPersons']),
  'authenticity.spotCheck': SettingRead(A['authenticity.spotCheck']),
} satisfies Record<AuthenticitySettingKey, z.ZodType>);

export const getAuthenticitySettings = endpoint({
  method: 'GET',
  path: '/api/authenticity/settings',
  operationId: 'getAuthenticitySettings',
  summary: '真实性核查阈值（按辖区逐级继承）',
  tags: TAGS,
  permission: 'authenticity.read',
  query: z.object({ areaId: Id.optional() }),
  responses: { 200: AuthSettingsOut },
});

export const putAuthenticitySetting = endpoint({
  method: 'PUT',
  path: '/api/authenticity/settings',
  operationId: 'putAuthenticitySetting',
  summary: '设置或清除（value 为 null 时恢复继承）某辖区的一项真实性核查阈值',
  tags: TAGS,
  permission: 'config.manage',
  body: z.object({
    areaId: z.number().int().positive().nullable(),
    key: z.enum(Object.keys(A) as [AuthenticitySettingKey, ...AuthenticitySettingKey[]]),
    value: z.unknown().describe('该项阈值（见各项说明），null 表示恢复继承'),
  }),
  example: { areaId: null, key: 'authenticity.placeMeters', value: 800 },
  responses: { 200: AuthSettingsOut },
});
