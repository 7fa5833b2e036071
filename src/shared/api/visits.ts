import { z } from 'zod';
import { AUTHENTICITY_RULES, REVIEW_STATES } from '../authenticity.js';
import {
  type ChecklistAnswers,
  type ChecklistDefinition,
  ROUND_CHECKS,
  VISIT_METHODS,
  VISIT_OUTCOMES,
} from '../checklist.js';
import { FREQUENCIES, type VisitSettingKey } from '../schedule.js';
import { endpoint } from './contract.js';
import { isAheadOfNow, VISIT_LIMITS } from './limits.js';
import { Cursor, DateStr, Id, IdParams, Limit, page } from './shapes.js';

const TAGS = ['探访'];

export { isAheadOfNow, VISIT_LIMITS } from './limits.js';

export const TASK_KINDS = ['regular', 'follow_up', 'campaign'] as const;
export const TASK_STATUSES = ['open', 'done', 'missed', 'cancelled'] as const;

export const Task = z.object({
  id: z.number(),
  personId: z.number(),
  personName: z.string(),
  kind: z.enum(TASK_KINDS),
  period: z.string(),
  periodLabel: z.string(),
  tier: z.enum(['general', 'key']).nullable(),
  windowStart: z.string(),
  windowEnd: z.string(),
  dueDate: z.string(),
  daysLeft: z.number(),
  dueSoon: z.boolean(),
  visitorId: z.number().nullable(),
  visitorName: z.string().nullable(),
  villageName: z.string().nullable(),
  status: z.enum(TASK_STATUSES),
  statusReason: z.string().nullable(),
  visitId: z.number().nullable(),
  campaignId: z.number().nullable(),
  reason: z.string().nullable(),
});
export type VisitTask = z.output<typeof Task>;
const TaskPage = page(Task);

const AnswerValue = z.union([
  z.string(),
  z.number(),
  z.array(z.string()),
  z.array(z.object({ code: z.string(), note: z.string() })),
  z.array(z.object({ category: z.string(), note: z.string() })),
  z.null(),
]);
/**
 * answers[section][item] = { value, note }. The shape only: the checklist (shared/checklist.ts
 * `validateChecklist`, run by the server and by both forms) checks sections, items, codes and notes
 * with messages that name the item; typed as the checklist's own `ChecklistAnswers`.
 */
export const Answers = z.record(
  z.string(),
  z.record(z.string(), z.object({ value: AnswerValue, note: z.string().optional() })),
) as unknown as z.ZodType<ChecklistAnswers, ChecklistAnswers>;

