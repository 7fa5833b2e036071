import { z } from 'zod';
import { REVIEW_STATES } from '../authenticity.js';
import { ROUND_CHECKS, VISIT_METHODS, VISIT_OUTCOMES } from '../checklist.js';
import { endpoint } from './contract.js';

const Season = z.object({ from: z.string(), to: z.string() });
export const BundlePerson = z.object({
  id: z.number(),
  name: z.string(),
  sex: z.enum(['male', 'female']),
  age: z.number(),
  phone: z.string().nullable(),
  address: z.string(),
  villageId: z.number(),
  villageName: z.string(),
  status: z.enum(['active', 'paused', 'ended']),
  selfCare: z.enum(['capable', 'partial', 'none']),
  tier: z.enum(['general', 'key']),
  flags: z.array(z.string()),
  flagNote: z.string().nullable(),
  benefitCard: z.enum(['self', 'custodian', 'lost', 'none']),
  cardCustodian: z.string().nullable(),
  backup: z.boolean(),
  seasons: z.object({ heating: Season, flood: Season }),
  caregiver: z.object({ name: z.string(), relation: z.string(), phone: z.string().nullable() }).nullable(),
  lastVisit: z
    .object({
      id: z.number(),
      at: z.string(),
      method: z.enum(VISIT_METHODS),
      visitorName: z.string(),
      notes: z.string().nullable(),
      findings: z.array(z.object({ label: z.string(), answer: z.string() })),
    })
    .nullable(),
  openConcerns: z.array(
    z.object({
      id: z.number(),
      category: z.string(),
      description: z.string(),
      status: z.string(),
      deadline: z.string().nullable(),
    }),
  ),
});
export const Bundle = z.object({
  generatedAt: z.string(),
  etag: z.string(),
  today: z.string(),
  user: z.object({ id: z.number(), displayName: z.string() }),
  persons: z.array(BundlePerson),
  tasks: z.array(
    z.object({
      id: z.number(),
      personId: z.number(),
      kind: z.enum(['regular', 'follow_up', 'campaign']),
      period: z.string(),
      tier: z.enum(['general', 'key']).nullable(),
      windowStart: z.string(),
      windowEnd: z.string(),
      dueDate: z.string(),
      status: z.enum(['open', 'done', 'missed', 'cancelled']),
      reason: z.string().nullable(),
      /** The round's section G checks (campaign tasks): its visits ask them whatever the season, offline too. */
      checks: z.array(z.enum(ROUND_CHECKS)),
    }),
  ),
  recentVisits: z.array(
    z.object({
      id: z.number(),
      clientId: z.string(),
      personId: z.number(),
      personName: z.string(),
      at: z.string(),
      method: z.enum(VISIT_METHODS),
      outcome: z.enum(VISIT_OUTCOMES),
      qualifying: z.boolean(),
      photoCount: z.number(),
      /** Why the visit was flagged (DOMAIN.md §12, reasons only: the visitor's own visit) and the town's review. */
      flags: z.array(z.string()),
      reviewState: z.enum(REVIEW_STATES).nullable(),
      reviewNote: z.string().nullable(),
    }),
  ),
});

export type Bundle = z.output<typeof Bundle>;
export type BundlePerson = z.output<typeof BundlePerson>;
export type BundleTask = Bundle['tasks'][number];

export const getBundle = endpoint({
  method: 'GET',
  path: '/api/visitor/bundle',
  operationId: 'getVisitorBundle',
  summary: '离线数据包：本人负责对象的卡片、未完成任务、上次探访发现、未办结诉求、照料服务人（支持 ETag）',
  description: '带 If-None-Match 请求时，内容未变则返回 304（无内容）。',
  tags: ['探访员手机端'],
  responses: { 200: Bundle },
});
