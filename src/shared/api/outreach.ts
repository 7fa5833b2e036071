import { z } from 'zod';
import { parseCreditCode } from '../credit-code.js';
import { OUTREACH_METRIC_IDS } from '../metrics.js';
import { ACTIVITY_TYPES, ORGANISATION_KINDS, OUTREACH_PERIOD_RE, PERSON_FLAGS } from '../outreach.js';
import { endpoint } from './contract.js';
import { DateStr, Id, IdParams } from './shapes.js';

const TAGS = ['关爱活动'];

/** Limits of the outreach forms (their maxLength comes from here) and of the server's validation. */
export const OUTREACH_LIMITS = {
  name: 100,
  contact: 50,
  phone: 30,
  service: 40,
  services: 20,
  note: 1000,
  place: 200,
  summary: 2000,
  /** Persons one activity may name (a rule resolving to more is refused: split the activity). */
  participants: 2000,
  title: 100,
  awardedBy: 100,
  clientId: 64,
} as const;

const L = OUTREACH_LIMITS;
const text = (max: number, label: string) => z.string().trim().max(max, `${label}不能超过 ${max} 个字`);
const Services = z
  .array(text(L.service, '服务项目').min(1, '服务项目不能为空'))
  .max(L.services, `服务项目最多 ${L.services} 项`);
const Ref = z.object({ id: z.number(), name: z.string() });

/** 统一社会信用代码 in a request: normalised, check character verified (shared/credit-code.ts). */
export const CreditCode = z.string().transform((v, c) => {
  const r = parseCreditCode(v);
  if (r.ok) return r.value;
  c.addIssue({ code: 'custom', message: r.message });
  return z.NEVER;
});

export const Organisation = z.object({
  id: z.number(),
  area: Ref,
  kind: z.enum(ORGANISATION_KINDS),
  name: z.string(),
  creditCode: z.string().nullable(),
  contactName: z.string().nullable(),
  contactPhone: z.string().nullable(),
  services: z.array(z.string()),
  active: z.boolean(),
  note: z.string().nullable(),
  activityCount: z.number(),
  version: z.number(),
  createdAt: z.string(),
});
export type Organisation = z.output<typeof Organisation>;

const OrganisationFields = {
  kind: z.enum(ORGANISATION_KINDS),
  name: text(L.name, '名称').min(1, '请填写名称'),
  creditCode: CreditCode.nullable().optional(),
  contactName: text(L.contact, '联系人').nullable().optional(),
  contactPhone: text(L.phone, '联系电话')
    .regex(/^[0-9+\-() ]*$/, '联系电话只能含数字、+、-、括号和空格')
    .nullable()
    .optional(),
  services: Services.default([]),
  active: z.boolean().default(true),
  note: text(L.note, '备注').nullable().optional(),
};

export const OrganisationBody = z.object({
  areaId: z.number().int().positive(),
  ...OrganisationFields,
});
export type OrganisationBody = z.input<typeof OrganisationBody>;

export const listOrganisations = endpoint({
  method: 'GET',
  path: '/api/outreach/organisations',
  operationId: 'listOrganisations',
  summary: '社会组织和志愿者名录（本辖区登记的；区民政局看到全部）',
  tags: TAGS,
  permission: 'outreach.read',
  query: z.object({
    areaId: Id.optional(),
    kind: z.enum(ORGANISATION_KINDS).optional(),
    active: z.enum(['true', 'false']).optional(),
    q: z.string().trim().max(50).optional(),
    page: z.coerce.number().int().min(1).max(100000).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  }),
  responses: { 200: z.object({ items: z.array(Organisation), total: z.number() }) },
});

export const createOrganisation = endpoint({
  method: 'POST',
  path: '/api/outreach/organisations',
  operationId: 'createOrganisation',
  summary: '登记社会组织或志愿者（登记到本人管理的辖区）',
  tags: TAGS,
  permission: 'outreach.manage',
  body: OrganisationBody,
  responses: { 201: Organisation },
  example: {
    areaId: 3,
    kind: 'organisation',
    name: '东胜区爱心社会工作服务中心',
    creditCode: '53100000500021676K',
    contactName: '王丽',
    contactPhone: '0477-8581234',
    services: ['精神慰藉', '家政保洁'],
  },
});

