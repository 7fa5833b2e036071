import { z } from 'zod';
import { AGREEMENT_STATUSES, CARE_DEFAULTS, REPLACEMENT_CAUSES, REPLACEMENT_STATUSES } from '../care.js';
import { SELF_CARE_LEVELS } from '../person.js';
import { endpoint } from './contract.js';
import { DateStr } from './dates.js';
import { IdParams } from './shapes.js';

const TAGS = ['照料服务'];

/**
 * Limits of the care API: the request schemas below and the console's care forms both read them,
 * so a limit changed here reaches the server's validation and the forms' `maxLength` together.
 */
export const CARE_LIMITS = {
  caregiverName: 30,
  idNumber: 30,
  phone: 20,
  address: 200,
  note: 500,
  relation: 20,
  content: 2000,
  frequency: 200,
  terminationReason: 500,
  reviewNote: 1000,
  neighbourName: 30,
  neighbourComment: 500,
  neighbours: 50,
  /** Satisfaction and a neighbour's score: 1–5. */
  score: { min: 1, max: 5 },
  replacementDetail: 1000,
  legalNote: 1000,
  search: 50,
  pageMax: 200,
  needingMax: 1000,
  replacementsMax: 500,
  expiringWithinDaysMax: 3650,
  /** A signed agreement's or pledge's scan, bytes. */
  scanBytes: 10 * 1024 * 1024,
} as const;
const L = CARE_LIMITS;

/** Required text: trimmed, not empty, at most `max` characters. */
const Text = (max: number) => z.string().trim().min(1, '不能为空').max(max);
const Page = (max: number = L.pageMax, dflt = 50) => z.coerce.number().int().min(1).max(max).default(dflt);
const SCAN_KINDS = ['agreement', 'pledge'] as const;

export const Caregiver = z.object({
  id: z.number(),
  name: z.string(),
  idNumberMasked: z.string(),
  phoneMasked: z.string().nullable(),
  address: z.string().nullable(),
  areaId: z.number(),
  areaName: z.string(),
  note: z.string().nullable(),
  version: z.number(),
  persons: z.array(
    z.object({ personId: z.number(), personName: z.string(), relation: z.string(), fromDate: z.string() }),
  ),
});
export type Caregiver = z.output<typeof Caregiver>;

export const Agreement = z.object({
  id: z.number(),
  personId: z.number(),
  personName: z.string(),
  caregiverId: z.number(),
  caregiverName: z.string(),
  caregiverPhoneMasked: z.string().nullable(),
  relation: z.string(),
  partyAreaId: z.number(),
  partyName: z.string(),
  townId: z.number(),
  townName: z.string(),
  villageName: z.string(),
  content: z.string(),
  frequency: z.string(),
  selfCare: z.enum(SELF_CARE_LEVELS),
  monthlyFee: z.number(),
  startDate: z.string(),
  endDate: z.string(),
  signedOn: z.string(),
  status: z.enum(AGREEMENT_STATUSES),
  terminatedOn: z.string().nullable(),
  terminationReason: z.string().nullable(),
  pledgeSignedOn: z.string().nullable(),
  pledgeNoticeFrom: z.string().nullable(),
  pledgeNoticeTo: z.string().nullable(),
  replacementId: z.number().nullable(),
  expiryNotified: z.boolean(),
  scans: z.array(
    z.object({
      id: z.number(),
      kind: z.enum(SCAN_KINDS),
      filename: z.string(),
      size: z.number(),
      uploadedAt: z.string(),
    }),
  ),
  version: z.number(),
});
export type Agreement = z.output<typeof Agreement>;

export const Review = z.object({
  id: z.number(),
  agreementId: z.number(),
  personId: z.number(),
  personName: z.string(),
  caregiverId: z.number(),
  caregiverName: z.string(),
  townName: z.string(),
  periodFrom: z.string(),
  periodTo: z.string(),
  satisfaction: z.number(),
  neighbours: z.array(
    z.object({ name: z.string(), score: z.number(), comment: z.string().nullable().optional() }),
  ),
  visitObservations: z.object({
    visits: z.number(),
    duty: z.object({ yes: z.number(), partly: z.number(), no: z.number() }),
    seriousInfringements: z.number(),
  }),
  satisfactionScore: z.number(),
  neighbourScore: z.number().nullable(),
  visitScore: z.number().nullable(),
  score: z.number(),
  passed: z.boolean(),
  passScore: z.number(),
  note: z.string().nullable(),
  reviewerName: z.string().nullable(),
  createdAt: z.string(),
  replacementId: z.number().nullable(),
});
export type Review = z.output<typeof Review>;

