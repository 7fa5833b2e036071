import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api/audit.js';
import type { Ctx } from '../../context.js';
import { route } from '../../http/route.js';
import * as service from './service.js';

export function auditRoutes(app: FastifyInstance, ctx: Ctx) {
  route(app, api.searchAudit, async ({ req, actor }) => {
    const rows = await service.search(ctx, actor, req.query, req.ip);
    return {
      items: rows.map((x) => ({
        id: x.id,
        at: new Date(x.at).toISOString(),
        actorId: x.actor_id,
        actorUsername: x.actor_username,
        actorName: x.actor_name,
        action: x.action,
        entity: x.entity,
        entityId: x.entity_id,
        areaId: x.area_id,
        detail: x.detail ?? {},
        ip: x.ip,
        subjectName: x.subject_name,
      })),
      nextBefore: rows.length === req.query.limit ? rows[rows.length - 1].id : null,
    };
  });
  route(app, api.searchAuditActors, async ({ req, actor }) => ({
    items: await service.actors(ctx, actor, req.query.q),
  }));
  route(app, api.listAuditActions, async () => ({ items: await service.actions(ctx) }));
  route(app, api.verifyAudit, async ({ req, actor }) => service.verify(ctx, actor, req.body ?? {}, req.ip));
}