export const updateOrganisation = endpoint({
  method: 'PATCH',
  path: '/api/outreach/organisations/:id',
  operationId: 'updateOrganisation',
  summary: '修改社会组织或志愿者（须带 version）',
  tags: TAGS,
  permission: 'outreach.manage',
  params: IdParams,
  body: z.object({ version: z.number().int(), ...OrganisationFields }).partial({
    kind: true,
    name: true,
    services: true,
    active: true,
  }),
  responses: { 200: Organisation },
  example: { version: 1, active: false },
});

export const deleteOrganisation = endpoint({
  method: 'DELETE',
  path: '/api/outreach/organisations/:id',
  operationId: 'deleteOrganisation',
  summary: '删除登记有误的社会组织（已组织过活动的只能停用）',
  tags: TAGS,
  permission: 'outreach.manage',
  params: IdParams,
});

export const ReachRule = z.object({
  areaId: z.number().int().positive(),
  flags: z.array(z.enum(PERSON_FLAGS)).max(PERSON_FLAGS.length).optional(),
  tier: z.enum(['general', 'key']).optional(),
  aged80: z.boolean().optional(),
});

export const Participant = z.object({
  personId: z.number(),
  name: z.string(),
  idNumberMasked: z.string(),
  town: Ref,
  village: Ref,
});