/** A signal of DOMAIN.md §12 as stored with the visit (shared/authenticity.ts). */
export const AuthenticitySignal = z.object({
  rule: z.enum(AUTHENTICITY_RULES),
  reason: z.string(),
  evidence: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
/** The visit's signals and the town's review of them (null: nothing tripped). */
export const VisitAuthenticity = z.object({
  signals: z.array(AuthenticitySignal),
  reviewState: z.enum(REVIEW_STATES).nullable(),
  reviewNote: z.string().nullable(),
  reviewedAt: z.string().nullable(),
  rejected: z.boolean(),
});

export const Visit = z.object({
  id: z.number(),
  clientId: z.string(),
  personId: z.number(),
  personName: z.string(),
  visitorId: z.number(),
  visitorName: z.string(),
  at: z.string(),
  method: z.enum(VISIT_METHODS),
  outcome: z.enum(VISIT_OUTCOMES),
  qualifying: z.boolean(),
  durationMinutes: z.number().nullable(),
  notes: z.string().nullable(),
  checklistVersion: z.number(),
  answers: Answers,
  seasons: z.array(z.string()),
  location: z
    .object({ latitude: z.number(), longitude: z.number(), accuracy: z.number().nullable() })
    .nullable(),
  /** Form opened and saved on the phone (its clock), when the phone measured them. */
  openedAt: z.string().nullable(),
  submittedAt: z.string().nullable(),
  authenticity: VisitAuthenticity.nullable(),
  photos: z.array(z.object({ id: z.number(), url: z.string(), size: z.number() })),
  signatureUrl: z.string().nullable(),
  recordedBy: z.number(),
  recordedAt: z.string(),
  completedTasks: z.array(Task),
});
export type VisitDetail = z.output<typeof Visit>;
export const VisitBrief = Visit.omit({
  answers: true,
  photos: true,
  signatureUrl: true,
  completedTasks: true,
});
export type VisitBrief = z.output<typeof VisitBrief>;
const RecordedVisit = Visit.extend({ notice: z.string().nullable() });

/** What the phone read from a photo before compressing it: EXIF time and place, the original's hash. */
const PhotoMetaBody = z.object({
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, '照片指纹应为 64 位十六进制 SHA-256')
    .nullish(),
  takenAt: z.iso.datetime({ offset: true, message: '照片拍摄时间应为带时区的 ISO 时间' }).nullish(),
  latitude: z.number().min(-90).max(90).nullish(),
  longitude: z.number().min(-180).max(180).nullish(),
});

const L = VISIT_LIMITS;
/** A file's name in the store: the SHA-256 of its bytes, 64 lower-case hex digits. */
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, '应为 64 位小写十六进制 SHA-256');
export const RecordVisitBody = z.object({
  clientId: z.uuid('clientId 应为 UUID'),
  personId: z.number().int().positive(),
  at: z.iso
    .datetime({ offset: true, message: '探访时间应为带时区的 ISO 时间' })
    .transform((s) => new Date(s)),
  method: z.enum(VISIT_METHODS),
  outcome: z.enum(VISIT_OUTCOMES),
  durationMinutes: z
    .number()
    .int()
    .min(L.durationMinutes.min, `时长应为 ${L.durationMinutes.min}–${L.durationMinutes.max} 分钟`)
    .max(L.durationMinutes.max, `时长应为 ${L.durationMinutes.min}–${L.durationMinutes.max} 分钟`)
    .nullish(),
  notes: z.string().max(L.notesMax, `备注不超过 ${L.notesMax} 字`).nullish(),
  answers: Answers.optional(),
  location: z
    .object({
      consent: z.boolean(),
      latitude: z.number().min(-90).max(90),
      longitude: z.number().min(-180).max(180),
      accuracy: z.number().min(0, '定位精度不能为负').max(100000).nullish().describe('定位精度（米）'),
    })
    .nullish(),
  /** When the phone opened the form and saved it (the phone's clock): the "too short" rule. */
  openedAt: z.iso
    .datetime({ offset: true, message: '打开表单时间应为带时区的 ISO 时间' })
    .transform((s) => new Date(s))
    .nullish(),
  submittedAt: z.iso
    .datetime({ offset: true, message: '保存时间应为带时区的 ISO 时间' })
    .transform((s) => new Date(s))
    .nullish(),
  photos: z
    .array(
      z
        .object({
          data: z.string().describe('base64 JPEG/PNG').optional(),
          upload: Sha256.optional().describe(
            '已上传照片的 SHA-256（PUT /api/visit-photos/{sha256}），代替 data',
          ),
          name: z.string().max(200).optional(),
          meta: PhotoMetaBody.optional(),
        })
        .refine((p) => (p.data === undefined) !== (p.upload === undefined), {
          message: '每张照片须有 data 或 upload 之一',
        }),
    )
    .max(L.photosMax, `照片最多 ${L.photosMax} 张`)
    .optional(),
  signature: z.object({ data: z.string() }).nullish(),
  /** An officer recording for a visitor; a visitor records as themselves. */
  visitorId: z.number().int().positive().optional(),
});
/** A visit as the phone or the console sends it (times as ISO text). */
export type RecordVisitInput = z.input<typeof RecordVisitBody>;

/**
 * What both forms check before a visit leaves the device, with the messages the server would give:
 * the body's schema (limits included) and the time rule. (The checklist's own rules:
 * `validateChecklist`.) `now` is the server's clock as the device knows it.
 */
export function visitDraftErrors(body: RecordVisitInput, now: Date): { field: string; message: string }[] {
  const r = RecordVisitBody.safeParse(body);
  if (!r.success)
    return r.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }));
  return isAheadOfNow(r.data.at, now) ? [{ field: 'at', message: '探访时间不能晚于当前时间' }] : [];
}

const TaskStatusFilter = z.enum([...TASK_STATUSES, 'due_soon']);
export type TaskStatusFilter = z.output<typeof TaskStatusFilter>;

