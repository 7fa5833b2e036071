import { z } from 'zod';
import { CONCERN_HANDLINGS, CONCERN_OWNERS, CONCERN_SOURCES, CONCERN_STATUSES } from '../incidents.js';
import { endpoint } from './contract.js';
import { DateStr, Id, IdParams } from './shapes.js';

const TAGS = ['诉求整改'];

const Ref = z.object({ id: z.number(), name: z.string() });
export const Concern = z.object({
  id: z.number(),
  person: Ref,
  town: Ref,
  village: Ref,
  category: z.string(),
  description: z.string(),
  source: z.enum(CONCERN_SOURCES),
  visitId: z.number().nullable(),
  sourceItem: z.string().nullable(),
  owner: z.enum(CONCERN_OWNERS),
  handling: z.enum(CONCERN_HANDLINGS),
  deadline: z.string().nullable(),
  /** Days until the deadline (negative = overdue by that many days); null without a deadline. */
  daysLeft: z.number().nullable(),
  overdue: z.boolean(),
  escalated: z.boolean(),
  status: z.enum(CONCERN_STATUSES),
  resolution: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  verifiedAt: z.string().nullable(),
  reopenedCount: z.number(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  version: z.number(),
});
export type Concern = z.output<typeof Concern>;
export const ConcernEntry = z.object({
  id: z.number(),
  at: z.string(),
  kind: z.string(),
  body: z.string(),
  actor: z.string().nullable(),
});
export const ConcernFile = z.object({
  id: z.number(),
  name: z.string(),
  mime: z.string(),
  size: z.number(),
  uploadedAt: z.string(),
});
export const DEADLINE_CHANGE_STATUSES = ['pending', 'approved', 'refused'] as const;
/** A request to move an overdue or escalated deadline, and the bureau's decision (modules/cases). */
export const DeadlineChange = z.object({
  id: z.number(),
  oldDeadline: z.string().nullable(),
  newDeadline: z.string(),
  reason: z.string(),
  status: z.enum(DEADLINE_CHANGE_STATUSES),
  requestedBy: z.string().nullable(),
  requestedAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decisionNote: z.string().nullable(),
});
export type DeadlineChange = z.output<typeof DeadlineChange>;
export const ConcernDetail = Concern.extend({
  entries: z.array(ConcernEntry),
  files: z.array(ConcernFile),
  /** Deadline-change requests, oldest first (at most one pending). */
  deadlineChanges: z.array(DeadlineChange),
  /** Whether moving the deadline now needs a request and the bureau's approval (overdue or escalated). */
  deadlineNeedsApproval: z.boolean(),
});
export type ConcernDetail = z.output<typeof ConcernDetail>;

export const listConcerns = endpoint({
  method: 'GET',
  path: '/api/concerns',
  operationId: 'listConcerns',
  summary: '诉求与整改问题（逾期在前）',
  tags: TAGS,
  permission: 'concerns.read',
  query: z.object({
    status: z.enum(CONCERN_STATUSES).optional(),
    overdue: z.enum(['0', '1']).optional(),
    escalated: z.enum(['0', '1']).optional(),
    townId: Id.optional(),
    villageId: Id.optional(),
    personId: Id.optional(),
    category: z.string().max(40).optional(),
    source: z.enum(CONCERN_SOURCES).optional(),
    page: z.coerce.number().int().min(1).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  }),
  responses: { 200: z.object({ items: z.array(Concern), total: z.number() }) },
});

export const getConcern = endpoint({
  method: 'GET',
  path: '/api/concerns/:id',
  operationId: 'getConcern',
  summary: '一条诉求/问题（含处理记录与证明材料）',
  tags: TAGS,
  permission: 'concerns.read',
  params: IdParams,
  responses: { 200: ConcernDetail },
});

export const createConcern = endpoint({
  method: 'POST',
  path: '/api/concerns',
  operationId: 'createConcern',
  summary: '登记诉求/问题（手工，或把某次探访的问题项标记为整改问题：visitId + item）',
  tags: TAGS,
  permission: 'concerns.open',
  body: z.object({
    personId: z.number().int().positive().optional(),
    visitId: z.number().int().positive().optional(),
    item: z
      .string()
      .regex(/^[A-M]\.\w+$/, '检查项格式应为「分区.项目」，如 D.house')
      .optional(),
    category: z.string().trim().min(1, '请选择类别').max(40),
    description: z.string().trim().max(2000).optional(),
    owner: z.enum(CONCERN_OWNERS).optional(),
    handling: z.enum(CONCERN_HANDLINGS).optional(),
    deadline: DateStr.nullable().optional(),
    resolution: z.string().trim().max(2000).nullable().optional(),
  }),
  responses: { 201: ConcernDetail },
  example: { personId: 1024, category: 'housing', description: '西墙裂缝，需维修', deadline: '2026-04-01' },
});

export const updateConcern = endpoint({
  method: 'PATCH',
  path: '/api/concerns/:id',
  operationId: 'updateConcern',
  summary: '处理：开始整改、标记已整改（须填整改情况）、调整期限/方式/责任方（须带 version）',
  tags: TAGS,
  permission: 'concerns.handle',
  params: IdParams,
  body: z.object({
    version: z.number().int(),
    status: z.enum(CONCERN_STATUSES).optional(),
    resolution: z.string().max(2000).optional(),
    deadline: DateStr.nullable().optional(),
    handling: z.enum(CONCERN_HANDLINGS).optional(),
    owner: z.enum(CONCERN_OWNERS).optional(),
    note: z.string().max(2000).optional(),
  }),
  responses: { 200: ConcernDetail },
  example: { version: 3, status: 'resolved', resolution: '已修补墙体并拍照留存' },
});

export const verifyConcern = endpoint({
  method: 'POST',
  path: '/api/concerns/:id/verify',
  operationId: 'verifyConcern',
  summary: '民政局核验：通过，或退回重新整改（须填原因）',
  tags: TAGS,
  permission: 'concerns.verify',
  params: IdParams,
  body: z.object({
    approve: z.boolean(),
    comment: z.string().max(2000).optional(),
    version: z.number().int().optional(),
  }),
  responses: { 200: ConcernDetail },
  example: { approve: false, comment: '照片看不清，请补拍' },
});

export const commentConcern = endpoint({
  method: 'POST',
  path: '/api/concerns/:id/comments',
  operationId: 'commentConcern',
  summary: '留言；民政局的留言即督导意见，保留在记录上',
  tags: TAGS,
  permission: 'concerns.read',
  params: IdParams,
  body: z.object({ body: z.string().trim().min(1, '请填写内容').max(2000) }),
  responses: { 200: ConcernDetail },
});

export const requestConcernDeadline = endpoint({
  method: 'POST',
  path: '/api/concerns/:id/deadline-requests',
  operationId: 'requestConcernDeadline',
  summary: '申请延期（已逾期或已升级的问题：须填原因，经区民政局批准后生效）',
  tags: TAGS,
  permission: 'concerns.handle',
  params: IdParams,
  body: z.object({
    deadline: DateStr,
    reason: z.string().trim().min(1, '延期须填写原因').max(2000),
    version: z.number().int().optional(),
  }),
  responses: { 201: ConcernDetail },
  example: { deadline: '2026-04-15', reason: '施工队雨季停工，预计 4 月中旬完工', version: 4 },
});

export const decideConcernDeadline = endpoint({
  method: 'POST',
  path: '/api/concerns/:id/deadline-requests/:requestId/decision',
  operationId: 'decideConcernDeadline',
  summary: '区民政局审批延期申请（批准则新期限生效、撤销升级；不批准须填理由）',
  tags: TAGS,
  permission: 'concerns.verify',
  params: z.object({ id: Id, requestId: Id }),
  body: z.object({ approve: z.boolean(), note: z.string().max(2000).optional() }),
  responses: { 200: ConcernDetail },
  example: { approve: true, note: '同意，请按期完成' },
});

/** Base64 in JSON: 5 MB of file is ~6.7 MB of text. */
export const CONCERN_FILE_BODY_LIMIT = 8 * 1024 * 1024;

export const uploadConcernFile = endpoint({
  method: 'POST',
  path: '/api/concerns/:id/files',
  operationId: 'uploadConcernFile',
  summary: '上传整改证明材料（图片或 PDF，Base64）',
  tags: TAGS,
  permission: 'concerns.handle',
  params: IdParams,
  body: z.object({
    name: z.string().trim().min(1).max(200),
    mime: z.string().max(100),
    data: z.string().min(1, '文件内容为空').describe('Base64'),
  }),
  responses: { 201: ConcernDetail },
});

export const getConcernFile = endpoint({
  method: 'GET',
  path: '/api/concerns/:id/files/:fileId',
  operationId: 'getConcernFile',
  summary: '下载证明材料',
  tags: TAGS,
  permission: 'concerns.read',
  params: z.object({ id: Id, fileId: Id }),
  file: { mime: 'image/jpeg, image/png, image/webp, image/gif, application/pdf', description: '证明材料' },
});