export const Replacement = z.object({
  id: z.number(),
  personId: z.number(),
  personName: z.string(),
  townName: z.string(),
  oldAgreementId: z.number().nullable(),
  oldAgreementStatus: z.enum(AGREEMENT_STATUSES).nullable(),
  oldCaregiverId: z.number().nullable(),
  oldCaregiverName: z.string().nullable(),
  cause: z.enum(REPLACEMENT_CAUSES),
  reviewId: z.number().nullable(),
  visitRef: z.string().nullable(),
  detail: z.string().nullable(),
  status: z.enum(REPLACEMENT_STATUSES),
  steps: z.object({ terminated: z.boolean(), caregiverChosen: z.boolean(), newAgreementSigned: z.boolean() }),
  newCaregiverId: z.number().nullable(),
  newCaregiverName: z.string().nullable(),
  newAgreementId: z.number().nullable(),
  legalReferral: z.boolean(),
  legalNote: z.string().nullable(),
  openedAt: z.string(),
  closedAt: z.string().nullable(),
  version: z.number(),
});
export type Replacement = z.output<typeof Replacement>;

export const PublicPledge = z.object({
  caregiverName: z.string(),
  personName: z.string(),
  town: z.string(),
  signedOn: z.string(),
  noticeFrom: z.string(),
  noticeTo: z.string(),
});

/** One care setting as read: its value in force and where it comes from (an area id, null = system, or default). */
export const CareSettingValue = z.object({
  value: z.unknown(),
  source: z.union([z.number(), z.null(), z.literal('default')]),
});
export const CareSettings = z.record(z.string(), CareSettingValue);

/** Each care and money setting with the schema of its value (null: inherit again). */
export const CareSettingBody = z.discriminatedUnion('key', [
  z.object({
    key: z.literal('care.feeTable'),
    value: z.record(z.string(), z.number().min(0, '护理费不能为负数')).nullable(),
  }),
  z.object({ key: z.literal('care.needingLevels'), value: z.array(z.enum(SELF_CARE_LEVELS)).nullable() }),
  z.object({
    key: z.literal('care.review'),
    value: z
      .object({
        periodMonths: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(6), z.literal(12)]),
        weights: z.object({
          satisfaction: z.number().min(0).max(1),
          neighbours: z.number().min(0).max(1),
          visits: z.number().min(0).max(1),
        }),
        passScore: z.number().min(0).max(100),
      })
      .nullable(),
  }),
  z.object({ key: z.literal('care.pledgeNoticeDays'), value: z.number().int().min(1).max(90).nullable() }),
  z.object({ key: z.literal('care.expiryNoticeDays'), value: z.number().int().min(1).max(180).nullable() }),
  z.object({ key: z.literal('money.allowance'), value: z.number().min(0).max(100000).nullable() }),
  z.object({ key: z.literal('money.unpaidGraceDays'), value: z.number().int().min(0).max(27).nullable() }),
]);

// Caregivers ---------------------------------------------------------------------------------------

export const listCaregivers = endpoint({
  method: 'GET',
  path: '/api/caregivers',
  operationId: 'listCaregivers',
  summary: '照料服务人列表',
  tags: TAGS,
  query: z.object({
    areaId: z.coerce.number().int().optional(),
    q: z.string().max(L.search).optional(),
    idNumber: z.string().max(L.idNumber).optional(),
    cursor: z.coerce.number().int().optional(),
    limit: Page(),
  }),
  responses: { 200: z.object({ items: z.array(Caregiver), nextCursor: z.number().nullable() }) },
});

export const CaregiverBody = z.object({
  name: Text(L.caregiverName),
  idNumber: z.string().trim().min(1, '请填写身份证号码').max(L.idNumber),
  phone: z.string().trim().max(L.phone).nullable().optional(),
  address: z.string().trim().max(L.address).nullable().optional(),
  areaId: z.number().int().positive(),
  note: z.string().trim().max(L.note).nullable().optional(),
  personId: z.number().int().positive().optional(),
  relation: z.string().trim().max(L.relation).optional(),
});
export type CaregiverBody = z.input<typeof CaregiverBody>;
export const createCaregiver = endpoint({
  method: 'POST',
  path: '/api/caregivers',
  operationId: 'createCaregiver',
  summary: '登记照料服务人（可同时指定所照料的特困人员）',
  tags: TAGS,
  body: CaregiverBody,
  responses: { 201: Caregiver },
  example: {
    name: '王秀英',
    idNumber: '150602197203150021',
    phone: '13900000000',
    areaId: 12,
    personId: 1024,
    relation: '邻居',
  },
});