const SeasonRange = z.object({
  from: z.string().regex(/^\d{2}-\d{2}$/, '应为 MM-DD'),
  to: z.string().regex(/^\d{2}-\d{2}$/, '应为 MM-DD'),
});
/** Each visit setting's value schema (settings are inherited down the area tree). */
export const VISIT_SETTING_VALUES = {
  'visits.frequency': z.object({ general: z.enum(FREQUENCIES), key: z.enum(FREQUENCIES) }),
  'visits.inPersonEvery': z.number().int().min(0).max(12),
  'visits.followUpHours': z.object({
    critical: z.number().int().min(1).max(168),
    normal: z.number().int().min(1).max(720),
  }),
  'visits.seasons': z.object({ heating: SeasonRange, flood: SeasonRange }),
  'visits.reminderDays': z.number().int().min(0).max(15),
} as const satisfies Record<VisitSettingKey, z.ZodType>;

/** One setting as read: its value in force and where it comes from (an area id, null = system, or default). */
export const SettingRead = <V extends z.ZodType>(value: V) =>
  z.object({
    value,
    source: z.union([z.number(), z.literal('default')]).nullable(),
    sourceName: z.string(),
    own: z.boolean(),
  });
/** The visit settings as read, each key with its own value type. */
const V = VISIT_SETTING_VALUES;
export const SettingsOut = z.object({
  'visits.frequency': SettingRead(V['visits.frequency']),
  'visits.inPersonEvery': SettingRead(V['visits.inPersonEvery']),
  'visits.followUpHours': SettingRead(V['visits.followUpHours']),
  'visits.seasons': SettingRead(V['visits.seasons']),
  'visits.reminderDays': SettingRead(V['visits.reminderDays']),
} satisfies Record<VisitSettingKey, z.ZodType>);

export const CAMPAIGN_KINDS = ['cold_wave', 'blizzard', 'rainstorm', 'heat', 'festival', 'other'] as const;
export const Campaign = z.object({
  id: z.number(),
  name: z.string(),
  kind: z.string(),
  areaId: z.number(),
  areaName: z.string(),
  selection: z.object({
    tiers: z.array(z.enum(['general', 'key'])).optional(),
    flags: z.array(z.string()).optional(),
    minAge: z.number().optional(),
  }),
  opensAt: z.string(),
  deadline: z.string(),
  note: z.string().nullable(),
  /** Section G checks the round's visits carry whatever the season (heating: 取暖安全; flood: 防汛与用电安全). */
  checks: z.array(z.enum(ROUND_CHECKS)),
  taskCount: z.number(),
  doneCount: z.number(),
  openCount: z.number(),
  version: z.number(),
  closedAt: z.string().nullable(),
  closeReason: z.string().nullable(),
});
export type Campaign = z.output<typeof Campaign>;

/** The checklist as data (shared/checklist.ts), typed as the checklist's own definition. */
const ChecklistDefinitionSchema = z.object({
  version: z.number(),
  from: z.string(),
  sections: z.array(
    z.object({
      key: z.string(),
      label: z.string(),
      requiredFor: z.array(z.enum(VISIT_METHODS)).readonly().optional(),
      items: z.array(
        z.object({
          key: z.string(),
          label: z.string(),
          type: z.enum(['choice', 'multi', 'number', 'text', 'risks', 'requests']),
          options: z
            .array(z.object({ value: z.string(), label: z.string(), bad: z.boolean().optional() }))
            .optional(),
          required: z.boolean().optional(),
          season: z.enum(['heating', 'flood']).optional(),
          unit: z.string().optional(),
          min: z.number().optional(),
          max: z.number().optional(),
          badBelow: z.number().optional(),
          hint: z.string().optional(),
        }),
      ),
    }),
  ),
}) as unknown as z.ZodType<ChecklistDefinition, ChecklistDefinition>;

const ChecklistOut = z.object({
  date: z.string(),
  seasons: z.object({ heating: z.boolean(), flood: z.boolean() }),
  definition: ChecklistDefinitionSchema,
  /**
   * The person's open rounds with checks still running that day (personId given): the form asks their
   * items for a visit whose time falls in a window (shared/checklist.ts `roundsAt`).
   */
  rounds: z.array(
    z.object({
      name: z.string(),
      status: z.string(),
      windowStart: z.string(),
      windowEnd: z.string(),
      checks: z.array(z.enum(ROUND_CHECKS)),
    }),
  ),
});

