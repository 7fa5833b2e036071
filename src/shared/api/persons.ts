import { z } from 'zod';
import {
  BENEFIT_CARD_STATES,
  END_REASONS,
  PERSON_FLAGS,
  PERSON_STATUSES,
  SELF_CARE_INDICATORS,
  SELF_CARE_LEVELS,
  TIERS,
} from '../person.js';
import { VISITOR_TYPES } from '../roles.js';
import { endpoint } from './contract.js';
import { DateStr } from './dates.js';
import { IdParams } from './shapes.js';
import { ImportRejections, UPLOAD_LIMITS } from './uploads.js';

const PERSONS = ['对象档案'];
const VISITORS = ['探访责任人'];
const ROSTER = ['花名册'];

/**
 * The person file's limits: the request schemas below and the console's person form both read them,
 * so a limit changed here reaches the server's validation and the form's `maxLength` together.
 */
export const PERSON_LIMITS = {
  name: 50,
  idNumber: 30,
  ethnicity: 20,
  phone: 30,
  address: 200,
  certificateNo: 50,
  flags: 10,
  flagNote: 200,
  cardCustodian: 50,
  cardCustodianReason: 200,
  note: 500,
  assessorName: 50,
  statusReason: 200,
  backups: 5,
  reassignPersons: 5000,
  search: 50,
  /** Page size of the person list (default 50). */
  pageMax: 500,
  timelinePageMax: 500,
  exportReason: 200,
} as const;
const L = PERSON_LIMITS;

/** The six self-care indicators, each met (true) or not. */
export const Indicators = z.object(
  Object.fromEntries(SELF_CARE_INDICATORS.map((i) => [i.key, z.boolean()])) as Record<
    (typeof SELF_CARE_INDICATORS)[number]['key'],
    z.ZodBoolean
  >,
);

export const PersonListItem = z.object({
  id: z.number(),
  name: z.string(),
  idNumberMasked: z.string(),
  sex: z.enum(['male', 'female']),
  birthDate: z.string(),
  age: z.number(),
  ethnicity: z.string().nullable(),
  phoneMasked: z.string().nullable(),
  townId: z.number(),
  townName: z.string(),
  villageId: z.number(),
  villageName: z.string(),
  status: z.enum(PERSON_STATUSES),
  statusReason: z.string().nullable(),
  statusSince: z.string().nullable(),
  pausedUntil: z.string().nullable(),
  endReason: z.enum(END_REASONS).nullable(),
  selfCare: z.enum(SELF_CARE_LEVELS),
  tier: z.enum(TIERS),
  /** Stored flags plus the derived 'aged_80'. */
  flags: z.array(z.string()),
  visitorId: z.number().nullable(),
  visitorName: z.string().nullable(),
  version: z.number(),
});
export type PersonListItem = z.output<typeof PersonListItem>;

export const Assessment = z.object({
  id: z.number(),
  assessedOn: z.string(),
  indicators: z.record(z.string(), z.boolean()),
  level: z.enum(SELF_CARE_LEVELS),
  assessorName: z.string().nullable(),
  note: z.string().nullable(),
  createdAt: z.string(),
});
export const Assignment = z.object({
  id: z.number(),
  visitorId: z.number(),
  visitorName: z.string(),
  kind: z.enum(['responsible', 'backup']),
  fromAt: z.string(),
  toAt: z.string().nullable(),
  actorName: z.string().nullable(),
});
export const PersonFile = PersonListItem.extend({
  registeredAddress: z.string().nullable(),
  currentAddress: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  supportStart: z.string(),
  certificateNo: z.string().nullable(),
  flagNote: z.string().nullable(),
  benefitCard: z.enum(BENEFIT_CARD_STATES),
  cardCustodian: z.string().nullable(),
  cardCustodianReason: z.string().nullable(),
  note: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  assessments: z.array(Assessment),
  assignments: z.array(Assignment),
  canWrite: z.boolean(),
  canRevealIdNumber: z.boolean(),
});
export type PersonFile = z.output<typeof PersonFile>;