export const getCaregiver = endpoint({
  method: 'GET',
  path: '/api/caregivers/:id',
  operationId: 'getCaregiver',
  summary: '照料服务人详情（照料历史、协议）；reveal=true 显示完整证件号与电话（记入审计）',
  tags: TAGS,
  params: IdParams,
  query: z.object({ reveal: z.enum(['true', 'false']).optional() }),
  responses: {
    200: z.object({
      caregiver: Caregiver,
      history: z.array(
        z.object({
          personId: z.number(),
          personName: z.string(),
          relation: z.string(),
          fromDate: z.string(),
          toDate: z.string().nullable(),
          endReason: z.string().nullable(),
        }),
      ),
      agreements: z.array(Agreement),
      revealed: z.object({ idNumber: z.string(), phone: z.string().nullable() }).optional(),
    }),
  },
});
export type CaregiverDetail = z.output<(typeof getCaregiver.responses)[200]>;

// Agreements ---------------------------------------------------------------------------------------

export const listAgreements = endpoint({
  method: 'GET',
  path: '/api/care-agreements',
  operationId: 'listCareAgreements',
  summary: '照料协议列表（expiringWithinDays：生效中且在若干天内到期）',
  tags: TAGS,
  query: z.object({
    areaId: z.coerce.number().int().optional(),
    status: z.enum(AGREEMENT_STATUSES).optional(),
    expiringWithinDays: z.coerce.number().int().min(0).max(L.expiringWithinDaysMax).optional(),
    personId: z.coerce.number().int().optional(),
    caregiverId: z.coerce.number().int().optional(),
    q: z.string().max(L.search).optional(),
    cursor: z.coerce.number().int().optional(),
    limit: Page(),
  }),
  responses: { 200: z.object({ items: z.array(Agreement), nextCursor: z.number().nullable() }) },
});

export const AgreementBody = z.object({
  personId: z.number().int().positive(),
  caregiverId: z.number().int().positive(),
  relation: Text(L.relation),
  partyLevel: z.enum(['town', 'village']).default('town'),
  content: Text(L.content),
  frequency: Text(L.frequency),
  startDate: DateStr,
  endDate: DateStr,
  signedOn: DateStr.optional(),
  pledgeSignedOn: DateStr.nullable().optional(),
});
export const createAgreement = endpoint({
  method: 'POST',
  path: '/api/care-agreements',
  operationId: 'createCareAgreement',
  summary: '签订照料协议（月护理费按对象自理等级取本辖区标准）',
  tags: TAGS,
  body: AgreementBody,
  responses: { 201: Agreement },
  example: {
    personId: 1024,
    caregiverId: 77,
    relation: '邻居',
    partyLevel: 'town',
    content: '每日查看生活起居，协助做饭、洗衣、打扫，陪同就医',
    frequency: '每日一次',
    startDate: '2026-01-01',
    endDate: '2026-12-31',
    signedOn: '2025-12-28',
  },
});

export const listNeedingAgreement = endpoint({
  method: 'GET',
  path: '/api/care-agreements/needing',
  operationId: 'listPersonsNeedingAgreement',
  summary: '需要签订照料协议而没有生效协议的特困人员',
  tags: TAGS,
  query: z.object({
    areaId: z.coerce.number().int().optional(),
    limit: Page(L.needingMax, 200),
  }),
  responses: {
    200: z.object({
      items: z.array(
        z.object({
          personId: z.number(),
          name: z.string(),
          selfCare: z.enum(SELF_CARE_LEVELS),
          townName: z.string(),
          villageName: z.string(),
          lastAgreementEnd: z.string().nullable(),
        }),
      ),
    }),
  },
});

export const getAgreement = endpoint({
  method: 'GET',
  path: '/api/care-agreements/:id',
  operationId: 'getCareAgreement',
  summary: '一份照料协议',
  tags: TAGS,
  params: IdParams,
  responses: { 200: Agreement },
});