export const Activity = z.object({
  id: z.number(),
  area: Ref,
  type: z.enum(ACTIVITY_TYPES),
  heldOn: z.string(),
  place: z.string(),
  organisation: Ref.nullable(),
  organiserName: z.string(),
  services: z.array(z.string()),
  summary: z.string().nullable(),
  reachRule: ReachRule.nullable(),
  /** The rule in words (shared/outreach.ts reachRuleText), with its area's name. */
  reachRuleText: z.string(),
  participantCount: z.number(),
  version: z.number(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
});
export type Activity = z.output<typeof Activity>;
export const ActivityPhoto = z.object({ id: z.number(), mime: z.string(), size: z.number() });
export const ActivityDetail = Activity.extend({
  participants: z.array(Participant),
  photos: z.array(ActivityPhoto),
});
export type ActivityDetail = z.output<typeof ActivityDetail>;

const ActivityFields = {
  type: z.enum(ACTIVITY_TYPES),
  heldOn: DateStr,
  place: text(L.place, '地点').min(1, '请填写活动地点'),
  organisationId: z.number().int().positive().nullable().optional(),
  services: Services.default([]),
  summary: text(L.summary, '活动内容').nullable().optional(),
};

export const ActivityBody = z.object({
  areaId: z.number().int().positive(),
  ...ActivityFields,
  personIds: z
    .array(z.number().int().positive())
    .max(L.participants, `一次活动最多登记 ${L.participants} 名对象`)
    .default([]),
  rule: ReachRule.nullable().optional(),
  clientId: z.string().max(L.clientId).optional(),
});
export type ActivityBody = z.input<typeof ActivityBody>;

export const listActivities = endpoint({
  method: 'GET',
  path: '/api/outreach/activities',
  operationId: 'listActivities',
  summary: '关爱活动（本辖区举办的；可按对象、组织、期间筛选）',
  tags: TAGS,
  permission: 'outreach.read',
  query: z.object({
    areaId: Id.optional(),
    type: z.enum(ACTIVITY_TYPES).optional(),
    personId: Id.optional(),
    organisationId: Id.optional(),
    from: DateStr.optional(),
    to: DateStr.optional(),
    page: z.coerce.number().int().min(1).max(100000).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  }),
  responses: { 200: z.object({ items: z.array(Activity), total: z.number() }) },
});

export const getActivity = endpoint({
  method: 'GET',
  path: '/api/outreach/activities/:id',
  operationId: 'getActivity',
  summary: '一次关爱活动（含覆盖对象名单）',
  tags: TAGS,
  permission: 'outreach.read',
  params: IdParams,
  responses: { 200: ActivityDetail },
});

export const createActivity = endpoint({
  method: 'POST',
  path: '/api/outreach/activities',
  operationId: 'createActivity',
  summary: '登记关爱活动：覆盖对象逐个选择，或按规则（如“罕台村全部独居对象”）在保存时生成名单',
  description:
    '对象须在本人辖区及活动举办地辖区内且未终止供养；按规则选择时，规则随活动保存，名单在保存时确定。同一 clientId 重复提交返回同一活动。',
  tags: TAGS,
  permission: 'outreach.manage',
  body: ActivityBody,
  responses: { 201: ActivityDetail },
  example: {
    areaId: 3,
    type: 'festival',
    heldOn: '2026-02-10',
    place: '罕台村党群服务中心',
    organisationId: null,
    services: ['慰问品发放', '政策宣传'],
    summary: '春节前走访慰问，讲解特困供养政策',
    personIds: [1024],
    rule: { areaId: 5, flags: ['lives_alone'] },
  },
});

export const updateActivity = endpoint({
  method: 'PATCH',
  path: '/api/outreach/activities/:id',
  operationId: 'updateActivity',
  summary: '修改关爱活动（须带 version；给出 personIds 时替换覆盖对象名单）',
  tags: TAGS,
  permission: 'outreach.manage',
  params: IdParams,
  body: z
    .object({
      version: z.number().int(),
      ...ActivityFields,
      personIds: z.array(z.number().int().positive()).max(L.participants),
    })
    .partial({ type: true, heldOn: true, place: true, services: true, personIds: true }),
  responses: { 200: ActivityDetail },
  example: { version: 1, place: '罕台村文化广场' },
});

export const deleteActivity = endpoint({
  method: 'DELETE',
  path: '/api/outreach/activities/:id',
  operationId: 'deleteActivity',
  summary: '删除登记有误的关爱活动（同时从对象的时间线移除）',
  tags: TAGS,
  permission: 'outreach.manage',
  params: IdParams,
});

/** Photos of an activity: at most this many, each at most this large (JPEG, PNG or WebP). */
export const ACTIVITY_PHOTO_LIMITS = { count: 6, bytes: 5 * 1024 * 1024 } as const;
/** Base64 in JSON: 5 MB of photo is ~6.7 MB of text. */
export const ACTIVITY_PHOTO_BODY_LIMIT = 8 * 1024 * 1024;

export const uploadActivityPhoto = endpoint({
  method: 'POST',
  path: '/api/outreach/activities/:id/photos',
  operationId: 'uploadActivityPhoto',
  summary: '上传活动照片（JPEG/PNG/WebP，Base64，每张不超过 5 MB，每次活动最多 6 张）',
  tags: TAGS,
  permission: 'outreach.manage',
  params: IdParams,
  body: z.object({
    mime: z.enum(['image/jpeg', 'image/png', 'image/webp']),
    data: z.string().min(1, '文件内容为空').describe('Base64'),
  }),
  responses: { 201: ActivityDetail },
  example: { mime: 'image/png', data: 'iVBORw0KGgo=' },
});

export const getActivityPhoto = endpoint({
  method: 'GET',
  path: '/api/outreach/activities/:id/photos/:photoId',
  operationId: 'getActivityPhoto',
  summary: '查看活动照片（每次查看记入审计日志）',
  tags: TAGS,
  permission: 'outreach.read',
  params: z.object({ id: Id, photoId: Id }),
  file: { mime: 'image/jpeg, image/png, image/webp', description: '活动照片' },
});

export const deleteActivityPhoto = endpoint({
  method: 'DELETE',
  path: '/api/outreach/activities/:id/photos/:photoId',
  operationId: 'deleteActivityPhoto',
  summary: '删除活动照片',
  tags: TAGS,
  permission: 'outreach.manage',
  params: z.object({ id: Id, photoId: Id }),
});

export const previewReach = endpoint({
  method: 'POST',
  path: '/api/outreach/reach-preview',
  operationId: 'previewReach',
  summary: '按规则预览覆盖对象名单（不保存）',
  tags: TAGS,
  permission: 'outreach.manage',
  body: ReachRule,
  responses: { 200: z.object({ items: z.array(Participant), total: z.number() }) },
  example: { areaId: 5, flags: ['lives_alone'] },
});

/** An outreach period: 'YYYY-MM' or 'YYYY-Qn'. */
export const OutreachPeriod = z
  .string()
  .regex(OUTREACH_PERIOD_RE, '期间格式应为 YYYY-MM（月）或 YYYY-Q1…Q4（季度）');

const Ratio = z.object({
  value: z.number().nullable(),
  numerator: z.number(),
  denominator: z.number(),
});
export const OutreachFigures = z.object({
  activities: z.number(),
  personsReached: z.number(),
  /** 政策知晓率 (METRICS.policyAwareness) over the same area and period, from visits. */
  policyAwareness: Ratio,
});
export const OutreachFiguresAnswer = z.object({
  period: z.string(),
  from: z.string(),
  to: z.string(),
  area: z.object({ id: z.number(), name: z.string(), level: z.string() }),
  figures: OutreachFigures,
  children: z.array(z.object({ id: z.number(), name: z.string(), figures: OutreachFigures })),
});
export type OutreachFiguresAnswer = z.output<typeof OutreachFiguresAnswer>;

const FigureQuery = z.object({
  period: OutreachPeriod.optional(),
  areaId: Id.optional(),
});

export const getOutreachFigures = endpoint({
  method: 'GET',
  path: '/api/outreach/figures',
  operationId: 'getOutreachFigures',
  summary: '关爱活动指标：覆盖对象、活动场次，与同一辖区同期的政策知晓率并列（按镇街或村居分列）',
  tags: TAGS,
  permission: 'outreach.read',
  query: FigureQuery,
  responses: { 200: OutreachFiguresAnswer },
});

export const OutreachRecord = z.object({
  id: z.number(),
  name: z.string(),
  town: z.string(),
  village: z.string().nullable(),
  date: z.string().nullable(),
  detail: z.string().nullable(),
});

export const listOutreachFigureRecords = endpoint({
  method: 'GET',
  path: '/api/outreach/figures/records',
  operationId: 'listOutreachFigureRecords',
  summary: '关爱活动指标的明细（该数字背后的对象或活动）',
  tags: TAGS,
  permission: 'outreach.read',
  query: FigureQuery.extend({
    figure: z.enum(OUTREACH_METRIC_IDS),
    page: z.coerce.number().int().min(1).max(100000).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  }),
  responses: { 200: z.object({ items: z.array(OutreachRecord), total: z.number() }) },
});

export const activitiesLedger = endpoint({
  method: 'GET',
  path: '/api/outreach/activities.xlsx',
  operationId: 'downloadActivitiesLedger',
  summary: '关爱活动台账（每次活动一行，含覆盖对象；第二张表每名对象一行）',
  description: '身份证号码一律脱敏。他人辖区的 areaId 应答 404。',
  tags: TAGS,
  permission: 'outreach.read',
  query: FigureQuery,
  file: {
    mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    description: 'Excel 工作簿（流式发送）',
  },
});

export const Recognition = z.object({
  id: z.number(),
  caregiverId: z.number(),
  area: Ref,
  title: z.string(),
  awardedOn: z.string(),
  awardedBy: z.string(),
  note: z.string().nullable(),
  createdAt: z.string(),
});
export type Recognition = z.output<typeof Recognition>;

export const listRecognitions = endpoint({
  method: 'GET',
  path: '/api/caregivers/:id/recognitions',
  operationId: 'listCaregiverRecognitions',
  summary: '照料服务人的孝老爱亲表彰',
  tags: TAGS,
  permission: 'care.read',
  params: IdParams,
  responses: { 200: z.object({ items: z.array(Recognition) }) },
});

export const createRecognition = endpoint({
  method: 'POST',
  path: '/api/caregivers/:id/recognitions',
  operationId: 'createCaregiverRecognition',
  summary: '记录照料服务人的孝老爱亲表彰',
  tags: TAGS,
  permission: 'care.write',
  params: IdParams,
  body: z.object({
    title: text(L.title, '表彰名称').min(1, '请填写表彰名称'),
    awardedOn: DateStr,
    awardedBy: text(L.awardedBy, '表彰单位').min(1, '请填写表彰单位'),
    note: text(L.note, '事迹').nullable().optional(),
  }),
  responses: { 201: Recognition },
  example: {
    title: '孝老爱亲模范',
    awardedOn: '2026-01-20',
    awardedBy: '罕台镇人民政府',
    note: '照料十年如一日',
  },
});

export const deleteRecognition = endpoint({
  method: 'DELETE',
  path: '/api/caregiver-recognitions/:id',
  operationId: 'deleteCaregiverRecognition',
  summary: '删除登记有误的孝老爱亲表彰',
  tags: TAGS,
  permission: 'care.write',
  params: IdParams,
});
