import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { REFERRAL_STATUSES, REFERRAL_TARGETS } from '../../../shared/incidents.js';
import { DEPARTMENTS } from '../../../shared/roles.js';
import type { Ctx } from '../../context.js';
import { requirePermission } from '../../http/auth.js';
import type { Actor } from '../../http/scope.js';
import type { ReferralRow } from './repo.js';
import * as repo from './repo.js';
import * as service from './service.js';

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
const Entry = z.object({
  id: z.number(),
  at: z.string(),
  status: z.string().nullable(),
  note: z.string(),
  actor: z.string().nullable(),
});
const ReferralDetail = Referral.extend({ entries: z.array(Entry) });
const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function presentReferral(r: ReferralRow): z.infer<typeof Referral> {
  return {
    id: r.id,
    person: {
      id: r.person_id,
      name: r.person_name,
      idNumberMasked: r.person_id_masked,
      address: r.person_address,
      phoneMasked: r.person_phone_masked,
    },
    town: { id: r.town_id, name: r.town_name },
    village: { id: r.village_id, name: r.village_name },
    target: r.target,
    department: r.department,
    institution: r.institution,
    reason: r.reason,
    source: r.source,
    visitId: r.visit_id,
    status: r.status,
    response: r.response,
    respondedAt: iso(r.responded_at),
    respondedBy: r.responded_by_name,
    completedAt: iso(r.completed_at),
    createdAt: iso(r.created_at)!,
    createdBy: r.created_by_name,
    version: r.version,
  };
}

const Id = z.object({ id: z.coerce.number().int() });

export function referralRoutes(app: FastifyInstance, ctx: Ctx) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const detail = async (actor: Actor, id: number) => {
    const d = await service.getReferral(ctx, actor, id);
    return {
      ...presentReferral(d.r),
      entries: d.entries.map((e) => ({
        id: e.id,
        at: iso(e.at)!,
        status: e.status,
        note: e.note,
        actor: e.actor_name,
      })),
    };
  };
  r.get(
    '/api/referrals',
    {
      schema: {
        tags: ['转介'],
        summary: '转介（部门联络人只看到发给本部门的）',
        querystring: z.object({
          status: z.enum(REFERRAL_STATUSES).optional(),
          target: z.enum(REFERRAL_TARGETS).optional(),
          department: z.enum(DEPARTMENTS).optional(),
          townId: z.coerce.number().int().optional(),
          personId: z.coerce.number().int().optional(),
          page: z.coerce.number().int().min(1).default(1),
          pageSize: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(Referral), total: z.number() }) },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'referrals.read');
      const { page, pageSize, ...f } = req.query;
      const { rows, total } = await repo.listReferrals(ctx.db, actor.scope, {
        ...f,
        limit: pageSize,
        offset: (page - 1) * pageSize,
      });
      return { items: rows.map(presentReferral), total };
    },
  );
  r.get(
    '/api/referrals/:id',
    { schema: { tags: ['转介'], params: Id, response: { 200: ReferralDetail } } },
    async (req) => detail(requirePermission(req, 'referrals.read'), req.params.id),
  );
  r.post(
    '/api/referrals',
    {
      schema: {
        tags: ['转介'],
        summary: '发起转介',
        body: z.object({
          personId: z.number().int(),
          target: z.enum(REFERRAL_TARGETS),
          department: z.enum(DEPARTMENTS).nullable().optional(),
          institution: z.string().trim().max(200).nullable().optional(),
          reason: z.string().trim().min(1, '请填写转介原因').max(2000),
        }),
        response: { 201: ReferralDetail },
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'referrals.manage');
      const id = await service.createReferral(ctx, actor, req.body);
      return reply.code(201).send(await detail(actor, id));
    },
  );
  r.patch(
    '/api/referrals/:id',
    {
      schema: {
        tags: ['转介'],
        summary: '确认草稿、撤回、修改（镇街）；接收、退回、完成（接收部门）。须带 version',
        params: Id,
        body: z.object({
          version: z.number().int(),
          status: z.enum(REFERRAL_STATUSES).optional(),
          department: z.enum(DEPARTMENTS).nullable().optional(),
          institution: z.string().max(200).nullable().optional(),
          reason: z.string().max(2000).optional(),
          response: z.string().max(2000).optional(),
        }),
        response: { 200: ReferralDetail },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'referrals.read');
      await service.updateReferral(ctx, actor, req.params.id, req.body);
      return detail(actor, req.params.id);
    },
  );
}