export const terminateAgreement = endpoint({
  method: 'POST',
  path: '/api/care-agreements/:id/terminate',
  operationId: 'terminateCareAgreement',
  summary: '解除照料协议（startReplacement：同时启动更换照料服务人）',
  tags: TAGS,
  params: IdParams,
  body: z.object({
    version: z.number().int().min(0),
    reason: Text(L.terminationReason),
    terminatedOn: DateStr.optional(),
    startReplacement: z.boolean().optional(),
    legalReferral: z.boolean().optional(),
  }),
  responses: { 200: Agreement },
  example: { version: 2, reason: '照料服务人外出务工，无法继续照料', startReplacement: true },
});

export const recordPledge = endpoint({
  method: 'POST',
  path: '/api/care-agreements/:id/pledge',
  operationId: 'recordCarePledge',
  summary: '登记诚信承诺书签订日期（开始公示）',
  tags: TAGS,
  params: IdParams,
  body: z.object({ version: z.number().int().min(0), signedOn: DateStr }),
  responses: { 200: Agreement },
  example: { version: 1, signedOn: '2026-01-05' },
});

/** A print's query: the purpose of a signature copy with full numbers (export guard: 4–200 characters). */
const PrintQuery = z.object({
  reason: z.string().max(200).optional().describe('完整号码签字版的用途（4–200 字）；不填为脱敏版'),
});

export const printAgreement = endpoint({
  method: 'GET',
  path: '/api/care-agreements/:id/agreement.pdf',
  operationId: 'printCareAgreement',
  description:
    '号码默认脱敏。有权查看完整号码的角色（persons.sensitive）填写用途 reason 时，打印含双方完整身份证号码和电话的签字版：先记入审计日志，再生成文件。',
  summary: '打印委托照料服务协议（PDF）',
  tags: TAGS,
  params: IdParams,
  query: PrintQuery,
  file: { mime: 'application/pdf', description: '委托照料服务协议（PDF）' },
});

export const printPledge = endpoint({
  method: 'GET',
  path: '/api/care-agreements/:id/pledge.pdf',
  operationId: 'printCarePledge',
  description:
    '号码默认脱敏。有权查看完整号码的角色（persons.sensitive）填写用途 reason 时，打印含双方完整身份证号码和电话的签字版：先记入审计日志，再生成文件。',
  summary: '打印诚信承诺书（PDF）',
  tags: TAGS,
  params: IdParams,
  query: PrintQuery,
  file: { mime: 'application/pdf', description: '诚信承诺书（PDF）' },
});

export const uploadScan = endpoint({
  method: 'POST',
  path: '/api/care-agreements/:id/scans',
  operationId: 'uploadCareScan',
  summary:
    '上传已签协议或承诺书的扫描件（multipart：字段 kind=agreement|pledge，文件 file；PDF/JPG/PNG，10 MB 以内）',
  tags: TAGS,
  // Checked before the file is taken in: a role that may only read does not get to send 10 MB first.
  permission: 'care.write',
  params: IdParams,
  upload: {
    field: 'file',
    description: `扫描件（PDF/JPG/PNG，${L.scanBytes / 1024 / 1024} MB 以内）；另带字段 kind`,
  },
  responses: {
    201: z.object({
      id: z.number(),
      kind: z.enum(SCAN_KINDS),
      filename: z.string(),
      size: z.number(),
    }),
  },
});

export const getScan = endpoint({
  method: 'GET',
  path: '/api/care-agreements/:id/scans/:fileId',
  operationId: 'getCareScan',
  summary: '下载扫描件',
  tags: TAGS,
  params: z.object({ id: z.coerce.number().int(), fileId: z.coerce.number().int() }),
  file: { mime: 'application/pdf, image/jpeg, image/png', description: '扫描件' },
});

export const listPublicPledges = endpoint({
  method: 'GET',
  path: '/api/public/pledges',
  operationId: 'listPublicPledges',
  summary: '公示期内的照料服务人诚信承诺（姓名脱敏，仅含镇街与日期）',
  tags: ['公开'],
  public: true,
  responses: { 200: z.object({ items: z.array(PublicPledge) }) },
});

// Reviews ------------------------------------------------------------------------------------------

export const listReviews = endpoint({
  method: 'GET',
  path: '/api/caregiver-reviews',
  operationId: 'listCaregiverReviews',
  summary: '照料服务人考核评价',
  tags: TAGS,
  query: z.object({
    areaId: z.coerce.number().int().optional(),
    personId: z.coerce.number().int().optional(),
    caregiverId: z.coerce.number().int().optional(),
    passed: z.enum(['true', 'false']).optional(),
    cursor: z.coerce.number().int().optional(),
    limit: Page(),
  }),
  responses: { 200: z.object({ items: z.array(Review), nextCursor: z.number().nullable() }) },
});