export const TimelineEvent = z.object({
  id: z.number(),
  at: z.string(),
  kind: z.string(),
  title: z.string(),
  detail: z.record(z.string(), z.unknown()),
  actorName: z.string().nullable(),
  refEntity: z.string().nullable(),
  refId: z.string().nullable(),
});
export type TimelineEvent = z.output<typeof TimelineEvent>;

/** A visitor with their workload (active persons they are responsible for). */
export const VisitorWorkload = z.object({
  id: z.number(),
  displayName: z.string(),
  username: z.string(),
  visitorType: z.enum(VISITOR_TYPES).nullable(),
  organization: z.string().nullable(),
  disabled: z.boolean(),
  areas: z.array(z.object({ id: z.number(), name: z.string() })),
  activePersons: z.number(),
  keyPersons: z.number(),
  backupPersons: z.number(),
});
export type VisitorWorkload = z.output<typeof VisitorWorkload>;

export const RosterImportResult = z
  .object({
    dryRun: z.boolean(),
    total: z.number(),
    created: z.number(),
    updated: z.number(),
  })
  .extend(ImportRejections.shape);
export type RosterImportResult = z.output<typeof RosterImportResult>;

const text = (max: number) => z.string().trim().max(max);
/** A new person file (POST /api/persons); the edit takes part of it (PATCH). */
export const PersonBody = z.object({
  name: z.string().trim().min(1).max(L.name),
  idNumber: z.string().trim().min(1).max(L.idNumber),
  ethnicity: text(L.ethnicity).nullable().optional(),
  phone: text(L.phone).nullable().optional(),
  registeredAddress: text(L.address).nullable().optional(),
  currentAddress: text(L.address).nullable().optional(),
  villageId: z.number().int(),
  latitude: z.number().min(-90).max(90).nullable().optional(),
  longitude: z.number().min(-180).max(180).nullable().optional(),
  supportStart: DateStr,
  certificateNo: text(L.certificateNo).nullable().optional(),
  selfCare: z.enum(SELF_CARE_LEVELS).optional(),
  indicators: Indicators.optional(),
  assessedOn: DateStr.optional(),
  flags: z.array(z.enum(PERSON_FLAGS)).max(L.flags).optional(),
  flagNote: text(L.flagNote).nullable().optional(),
  benefitCard: z.enum(BENEFIT_CARD_STATES).optional(),
  cardCustodian: text(L.cardCustodian).nullable().optional(),
  cardCustodianReason: text(L.cardCustodianReason).nullable().optional(),
  visitorId: z.number().int().nullable().optional(),
  note: text(L.note).nullable().optional(),
  allowSimilar: z.boolean().optional(),
});
export type PersonBody = z.input<typeof PersonBody>;

export const PersonPatchBody = PersonBody.omit({
  selfCare: true,
  indicators: true,
  assessedOn: true,
  visitorId: true,
  allowSimilar: true,
})
  .partial()
  .extend({ version: z.number().int() });
export type PersonPatchBody = z.input<typeof PersonPatchBody>;

/**
 * The choices the person form offers, read from the body's schema: an enum value added to the
 * schema is offered by the form with no second list.
 */
export const PERSON_CHOICES = {
  flags: PersonBody.shape.flags.unwrap().element.options,
  benefitCard: PersonBody.shape.benefitCard.unwrap().options,
} as const;

const bool = z
  .enum(['true', 'false'])
  .optional()
  .transform((v) => v === 'true');

export const listPersons = endpoint({
  method: 'GET',
  path: '/api/persons',
  operationId: 'listPersons',
  summary: '对象列表（按 id 键集分页：nextCursor 传回 cursor）',
  tags: PERSONS,
  permission: 'persons.read',
  query: z.object({
    areaId: z.coerce.number().int().optional(),
    tier: z.enum(TIERS).optional(),
    status: z.enum(PERSON_STATUSES).optional(),
    unassigned: bool,
    visitorId: z.coerce.number().int().optional(),
    flags: z
      .string()
      .optional()
      .transform((v) => (v ? v.split(',').filter(Boolean) : []))
      .describe('逗号分隔的标识（含 aged_80）'),
    q: z.string().trim().max(L.search).optional(),
    cursor: z.coerce.number().int().optional(),
    limit: z.coerce.number().int().min(1).max(L.pageMax).default(50),
  }),
  responses: { 200: z.object({ items: z.array(PersonListItem), nextCursor: z.number().nullable() }) },
});

