import { z } from 'zod';
import { ROUND_CHECKS } from '../checklist.js';
import { INCIDENT_TYPES } from '../incidents.js';
import {
  REPLAY_WINDOW_SECONDS,
  RULE_LIMITS,
  SERVICE_PERMISSIONS,
  SIGNAL_ACTIONS,
  SIGNAL_LIMITS,
  SIGNAL_STATUSES,
  SIGNAL_TYPES,
  UNMATCHED_REASONS,
  WEATHER_KINDS,
} from '../signals.js';
import { endpoint } from './contract.js';
import { DateStr, Id, IdParams } from './shapes.js';

const TAGS = ['预警信息'];
const Ref = z.object({ id: z.number(), name: z.string() });

/** A value of a signal's details: text, a number, a flag or nothing (no nesting). */
const DetailValue = z.union([z.string().max(SIGNAL_LIMITS.text), z.number(), z.boolean(), z.null()]);

/** One signal as a sending system reports it. */
export const SignalInput = z
  .object({
    key: z
      .string()
      .min(1, '请填写幂等键 key')
      .max(SIGNAL_LIMITS.key)
      .regex(/^[\w.:@/-]+$/, '幂等键 key 只能含字母、数字和 _ . : @ / -'),
    type: z.enum(SIGNAL_TYPES),
    occurredAt: z.string().datetime({ offset: true, message: '发生时间 occurredAt 应为 ISO 8601 时间' }),
    /** The person's 居民身份证 number (person signals). */
    idNumber: z.string().trim().max(32).optional(),
    /** Weather: the kind, the areas (codes or ids), the warning's id and the round's deadline. */
    weatherKind: z.enum(WEATHER_KINDS).optional(),
    areaCodes: z
      .array(z.string().regex(/^\d{1,20}$/, '区域代码只能是数字'))
      .max(SIGNAL_LIMITS.areas)
      .optional(),
    warningId: z.string().max(SIGNAL_LIMITS.key).optional(),
    deadline: DateStr.optional(),
    /** The sending department or system, as it names itself (defaults to the account's name). */
    source: z.string().trim().max(SIGNAL_LIMITS.name).optional(),
    description: z.string().trim().max(SIGNAL_LIMITS.text).optional(),
    details: z
      .record(z.string().max(40), DetailValue)
      .refine(
        (d) => Object.keys(d).length <= SIGNAL_LIMITS.detailKeys,
        `details 最多 ${SIGNAL_LIMITS.detailKeys} 项`,
      )
      .optional(),
  })
  .superRefine((s, c) => {
    if (s.type === 'weather_warning') {
      if (!s.areaCodes?.length)
        c.addIssue({ code: 'custom', path: ['areaCodes'], message: '气象预警须给出区域代码 areaCodes' });
      if (!s.weatherKind)
        c.addIssue({ code: 'custom', path: ['weatherKind'], message: '气象预警须给出预警种类 weatherKind' });
      if (!s.warningId)
        c.addIssue({ code: 'custom', path: ['warningId'], message: '气象预警须给出预警编号 warningId' });
    } else if (!s.idNumber) {
      c.addIssue({ code: 'custom', path: ['idNumber'], message: '须给出对象的身份证号码 idNumber' });
    }
  });
export type SignalInput = z.output<typeof SignalInput>;

/** What became of one signal (the same answer when it is sent again with the same key). */
export const SignalOutcome = z.object({
  key: z.string(),
  signalId: z.number(),
  status: z.enum(SIGNAL_STATUSES),
  reason: z.enum(UNMATCHED_REASONS).nullable(),
  matched: z.boolean(),
  taskId: z.number().nullable(),
  incidentId: z.number().nullable(),
  campaignId: z.number().nullable(),
  mergedInto: z.number().nullable(),
  deadlineAt: z.string().nullable(),
});
export type SignalOutcome = z.output<typeof SignalOutcome>;

const SIGNING = `认证：\`Authorization: Bearer tfsa_…\`（服务账号令牌）；签名：请求头 \`X-Tanfang-Timestamp\`（Unix 秒）与
\`X-Tanfang-Signature: sha256=<hex>\`，其中 hex = HMAC-SHA256(签名密钥, 时间戳 + "." + 请求体原文)。时间戳与服务器相差超过
${REPLAY_WINDOW_SECONDS} 秒的请求拒绝（防重放）；同一账号同一幂等键 key 重发，只记一次并返回相同结果。
请求体为一条预警的数组（批量，最多 ${SIGNAL_LIMITS.batch} 条）。证件号码不在档案、对象已终止或暂停的预警进入人工核对列表，不会丢弃。`;

