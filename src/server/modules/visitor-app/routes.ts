import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { VISIT_METHODS, VISIT_OUTCOMES } from '../../../shared/checklist.js';
import type { Ctx } from '../../context.js';
import { actorOf } from '../../http/auth.js';
import * as service from './service.js';

const Season = z.object({ from: z.string(), to: z.string() });
const BundlePerson = z.object({
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
const Bundle = z.object({
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
    }),
  ),
});

/** The visitor app's one offline request (src/web/visitor). */
export function visitorAppRoutes(app: FastifyInstance, ctx: Ctx) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/visitor/bundle',
    {
      schema: {
        tags: ['探访员手机端'],
        summary:
          '离线数据包：本人负责对象的卡片、未完成任务、上次探访发现、未办结诉求、照料服务人（支持 ETag）',
        response: { 200: Bundle, 304: z.null() },
      },
    },
    async (req, reply) => {
      const res = await service.buildBundle(ctx, actorOf(req), req.headers['if-none-match']);
      reply.header('etag', res.etag).header('cache-control', 'no-store');
      if (res.notModified) return reply.code(304).send(undefined as never);
      return res.body;
    },
  );
}