export const createPerson = endpoint({
  method: 'POST',
  path: '/api/persons',
  operationId: 'createPerson',
  summary: '新建对象档案（同名同出生日期时返回 409 POSSIBLE_DUPLICATE，确认后带 allowSimilar 重发）',
  tags: PERSONS,
  permission: 'persons.write',
  body: PersonBody,
  responses: { 201: PersonFile },
  example: {
    name: '张桂兰',
    idNumber: '150602194305120028',
    ethnicity: '汉族',
    phone: '13800000000',
    villageId: 12,
    supportStart: '2020-01-01',
    indicators: {
      eating: true,
      dressing: true,
      transfer: true,
      toileting: true,
      walking: true,
      bathing: false,
    },
    flags: ['lives_alone'],
    benefitCard: 'self',
  },
});

export const getPerson = endpoint({
  method: 'GET',
  path: '/api/persons/:id',
  operationId: 'getPerson',
  summary: '对象档案（含评估与探访责任人历史）',
  tags: PERSONS,
  permission: 'persons.read',
  params: IdParams,
  responses: { 200: PersonFile },
});

export const updatePerson = endpoint({
  method: 'PATCH',
  path: '/api/persons/:id',
  operationId: 'updatePerson',
  summary: '修改档案（须带 version，过期返回 409）',
  tags: PERSONS,
  permission: 'persons.write',
  params: IdParams,
  body: PersonPatchBody,
  responses: { 200: PersonFile },
  example: { version: 3, currentAddress: '东胜区富兴街道 12 号', note: '已搬至女儿家附近' },
});

export const revealPersonSensitive = endpoint({
  method: 'GET',
  path: '/api/persons/:id/sensitive',
  operationId: 'revealPersonSensitive',
  summary: '查看完整身份证号码和电话（记入审计日志）',
  tags: PERSONS,
  permission: 'persons.read',
  params: IdParams,
  responses: { 200: z.object({ idNumber: z.string().nullable(), phone: z.string().nullable() }) },
});

export const AssessmentBody = z.object({
  assessedOn: DateStr,
  indicators: Indicators,
  assessorName: text(L.assessorName).nullable().optional(),
  note: text(L.note).nullable().optional(),
});
export const addAssessment = endpoint({
  method: 'POST',
  path: '/api/persons/:id/assessments',
  operationId: 'addPersonAssessment',
  summary: '生活自理能力评估（六项指标，等级由规则得出）',
  tags: PERSONS,
  permission: 'persons.write',
  params: IdParams,
  body: AssessmentBody,
  responses: {
    201: z.object({
      id: z.number(),
      level: z.enum(SELF_CARE_LEVELS),
      tier: z.enum(TIERS),
      current: z.boolean(),
    }),
  },
  example: {
    assessedOn: '2026-03-01',
    indicators: {
      eating: true,
      dressing: false,
      transfer: true,
      toileting: true,
      walking: true,
      bathing: false,
    },
    assessorName: '李医生',
  },
});

export const StatusBody = z.object({
  version: z.number().int(),
  status: z.enum(PERSON_STATUSES),
  effectiveOn: DateStr.optional(),
  reason: text(L.statusReason).nullable().optional(),
  endReason: z.enum(END_REASONS).optional(),
  until: DateStr.nullable().optional(),
});
export const changePersonStatus = endpoint({
  method: 'POST',
  path: '/api/persons/:id/status',
  operationId: 'changePersonStatus',
  summary: '暂停、终止或恢复供养',
  tags: PERSONS,
  permission: 'persons.write',
  params: IdParams,
  body: StatusBody,
  responses: { 200: PersonFile },
  example: { version: 4, status: 'paused', reason: '住院治疗', until: '2026-04-30' },
});

export const getPersonTimeline = endpoint({
  method: 'GET',
  path: '/api/persons/:id/timeline',
  operationId: 'getPersonTimeline',
  summary: '对象时间线（各模块的事件，新的在前；before 传上一页最后一条的 id）',
  tags: PERSONS,
  permission: 'persons.read',
  params: IdParams,
  query: z.object({
    before: z.coerce.number().int().optional(),
    limit: z.coerce.number().int().min(1).max(L.timelinePageMax).default(100),
  }),
  responses: { 200: z.object({ items: z.array(TimelineEvent) }) },
});