export const submitSignals = endpoint({
  method: 'POST',
  path: '/api/signals',
  operationId: 'submitSignals',
  summary: '外部系统报送预警信息（服务账号，HMAC 签名，幂等，可批量）',
  description: SIGNING,
  tags: TAGS,
  // No person's session: the service account's token and signature are checked by the module itself.
  public: true,
  body: z.array(SignalInput).min(1, '至少一条预警').max(SIGNAL_LIMITS.batch),
  responses: { 200: z.object({ results: z.array(SignalOutcome) }) },
  example: [
    {
      key: 'meter-20260310-000123',
      type: 'meter_silent',
      occurredAt: '2026-03-10T08:00:00+08:00',
      idNumber: '150602194501011234',
      source: '东胜区供水公司',
      description: '智能水表 24 小时无用水',
      details: { meterNo: 'W-88231', silentHours: 26 },
    },
    {
      key: 'weather-2026-0042',
      type: 'weather_warning',
      occurredAt: '2026-03-10T06:00:00+08:00',
      weatherKind: 'cold_wave',
      areaCodes: ['150602100', '150602101'],
      warningId: '内蒙古-鄂尔多斯-2026-0042',
      deadline: '2026-03-12',
      description: '寒潮蓝色预警',
    },
  ],
});

export const Signal = z.object({
  id: z.number(),
  key: z.string(),
  type: z.enum(SIGNAL_TYPES),
  weatherKind: z.string().nullable(),
  source: z.string(),
  account: Ref,
  occurredAt: z.string(),
  receivedAt: z.string(),
  idMasked: z.string().nullable(),
  person: Ref.nullable(),
  area: Ref,
  status: z.enum(SIGNAL_STATUSES),
  reason: z.enum(UNMATCHED_REASONS).nullable(),
  description: z.string(),
  details: z.record(z.string(), z.unknown()),
  task: z
    .object({
      id: z.number(),
      status: z.string(),
      dueDate: z.string(),
      windowEnd: z.string(),
      visitor: z.string().nullable(),
      doneAt: z.string().nullable(),
    })
    .nullable(),
  incidentId: z.number().nullable(),
  /** The round a weather warning opened, with the section G checks its visits carry (`checks`). */
  campaign: z
    .object({
      id: z.number(),
      name: z.string(),
      taskCount: z.number(),
      checks: z.array(z.enum(ROUND_CHECKS)),
    })
    .nullable(),
  mergedInto: z.number().nullable(),
  deadlineAt: z.string().nullable(),
  reviewedAt: z.string().nullable(),
  reviewedBy: z.string().nullable(),
  reviewNote: z.string().nullable(),
  version: z.number(),
});
export type Signal = z.output<typeof Signal>;

export const listSignals = endpoint({
  method: 'GET',
  path: '/api/signals',
  operationId: 'listSignals',
  summary: '预警信息（新的在前；review=1 为待人工核对的未匹配预警）',
  tags: TAGS,
  permission: 'signals.read',
  query: z.object({
    type: z.enum(SIGNAL_TYPES).optional(),
    status: z.enum(SIGNAL_STATUSES).optional(),
    review: z.enum(['0', '1']).optional(),
    areaId: Id.optional(),
    cursor: z.coerce.number().int().positive().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  }),
  responses: { 200: z.object({ items: z.array(Signal), nextCursor: z.number().nullable() }) },
});

export const reviewSignal = endpoint({
  method: 'POST',
  path: '/api/signals/:id/review',
  operationId: 'reviewSignal',
  summary: '核对一条未匹配的预警（填写核对情况，移出待核对列表）',
  tags: TAGS,
  permission: 'signals.manage',
  params: IdParams,
  body: z.object({
    note: z.string().trim().min(1, '请填写核对情况').max(SIGNAL_LIMITS.text),
    version: z.number().int().positive(),
  }),
  responses: { 200: Signal },
  example: { note: '已电话联系卫健委，该人员非本区特困对象', version: 1 },
});

/** Figures of the 预警信息 page and the dashboard (shared/metrics.ts defines them). */
export const SignalFigures = z.object({
  from: z.string(),
  to: z.string(),
  byType: z.array(z.object({ type: z.enum(SIGNAL_TYPES), count: z.number(), unmatched: z.number() })),
  total: z.number(),
  awaitingReview: z.number(),
  /** Tasks opened by signals whose deadline has passed or which are done: done in time ÷ all. */
  verifiedInTime: z.object({ counted: z.number(), base: z.number(), value: z.number().nullable() }),
});
export const signalFigures = endpoint({
  method: 'GET',
  path: '/api/signals/figures',
  operationId: 'signalFigures',
  summary: '预警统计：各类预警数量、待核对数、按期核查率',
  tags: TAGS,
  permission: 'signals.read',
  query: z.object({ from: DateStr.optional(), to: DateStr.optional(), areaId: Id.optional() }),
  responses: { 200: SignalFigures },
});