export const listVisitTasks = endpoint({
  method: 'GET',
  path: '/api/visit-tasks',
  operationId: 'listVisitTasks',
  summary: '探访任务列表（我的任务、镇街和区的列表）',
  tags: TAGS,
  permission: 'visits.read',
  query: z.object({
    assignee: z.string().max(20).optional().describe('me 或用户编号'),
    areaId: Id.optional(),
    status: TaskStatusFilter.optional(),
    kind: z.enum(TASK_KINDS).optional(),
    from: DateStr.optional(),
    to: DateStr.optional(),
    cursor: Cursor.optional(),
    limit: Limit,
  }),
  responses: { 200: TaskPage },
});

export const listPersonVisitTasks = endpoint({
  method: 'GET',
  path: '/api/persons/:id/visit-tasks',
  operationId: 'listPersonVisitTasks',
  summary: '某对象的探访任务历史（新的在前）',
  tags: TAGS,
  permission: 'visits.read',
  params: IdParams,
  query: z.object({ status: TaskStatusFilter.optional(), cursor: Cursor.optional(), limit: Limit }),
  responses: { 200: TaskPage },
});

export const listPersonVisits = endpoint({
  method: 'GET',
  path: '/api/persons/:id/visits',
  operationId: 'listPersonVisits',
  summary: '某对象的探访记录（新的在前）',
  tags: TAGS,
  permission: 'visits.read',
  params: IdParams,
  query: z.object({ cursor: Cursor.optional(), limit: Limit }),
  responses: { 200: page(VisitBrief) },
});

export const recordVisit = endpoint({
  method: 'POST',
  path: '/api/visits',
  operationId: 'recordVisit',
  summary: '记录一次探访（clientId 相同的重复提交只保存一次，返回同一结果）',
  description:
    '201：新保存；200：同一 clientId 已保存过（不再保存，返回已保存的记录）。未见到本人（无人接听、不在家等）的记录为尝试，不完成任务。',
  tags: TAGS,
  permission: 'visits.record',
  body: RecordVisitBody,
  responses: { 200: RecordedVisit, 201: RecordedVisit },
  example: {
    clientId: '3f0c6a52-4b7e-4d59-9a3e-1c2b3d4e5f60',
    personId: 1024,
    at: '2026-03-15T10:30:00+08:00',
    method: 'in_person',
    outcome: 'reached',
    durationMinutes: 30,
    notes: '老人精神好，屋里暖和',
    answers: {
      A: { foodClothing: { value: 'adequate' } },
      D: { house: { value: 'hazard', note: '西墙裂缝' } },
    },
  },
});

/**
 * One photo ahead of its visit (the phone, issue 33): each photo is sent on its own and retried on its
 * own; the visit then names it by hash (`photos[].upload`). Kept for the uploader only, for 7 days.
 */
export const uploadVisitPhoto = endpoint({
  method: 'PUT',
  path: '/api/visit-photos/:sha256',
  operationId: 'uploadVisitPhoto',
  summary: '先上传一张探访照片（按内容的 SHA-256 命名；重复上传同一张只保存一次）',
  description:
    '照片单独上传、单独重试，不必重发整条探访记录；随后记录探访时用 photos[].upload 引用。只有上传者本人可以引用，7 天内未被引用的照片会被清除。',
  tags: TAGS,
  permission: 'visits.record',
  params: z.object({ sha256: Sha256 }),
  body: z.object({ data: z.string().describe('base64 JPEG/PNG') }),
  responses: { 201: z.object({ sha256: z.string(), size: z.number() }) },
});

export const getVisit = endpoint({
  method: 'GET',
  path: '/api/visits/:id',
  operationId: 'getVisit',
  summary: '一条探访记录',
  tags: TAGS,
  permission: 'visits.read',
  params: IdParams,
  responses: { 200: Visit },
});

export const getVisitFile = endpoint({
  method: 'GET',
  path: '/api/visits/:id/files/:fileId',
  operationId: 'getVisitFile',
  summary: '探访照片或签字图片',
  tags: TAGS,
  permission: 'visits.read',
  params: z.object({ id: Id, fileId: Id }),
  file: { mime: 'image/jpeg, image/png', description: '图片' },
});