export const setBackupVisitors = endpoint({
  method: 'PUT',
  path: '/api/persons/:id/backups',
  operationId: 'setBackupVisitors',
  summary: '设置备用探访人',
  tags: VISITORS,
  permission: 'persons.write',
  params: IdParams,
  body: z.object({ visitorIds: z.array(z.number().int()).max(L.backups) }),
  responses: { 200: PersonFile },
  example: { visitorIds: [31, 42] },
});

export const reassignPersons = endpoint({
  method: 'POST',
  path: '/api/persons/reassign',
  operationId: 'reassignPersons',
  summary: '批量指定或移交探访责任人（选定对象，或某责任人的全部对象）',
  tags: VISITORS,
  permission: 'persons.write',
  body: z.object({
    personIds: z.array(z.number().int()).max(L.reassignPersons).optional(),
    fromVisitorId: z.number().int().optional(),
    toVisitorId: z.number().int(),
  }),
  responses: { 200: z.object({ moved: z.number(), unchanged: z.number() }) },
  example: { fromVisitorId: 31, toVisitorId: 42 },
});

export const listVisitors = endpoint({
  method: 'GET',
  path: '/api/visitors',
  operationId: 'listVisitors',
  summary: '探访责任人及其工作量（负责的在册对象数）',
  tags: VISITORS,
  permission: 'persons.read',
  query: z.object({
    areaId: z.coerce.number().int().optional(),
    q: z.string().trim().max(L.search).optional(),
  }),
  responses: { 200: z.object({ items: z.array(VisitorWorkload) }) },
});

export const importRoster = endpoint({
  method: 'POST',
  path: '/api/persons/import',
  operationId: 'importRoster',
  summary: '导入花名册 .xlsx（multipart 字段 file；dryRun=true 只检查不写入）',
  description: `文件不超过 ${UPLOAD_LIMITS.rosterBytes / 1024 / 1024} MB；progressId（UUID）可用于查询进度。`,
  tags: ROSTER,
  permission: 'persons.write',
  query: z.object({
    dryRun: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    progressId: z.uuid().optional(),
  }),
  upload: { field: 'file', description: '花名册 .xlsx（按模板）' },
  responses: { 200: RosterImportResult },
});

export const getImportProgress = endpoint({
  method: 'GET',
  path: '/api/persons/import/progress/:progressId',
  operationId: 'getRosterImportProgress',
  summary: '导入进度（已处理的数据行数）',
  tags: ROSTER,
  permission: 'persons.write',
  params: z.object({ progressId: z.uuid() }),
  responses: { 200: z.object({ rows: z.number(), done: z.boolean() }) },
});

export const getImportBadRows = endpoint({
  method: 'GET',
  path: '/api/persons/import/bad-rows/:token',
  operationId: 'getRosterImportBadRows',
  summary: '下载未导入的行（.xlsx，含原因列）',
  tags: ROSTER,
  permission: 'persons.write',
  params: z.object({ token: z.string() }),
  file: {
    mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    description: '未导入的行（.xlsx）',
  },
});

export const getRosterTemplate = endpoint({
  method: 'GET',
  path: '/api/persons/import/template.xlsx',
  operationId: 'getRosterTemplate',
  summary: '花名册模板',
  tags: ROSTER,
  permission: 'persons.read',
  file: {
    mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    description: '花名册模板（.xlsx）',
  },
});

export const exportRoster = endpoint({
  method: 'GET',
  path: '/api/persons/export.xlsx',
  operationId: 'exportRoster',
  summary:
    '导出花名册（号码默认脱敏；有权查看完整号码的角色填写用途 reason 后导出完整号码，文件带水印并记入审计）',
  tags: ROSTER,
  permission: 'persons.export',
  query: z.object({
    areaId: z.coerce.number().int().optional(),
    reason: z.string().max(L.exportReason).optional(),
    includeEnded: bool,
  }),
  file: {
    mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    description: '花名册（.xlsx）',
  },
});