export const SignalImportResult = z.object({
  account: Ref,
  rows: z.number(),
  counts: z.record(z.string(), z.number()),
  /** The first 100 rows' outcomes, in file order. */
  results: z.array(SignalOutcome),
  rejected: z.array(z.object({ row: z.number(), column: z.string(), message: z.string() })),
  rejectedCount: z.number(),
});
export type SignalImportResult = z.output<typeof SignalImportResult>;
export const importSignals = endpoint({
  method: 'POST',
  path: '/api/signals/import',
  operationId: 'importSignals',
  summary: '上传部门报送的预警文件（.xlsx 或 .csv，multipart 字段 file），记在所选服务账号名下',
  description:
    '表头须有“预警类型”列；其余列：幂等键、发生时间、身份证号码、来源、说明、区域代码、预警种类、预警编号、截止日期。' +
    '没有幂等键的行按文件内容与行号生成，同一文件重复上传不会重复记录。最多 5000 行、5 MB。',
  tags: TAGS,
  permission: 'signals.manage',
  query: z.object({ accountId: Id }),
  upload: { field: 'file', description: '预警文件 .xlsx / .csv（UTF-8 或 GB18030）' },
  responses: { 200: SignalImportResult },
});

/** Content types the machines' file door takes (the body is the file itself). */
export const SIGNAL_FILE_MIME = [
  'text/csv',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/octet-stream',
] as const;

export const SignalFileResult = SignalImportResult.extend({
  file: z.object({ sha256: z.string(), name: z.string().nullable(), bytes: z.number() }),
  /** The same file (same content) was received from this account before: nothing new was stored. */
  repeated: z.boolean(),
  /** When the file was first received. */
  receivedAt: z.string(),
});
export type SignalFileResult = z.output<typeof SignalFileResult>;
export const submitSignalFile = endpoint({
  method: 'POST',
  path: '/api/signals/file',
  operationId: 'submitSignalFile',
  summary: '外部系统直接报送预警文件（.xlsx 或 .csv 作为请求体，服务账号，HMAC 签名，同一文件只记一次）',
  description: `${SIGNING.replace(`请求体为一条预警的数组（批量，最多 ${SIGNAL_LIMITS.batch} 条）。`, '')}

请求体就是文件本身（不是 JSON，也不是 multipart）：\`Content-Type: text/csv\`（UTF-8 或 GB18030，RFC 4180）、
\`application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\`（.xlsx）或 \`application/octet-stream\`；
签名覆盖文件的原始字节：hex = HMAC-SHA256(签名密钥, 时间戳 + "." + 文件字节)。可选请求头 \`X-Tanfang-Filename\`
（文件名，URL 编码）。列与人工上传相同：表头须有“预警类型”列，其余列：幂等键、发生时间、身份证号码、来源、说明、区域代码、
预警种类、预警编号、截止日期；没有幂等键的行按文件内容与行号生成。最多 5000 行、5 MB。任何一行超出服务账号的权限或辖区，
整个文件拒绝（403），什么也不记。同一账号再次发送内容相同的文件不会重复记录，返回首次的结果（repeated: true）。

示例（curl）：
\`\`\`
TS=$(date +%s)
SIG=$( (printf '%s.' "$TS"; cat signals.csv) | openssl dgst -sha256 -hmac "$SECRET" -hex | sed 's/^.* //')
curl -X POST https://tanfang.example/api/signals/file -H "Authorization: Bearer $TOKEN" \\
  -H "Content-Type: text/csv" -H "X-Tanfang-Timestamp: $TS" -H "X-Tanfang-Signature: sha256=$SIG" \\
  -H "X-Tanfang-Filename: signals.csv" --data-binary @signals.csv
\`\`\``,
  tags: TAGS,
  // No person's session: the service account's token and signature are checked by the module itself.
  public: true,
  rawBody: {
    mime: SIGNAL_FILE_MIME,
    description: '预警文件本身（.csv 或 .xlsx 的原始字节）',
    example:
      '幂等键,预警类型,发生时间,身份证号码,来源,说明\r\n' +
      'meter-20260310-000123,水电表无用量（独居告警）,2026-03-10 08:00,150602194501011234,东胜区供水公司,智能水表 24 小时无用水\r\n',
  },
  responses: { 200: SignalFileResult },
});