export const getChecklist = endpoint({
  method: 'GET',
  path: '/api/checklist',
  operationId: 'getChecklist',
  summary: '某日生效的探访检查表（含该对象辖区的季节）',
  tags: TAGS,
  permission: 'visits.read',
  query: z.object({ at: DateStr.optional(), personId: Id.optional(), areaId: Id.optional() }),
  responses: { 200: ChecklistOut },
});

export const getVisitSettings = endpoint({
  method: 'GET',
  path: '/api/visit-settings',
  operationId: 'getVisitSettings',
  summary: '探访设置（按辖区逐级继承）',
  tags: TAGS,
  permission: 'visits.read',
  query: z.object({ areaId: Id.optional() }),
  responses: { 200: SettingsOut },
});

export const putVisitSetting = endpoint({
  method: 'PUT',
  path: '/api/visit-settings',
  operationId: 'putVisitSetting',
  summary: '设置或清除（value 为 null 时恢复继承）某辖区的一项探访设置',
  tags: TAGS,
  permission: 'config.manage',
  body: z.object({
    areaId: z.number().int().positive().nullable(),
    key: z.enum(Object.keys(VISIT_SETTING_VALUES) as [VisitSettingKey, ...VisitSettingKey[]]),
    value: z.unknown().describe('该项设置的值（见各项说明），null 表示恢复继承'),
  }),
  responses: { 200: SettingsOut },
});

export const listCampaigns = endpoint({
  method: 'GET',
  path: '/api/visit-campaigns',
  operationId: 'listVisitCampaigns',
  summary: '专项探访列表',
  tags: TAGS,
  permission: 'visits.read',
  responses: { 200: z.array(Campaign) },
});

export const openCampaign = endpoint({
  method: 'POST',
  path: '/api/visit-campaigns',
  operationId: 'openVisitCampaign',
  summary: '开启专项探访（寒潮、暴雪、暴雨、节日等），为选定对象生成任务',
  tags: TAGS,
  permission: 'visits.campaigns',
  body: z.object({
    name: z.string().trim().min(1, '请填写名称').max(60),
    kind: z.enum(CAMPAIGN_KINDS),
    areaId: z.number().int().positive(),
    deadline: DateStr,
    selection: z
      .object({
        tiers: z
          .array(z.enum(['general', 'key']))
          .max(2)
          .optional(),
        flags: z
          .array(z.enum(['severe_disability', 'mental_illness', 'infectious_disease', 'lives_alone']))
          .optional(),
        minAge: z.number().int().min(0).max(120).optional(),
      })
      .default({}),
    note: z.string().max(1000).optional(),
    checks: z
      .array(z.enum(ROUND_CHECKS))
      .max(ROUND_CHECKS.length)
      .optional()
      .describe(
        '本轮探访须做的季节性检查（不论是否在供暖期/汛期）：heating 取暖安全，flood 防汛与用电安全；默认无',
      ),
  }),
  responses: { 201: Campaign },
});

export const editCampaign = endpoint({
  method: 'PATCH',
  path: '/api/visit-campaigns/:id',
  operationId: 'editVisitCampaign',
  summary: '修改专项探访（名称、截止日期、说明；未完成的任务随截止日期调整），须带 version',
  tags: TAGS,
  permission: 'visits.campaigns',
  params: IdParams,
  body: z.object({
    version: z.number().int(),
    name: z.string().trim().min(1, '请填写名称').max(60).optional(),
    deadline: DateStr.optional(),
    note: z.string().max(1000).nullable().optional(),
  }),
  responses: { 200: Campaign },
});

export const closeCampaign = endpoint({
  method: 'POST',
  path: '/api/visit-campaigns/:id/close',
  operationId: 'closeVisitCampaign',
  summary: '结束专项探访：未完成的任务按原因取消，已完成的保留；须带 version',
  tags: TAGS,
  permission: 'visits.campaigns',
  params: IdParams,
  body: z.object({
    version: z.number().int(),
    reason: z.string().trim().min(1, '请填写结束原因').max(200),
  }),
  responses: { 200: Campaign },
});
export type BodyOfOpenCampaign = z.input<typeof openCampaign.body>;