const scoreMsg = (what: string) => `${what}为 ${L.score.min}–${L.score.max} 分`;
export const ReviewBody = z.object({
  agreementId: z.number().int().positive(),
  periodFrom: DateStr.optional(),
  periodTo: DateStr.optional(),
  satisfaction: z.number().int().min(L.score.min, scoreMsg('满意度')).max(L.score.max, scoreMsg('满意度')),
  neighbours: z
    .array(
      z.object({
        name: Text(L.neighbourName),
        score: z.number().int().min(L.score.min, scoreMsg('评分')).max(L.score.max, scoreMsg('评分')),
        comment: z.string().trim().max(L.neighbourComment).nullable().optional(),
      }),
    )
    .max(L.neighbours)
    .default([]),
  note: z.string().trim().max(L.reviewNote).nullable().optional(),
});
export const createReview = endpoint({
  method: 'POST',
  path: '/api/caregiver-reviews',
  operationId: 'createCaregiverReview',
  summary: '考核评价照料服务人（默认上一季度）：满意度、邻里评价、探访记录 → 得分与是否合格',
  tags: TAGS,
  body: ReviewBody,
  responses: { 201: Review },
  example: {
    agreementId: 301,
    satisfaction: 4,
    neighbours: [
      { name: '刘大娘', score: 5, comment: '天天来，照顾得好' },
      { name: '赵师傅', score: 4 },
    ],
    note: '老人满意',
  },
});

// Replacement cases --------------------------------------------------------------------------------

export const listReplacements = endpoint({
  method: 'GET',
  path: '/api/care-replacements',
  operationId: 'listCareReplacements',
  summary: '更换照料服务人事项',
  tags: TAGS,
  query: z.object({
    areaId: z.coerce.number().int().optional(),
    status: z.enum(REPLACEMENT_STATUSES).optional(),
    personId: z.coerce.number().int().optional(),
    limit: Page(L.replacementsMax, 100),
  }),
  responses: { 200: z.object({ items: z.array(Replacement) }) },
});

export const createReplacement = endpoint({
  method: 'POST',
  path: '/api/care-replacements',
  operationId: 'createCareReplacement',
  summary: '启动更换照料服务人',
  tags: TAGS,
  body: z.object({
    personId: z.number().int().positive(),
    detail: Text(L.replacementDetail),
    legalReferral: z.boolean().optional(),
  }),
  responses: { 201: Replacement },
  example: { personId: 1024, detail: '探访发现照料服务人长期未到岗' },
});

export const getReplacement = endpoint({
  method: 'GET',
  path: '/api/care-replacements/:id',
  operationId: 'getCareReplacement',
  summary: '一件更换照料服务人事项',
  tags: TAGS,
  params: IdParams,
  responses: { 200: Replacement },
});

export const updateReplacement = endpoint({
  method: 'PATCH',
  path: '/api/care-replacements/:id',
  operationId: 'updateCareReplacement',
  summary: '更换事项：选定新照料服务人、移交追究法律责任、撤销',
  tags: TAGS,
  params: IdParams,
  body: z.object({
    version: z.number().int().min(0),
    newCaregiverId: z.number().int().positive().nullable().optional(),
    legalReferral: z.boolean().optional(),
    legalNote: z.string().trim().max(L.legalNote).nullable().optional(),
    cancel: z.boolean().optional(),
  }),
  responses: { 200: Replacement },
  example: { version: 1, newCaregiverId: 78 },
});

// Settings -----------------------------------------------------------------------------------------

export const getCareSettings = endpoint({
  method: 'GET',
  path: '/api/care/settings',
  operationId: 'getCareSettings',
  summary: '照料与资金配置（按辖区继承）',
  tags: TAGS,
  query: z.object({ areaId: z.coerce.number().int().optional() }),
  responses: { 200: CareSettings },
});

export const putCareSetting = endpoint({
  method: 'PUT',
  path: '/api/care/settings',
  operationId: 'putCareSetting',
  summary: `修改一项配置（value 为 null 则恢复继承）；可用项：${Object.keys(CARE_DEFAULTS).join('、')}`,
  tags: TAGS,
  body: z.object({ areaId: z.number().int().positive().nullable() }).and(CareSettingBody),
  responses: { 200: CareSettings },
  example: { areaId: 3, key: 'care.pledgeNoticeDays', value: 7 },
});
