import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api/referrals.js';
import type { Ctx } from '../../context.js';
import { route } from '../../http/route.js';
import type { Actor } from '../../http/scope.js';
import type { ReferralRow } from './repo.js';
import * as repo from './repo.js';
import * as service from './service.js';

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function presentReferral(r: ReferralRow): api.Referral {
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

export function referralRoutes(app: FastifyInstance, ctx: Ctx) {
  const detail = async (actor: Actor, id: number): Promise<api.ReferralDetail> => {
    const d = await service.getReferral(ctx, actor, id);
    return {
      ...presentReferral(d.r),
      entries: d.entries.map((e) => ({
        id: e.id,
        at: iso(e.at)!,
        status: e.kind === 'note' ? null : e.kind,
        note: e.text,
        actor: e.actor_name,
      })),
    };
  };
  route(app, api.listReferrals, async ({ req, actor }) => {
    const { page, pageSize, ...f } = req.query;
    const { rows, total } = await repo.listReferrals(ctx.db, actor.scope, {
      ...f,
      limit: pageSize,
      offset: (page - 1) * pageSize,
    });
    return { items: rows.map(presentReferral), total };
  });
  route(app, api.getReferral, async ({ req, actor }) => detail(actor, req.params.id));
  route(app, api.createReferral, async ({ req, actor }) => {
    const id = await service.createReferral(ctx, actor, req.body);
    return detail(actor, id);
  });
  route(app, api.updateReferral, async ({ req, actor }) => {
    await service.updateReferral(ctx, actor, req.params.id, req.body);
    return detail(actor, req.params.id);
  });
}