// Rules ------------------------------------------------------------------------------------------

export const SignalRuleBody = z.object({
  action: z.enum(SIGNAL_ACTIONS),
  hours: z.number().int().min(1, '时限至少 1 小时').max(RULE_LIMITS.maxHours),
  incidentType: z.enum(INCIDENT_TYPES).nullable(),
  mergeHours: z.number().int().min(0).max(RULE_LIMITS.maxMergeHours),
  selection: z
    .object({
      tiers: z
        .array(z.enum(['general', 'key']))
        .max(2)
        .optional(),
      flags: z.array(z.string().max(40)).max(10).optional(),
      minAge: z.number().int().min(0).max(130).optional(),
    })
    .nullable(),
});
export const SignalRuleView = z.object({
  type: z.enum(SIGNAL_TYPES),
  rule: SignalRuleBody,
  /** Where the rule in force is set: an area's id, null for system-wide, 'default' built in. */
  source: z.union([z.number(), z.null(), z.literal('default')]),
});
export const getSignalRules = endpoint({
  method: 'GET',
  path: '/api/signals/rules',
  operationId: 'getSignalRules',
  summary: '各类预警的处置规则（本辖区生效的，含来源：本级、上级继承或默认）',
  tags: TAGS,
  permission: 'signals.read',
  query: z.object({ areaId: Id.optional() }),
  responses: { 200: z.object({ areaId: z.number().nullable(), rules: z.array(SignalRuleView) }) },
});
export const putSignalRule = endpoint({
  method: 'PUT',
  path: '/api/signals/rules',
  operationId: 'putSignalRule',
  summary: '设置某类预警在某辖区的处置规则（rule 为 null 时恢复继承）',
  tags: TAGS,
  permission: 'signals.manage',
  body: z.object({
    areaId: z.number().int().positive(),
    type: z.enum(SIGNAL_TYPES),
    rule: SignalRuleBody.nullable(),
  }),
  responses: { 200: z.object({ areaId: z.number().nullable(), rules: z.array(SignalRuleView) }) },
  example: {
    areaId: 2,
    type: 'police_report',
    rule: { action: 'verify', hours: 12, incidentType: 'infringement', mergeHours: 24, selection: null },
  },
});

// Service accounts --------------------------------------------------------------------------------

export const ServiceAccount = z.object({
  id: z.number(),
  name: z.string(),
  area: Ref,
  permissions: z.array(z.enum(SERVICE_PERMISSIONS)),
  tokenHint: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  revokeReason: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  state: z.enum(['active', 'expired', 'revoked']),
});
export type ServiceAccount = z.output<typeof ServiceAccount>;

export const listServiceAccounts = endpoint({
  method: 'GET',
  path: '/api/service-accounts',
  operationId: 'listServiceAccounts',
  summary: '服务账号（外部系统接入凭据），含最近使用时间',
  tags: TAGS,
  permission: 'signals.manage',
  responses: { 200: z.object({ items: z.array(ServiceAccount) }) },
});

export const createServiceAccount = endpoint({
  method: 'POST',
  path: '/api/service-accounts',
  operationId: 'createServiceAccount',
  summary: '新建服务账号（令牌与签名密钥只在此时显示一次）',
  tags: TAGS,
  permission: 'signals.manage',
  body: z.object({
    name: z.string().trim().min(1, '请填写名称').max(SIGNAL_LIMITS.name),
    areaId: z.number().int().positive(),
    permissions: z
      .array(z.enum(SERVICE_PERMISSIONS))
      .min(1, '至少选择一项权限')
      .max(SERVICE_PERMISSIONS.length),
    expiresInDays: z.number().int().min(1).max(SIGNAL_LIMITS.maxExpiryDays),
  }),
  responses: { 201: z.object({ account: ServiceAccount, token: z.string(), secret: z.string() }) },
  example: { name: '区卫健委住院出院推送', areaId: 1, permissions: ['signals.submit'], expiresInDays: 365 },
});

export type ServiceAccountBody = z.input<typeof createServiceAccount.body>;

export const revokeServiceAccount = endpoint({
  method: 'POST',
  path: '/api/service-accounts/:id/revoke',
  operationId: 'revokeServiceAccount',
  summary: '吊销服务账号（立即失效，不可恢复）',
  tags: TAGS,
  permission: 'signals.manage',
  params: IdParams,
  body: z.object({ reason: z.string().trim().min(1, '请填写吊销原因').max(SIGNAL_LIMITS.text) }),
  responses: { 200: ServiceAccount },
  example: { reason: '对接系统更换，旧凭据停用' },
});
