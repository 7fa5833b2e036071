import { z } from 'zod';
import { REFERRAL_STATUSES, REFERRAL_TARGETS } from '../incidents.js';
import { DEPARTMENTS } from '../roles.js';
import { endpoint } from './contract.js';
import { Id, IdParams } from './shapes.js';

const TAGS = ['转介'];

const Ref = z.object({ id: z.number(), name: z.string() });
export const Referral = z.object({
  id: z.number(),
  person: z.object({
    id: z.number(),
    name: z.string(),
    idNumberMasked: z.string(),
    address: z.string().nullable(),
    phoneMasked: z.string().nullable(),
  }),
  town: Ref,
  village: Ref,
  target: z.enum(REFERRAL_TARGETS),
  department: z.enum(DEPARTMENTS).nullable(),
  institution: z.string().nullable(),
  reason: z.string(),
  source: z.enum(['visit', 'manual', 'incident']),
  visitId: z.number().nullable(),
  status: z.enum(REFERRAL_STATUSES),
  response: z.string().nullable(),
  respondedAt: z.string().nullable(),
  respondedBy: z.string().nullable(),
  completedAt: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  version: z.number(),
});
export type Referral = z.output<typeof Referral>;
export const ReferralEntry = z.object({
  id: z.number(),
  at: z.string(),
  status: z.string().nullable(),
  note: z.string(),
  actor: z.string().nullable(),
});
export const ReferralDetail = Referral.extend({ entries: z.array(ReferralEntry) });
export type ReferralDetail = z.output<typeof ReferralDetail>;

export const listReferrals = endpoint({
  method: 'GET',
  path: '/api/referrals',
  operationId: 'listReferrals',
  summary: '转介（部门联络人只看到发给本部门的）',
  tags: TAGS,
  permission: 'referrals.read',
  query: z.object({
    status: z.enum(REFERRAL_STATUSES).optional(),
    target: z.enum(REFERRAL_TARGETS).optional(),
    department: z.enum(DEPARTMENTS).optional(),
    townId: Id.optional(),
    personId: Id.optional(),
    page: z.coerce.number().int().min(1).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  }),
  responses: { 200: z.object({ items: z.array(Referral), total: z.number() }) },
});

export const getReferral = endpoint({
  method: 'GET',
  path: '/api/referrals/:id',
  operationId: 'getReferral',
  summary: '一条转介（含处理记录）',
  tags: TAGS,
  permission: 'referrals.read',
  params: IdParams,
  responses: { 200: ReferralDetail },
});

export const createReferral = endpoint({
  method: 'POST',
  path: '/api/referrals',
  operationId: 'createReferral',
  summary: '发起转介',
  tags: TAGS,
  permission: 'referrals.manage',
  body: z.object({
    personId: z.number().int().positive(),
    target: z.enum(REFERRAL_TARGETS),
    department: z.enum(DEPARTMENTS).nullable().optional(),
    institution: z.string().trim().max(200).nullable().optional(),
    reason: z.string().trim().min(1, '请填写转介原因').max(2000),
  }),
  responses: { 201: ReferralDetail },
  example: { personId: 1024, target: 'special_medical', department: 'health', reason: '慢性病需随访' },
});

export const updateReferral = endpoint({
  method: 'PATCH',
  path: '/api/referrals/:id',
  operationId: 'updateReferral',
  summary: '确认草稿、撤回、修改（镇街）；接收、退回、完成（接收部门）。须带 version',
  tags: TAGS,
  permission: 'referrals.read',
  params: IdParams,
  body: z.object({
    version: z.number().int(),
    status: z.enum(REFERRAL_STATUSES).optional(),
    department: z.enum(DEPARTMENTS).nullable().optional(),
    institution: z.string().max(200).nullable().optional(),
    reason: z.string().max(2000).optional(),
    response: z.string().max(2000).optional(),
  }),
  responses: { 200: ReferralDetail },
  example: { version: 2, status: 'accepted', response: '已安排家庭医生上门' },
});
