import { z } from 'zod';
import { INCIDENT_STATUSES, INCIDENT_TYPES, type IncidentConfig } from '../incidents.js';
import { DEPARTMENTS } from '../roles.js';
import { endpoint } from './contract.js';
import { Id, IdParams } from './shapes.js';

const TAGS = ['应急处置'];

const Ref = z.object({ id: z.number(), name: z.string() });
export const IncidentParty = z.object({
  party: z.string().describe('town、bureau 或 dept:<部门>'),
  label: z.string(),
  dueAt: z.string(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  escalatedAt: z.string().nullable(),
});
export const Incident = z.object({
  id: z.number(),
  person: Ref,
  town: Ref,
  village: Ref,
  type: z.enum(INCIDENT_TYPES),
  critical: z.boolean(),
  description: z.string(),
  source: z.enum(['visit', 'manual']),
  visitId: z.number().nullable(),
  status: z.enum(INCIDENT_STATUSES),
  departments: z.array(z.enum(DEPARTMENTS)),
  outcome: z.string().nullable(),
  openedAt: z.string(),
  openedBy: z.string().nullable(),
  closedAt: z.string().nullable(),
  version: z.number(),
  parties: z.array(IncidentParty),
  /** Earliest deadline of a party that has not acknowledged (null when all did, or closed). */
  ackDueAt: z.string().nullable(),
  /** Parties the asking user answers for that have not acknowledged yet. */
  myPendingParties: z.array(z.string()),
});
export type Incident = z.output<typeof Incident>;
export const IncidentAction = z.object({
  id: z.number(),
  at: z.string(),
  kind: z.string(),
  note: z.string(),
  actor: z.string().nullable(),
});
export const IncidentDetail = Incident.extend({ actions: z.array(IncidentAction) });
export type IncidentDetail = z.output<typeof IncidentDetail>;

/** Figures over every incident in the asker's scope (shared/metrics.ts `incidentAckFigures`: the dashboard's rule). */
export const IncidentStats = z.object({
  openByType: z.record(z.string(), z.number()),
  medianAckMinutes: z.number().nullable().describe('确认用时中位数（分钟，开启到首次确认）'),
  ackWithinShare: z.number().nullable().describe('按时确认率 = ackOnTime ÷ ackCounted；无可计事件为 null'),
  ackOnTime: z.number().int().describe('时限内首次确认的事件数'),
  ackCounted: z.number().int().describe('已确认或已过确认时限的事件数'),
});

export const IncidentConfigSchema = z.object({
  ackHours: z.number().min(0.25).max(72),
  departments: z.object(
    Object.fromEntries(INCIDENT_TYPES.map((t) => [t, z.array(z.enum(DEPARTMENTS)).max(6)])) as Record<
      (typeof INCIDENT_TYPES)[number],
      z.ZodArray<z.ZodEnum<{ [k in (typeof DEPARTMENTS)[number]]: k }>>
    >,
  ),
  critical: z.array(z.enum(INCIDENT_TYPES)),
}) as unknown as z.ZodType<IncidentConfig, IncidentConfig>;

const PageNo = z.coerce.number().int().min(1).default(1);
const PageSize = z.coerce.number().int().min(1).max(200).default(50);

export const listIncidents = endpoint({
  method: 'GET',
  path: '/api/incidents',
  operationId: 'listIncidents',
  summary: '应急事件（未结案在前，按确认时限排序）',
  tags: TAGS,
  permission: 'incidents.read',
  query: z.object({
    status: z.enum(INCIDENT_STATUSES).optional(),
    type: z.enum(INCIDENT_TYPES).optional(),
    townId: Id.optional(),
    personId: Id.optional(),
    department: z.enum(DEPARTMENTS).optional(),
    page: PageNo,
    pageSize: PageSize,
  }),
  responses: { 200: z.object({ items: z.array(Incident), total: z.number(), stats: IncidentStats }) },
});

export const getIncidentConfig = endpoint({
  method: 'GET',
  path: '/api/incidents/config',
  operationId: 'getIncidentConfig',
  summary: '应急事件配置（确认时限、按类型通知的部门、紧急类型）',
  tags: TAGS,
  permission: 'incidents.read',
  responses: { 200: IncidentConfigSchema },
});

export const putIncidentConfig = endpoint({
  method: 'PUT',
  path: '/api/incidents/config',
  operationId: 'putIncidentConfig',
  summary: '保存应急事件配置',
  tags: TAGS,
  permission: 'config.manage',
  body: IncidentConfigSchema,
  responses: { 200: IncidentConfigSchema },
  example: {
    ackHours: 2,
    departments: {
      wandering: ['police'],
      infringement: ['police'],
      missing: ['police'],
      serious_illness: ['health'],
      severe_mental_illness: ['health'],
      death: [],
    },
    critical: ['missing', 'death'],
  },
});

export const getIncident = endpoint({
  method: 'GET',
  path: '/api/incidents/:id',
  operationId: 'getIncident',
  summary: '一个应急事件（含各方确认情况与处置记录）',
  tags: TAGS,
  permission: 'incidents.read',
  params: IdParams,
  responses: { 200: IncidentDetail },
});

export const createIncident = endpoint({
  method: 'POST',
  path: '/api/incidents',
  operationId: 'createIncident',
  summary: '发起应急事件',
  tags: TAGS,
  permission: 'incidents.open',
  body: z.object({
    personId: z.number().int().positive(),
    type: z.enum(INCIDENT_TYPES),
    description: z.string().trim().max(2000).default(''),
    critical: z.boolean().optional(),
  }),
  responses: { 201: IncidentDetail },
  example: { personId: 1024, type: 'missing', description: '早上出门至今未归', critical: true },
});

export const acknowledgeIncident = endpoint({
  method: 'POST',
  path: '/api/incidents/:id/acknowledge',
  operationId: 'acknowledgeIncident',
  summary: '确认收到（每个被通知方一次）',
  tags: TAGS,
  permission: 'incidents.read',
  params: IdParams,
  body: z.object({ note: z.string().trim().max(500).optional() }).default({}),
  responses: { 200: IncidentDetail },
});

export const addIncidentAction = endpoint({
  method: 'POST',
  path: '/api/incidents/:id/actions',
  operationId: 'addIncidentAction',
  summary: '添加处置记录',
  tags: TAGS,
  permission: 'incidents.read',
  params: IdParams,
  body: z.object({ note: z.string().trim().min(1, '请填写处置内容').max(2000) }),
  responses: { 200: IncidentDetail },
  example: { note: '已联系派出所，正在寻找' },
});

export const closeIncident = endpoint({
  method: 'POST',
  path: '/api/incidents/:id/close',
  operationId: 'closeIncident',
  summary: '结案（须填写处置结果）',
  tags: TAGS,
  permission: 'incidents.manage',
  params: IdParams,
  description:
    '须填写处置结果。尚有未确认的一方时，须在 override 中列出这些方并说明原因（记入处置记录），否则 409。',
  body: z.object({
    outcome: z.string().max(2000).optional(),
    override: z
      .object({
        parties: z
          .array(z.string().max(40))
          .min(1)
          .max(20)
          .describe('未确认的各方（town、bureau、dept:<部门>）'),
        reason: z.string().trim().min(1, '请填写未经确认即结案的原因').max(2000),
      })
      .optional()
      .describe('未确认的一方仍要结案时：逐一列出并说明原因'),
  }),
  responses: { 200: IncidentDetail },
  example: {
    outcome: '已在亲属家找到，安全',
    override: { parties: ['dept:police'], reason: '人已找到，派出所电话告知无需再确认' },
  },
});
