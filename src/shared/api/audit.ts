import { z } from 'zod';
import { endpoint } from './contract.js';

const TAGS = ['审计'];

export const AuditRow = z.object({
  id: z.number(),
  at: z.string(),
  actorId: z.number().nullable(),
  actorUsername: z.string().nullable(),
  actorName: z.string().nullable(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  areaId: z.number().nullable(),
  detail: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
  /** The person (or user) the row is about, by name (null when it is about neither). */
  subjectName: z.string().nullable(),
});
export type AuditRow = z.output<typeof AuditRow>;

const RowId = z.coerce.number().int().min(1).max(2147483647);

export const AuditQuery = z.object({
  actorId: RowId.optional(),
  action: z.string().trim().max(80).optional(),
  entity: z.string().trim().max(40).optional(),
  entityId: z.string().trim().max(80).optional(),
  personId: RowId.optional(),
  from: z.string().trim().max(40).optional().describe('YYYY-MM-DD（北京时间）或 ISO 时间'),
  to: z.string().trim().max(40).optional().describe('YYYY-MM-DD（含当天）或 ISO 时间'),
  before: RowId.optional().describe('上一页应答的 nextBefore'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AuditQuery = z.input<typeof AuditQuery>;

export const searchAudit = endpoint({
  method: 'GET',
  path: '/api/audit',
  operationId: 'searchAudit',
  summary: '检索审计日志（民政局角色；按时间倒序，键集分页）',
  description: '检索本身也记入审计日志。',
  tags: TAGS,
  permission: 'audit.read',
  query: AuditQuery,
  responses: { 200: z.object({ items: z.array(AuditRow), nextBefore: z.number().nullable() }) },
});

export const searchAuditActors = endpoint({
  method: 'GET',
  path: '/api/audit/actors',
  operationId: 'searchAuditActors',
  summary: '按姓名或用户名查找审计日志中的操作人（检索表单用）',
  tags: TAGS,
  permission: 'audit.read',
  query: z.object({ q: z.string().trim().max(50).default('') }),
  responses: {
    200: z.object({
      items: z.array(z.object({ id: z.number(), username: z.string(), displayName: z.string() })),
    }),
  },
});

export const listAuditActions = endpoint({
  method: 'GET',
  path: '/api/audit/actions',
  operationId: 'listAuditActions',
  summary: '审计日志中出现过的操作',
  tags: TAGS,
  permission: 'audit.read',
  responses: { 200: z.object({ items: z.array(z.string()) }) },
});

export const AuditVerifyResult = z.object({
  ok: z.boolean(),
  checked: z.number(),
  firstId: z.number().nullable(),
  lastId: z.number().nullable(),
  lastHash: z.string().nullable(),
  chains: z.array(
    z.object({ chain: z.number(), lastId: z.number(), lastHash: z.string(), rows: z.number() }),
  ),
  problems: z.array(
    z.object({ id: z.number(), kind: z.enum(['edited', 'deleted', 'reordered']), message: z.string() }),
  ),
});
export type AuditVerifyResult = z.output<typeof AuditVerifyResult>;

export const verifyAudit = endpoint({
  method: 'POST',
  path: '/api/audit/verify',
  operationId: 'verifyAudit',
  summary: '校验审计日志哈希链（找出被改写、删除或调换顺序的行）',
  description: '不给范围时校验全部。校验本身也记入审计日志。',
  tags: TAGS,
  permission: 'audit.read',
  body: z.object({ from: RowId.optional(), to: RowId.optional() }).optional().default({}),
  responses: { 200: AuditVerifyResult },
  example: {},
});
