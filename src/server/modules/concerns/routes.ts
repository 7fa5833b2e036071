import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api/concerns.js';
import { chinaDate, daysBetween } from '../../../shared/china-time.js';
import { isConcernOverdue } from '../../../shared/incidents.js';
import type { Ctx } from '../../context.js';
import { route } from '../../http/route.js';
import type { Actor } from '../../http/scope.js';
import type { ConcernRow } from './repo.js';
import * as repo from './repo.js';
import * as service from './service.js';

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function presentConcern(c: ConcernRow, today: string): api.Concern {
  const open = c.status === 'open' || c.status === 'in_progress';
  return {
    id: c.id,
    person: { id: c.person_id, name: c.person_name },
    town: { id: c.town_id, name: c.town_name },
    village: { id: c.village_id, name: c.village_name },
    category: c.category,
    description: c.description,
    source: c.source,
    visitId: c.visit_id,
    sourceItem: c.source_item,
    owner: c.owner,
    handling: c.handling,
    deadline: c.deadline,
    daysLeft: c.deadline && open ? daysBetween(today, c.deadline) : null,
    overdue: isConcernOverdue(c, today),
    escalated: !!c.escalated_at,
    status: c.status,
    resolution: c.resolution,
    resolvedAt: iso(c.resolved_at),
    verifiedAt: iso(c.verified_at),
    reopenedCount: c.reopened_count,
    createdAt: iso(c.created_at)!,
    createdBy: c.created_by_name,
    version: c.version,
  };
}

export function concernRoutes(app: FastifyInstance, ctx: Ctx) {
  const detail = async (actor: Actor, id: number): Promise<api.ConcernDetail> => {
    const d = await service.getConcern(ctx, actor, id);
    return {
      ...presentConcern(d.c, chinaDate(ctx.clock.now())),
      entries: d.entries.map((e) => ({
        id: e.id,
        at: iso(e.at)!,
        kind: e.kind,
        body: e.text,
        actor: e.actor_name,
      })),
      deadlineChanges: d.deadlineChanges.map((r) => ({
        id: r.id,
        oldDeadline: r.old_deadline,
        newDeadline: r.new_deadline,
        reason: r.reason,
        status: r.status,
        requestedBy: r.requested_by_name,
        requestedAt: iso(r.requested_at)!,
        decidedBy: r.decided_by_name,
        decidedAt: iso(r.decided_at),
        decisionNote: r.decision_note,
      })),
      deadlineNeedsApproval: d.deadlineNeedsApproval,
      files: d.files.map((f) => ({
        id: f.id,
        name: f.name,
        mime: f.mime,
        size: f.size,
        uploadedAt: iso(f.uploaded_at)!,
      })),
    };
  };

  route(app, api.listConcerns, async ({ req, actor }) => {
    const today = chinaDate(ctx.clock.now());
    const { page, pageSize, overdue, escalated, ...f } = req.query;
    const { rows, total } = await repo.listConcerns(ctx.db, actor.scope, {
      ...f,
      overdue: overdue === '1',
      escalated: escalated === '1',
      today,
      limit: pageSize,
      offset: (page - 1) * pageSize,
    });
    return { items: rows.map((c) => presentConcern(c, today)), total };
  });
  route(app, api.getConcern, async ({ req, actor }) => detail(actor, req.params.id));
  route(app, api.createConcern, async ({ req, actor }) => {
    const id = await service.createConcern(ctx, actor, req.body);
    return detail(actor, id);
  });
  route(app, api.updateConcern, async ({ req, actor }) => {
    await service.updateConcern(ctx, actor, req.params.id, req.body);
    return detail(actor, req.params.id);
  });
  route(app, api.verifyConcern, async ({ req, actor }) => {
    await service.verifyConcern(ctx, actor, req.params.id, req.body);
    return detail(actor, req.params.id);
  });
  route(app, api.requestConcernDeadline, async ({ req, actor }) => {
    await service.requestDeadline(ctx, actor, req.params.id, req.body);
    return detail(actor, req.params.id);
  });
  route(app, api.decideConcernDeadline, async ({ req, actor }) => {
    await service.decideDeadline(ctx, actor, req.params.id, req.params.requestId, req.body);
    return detail(actor, req.params.id);
  });
  route(app, api.commentConcern, async ({ req, actor }) => {
    await service.addComment(ctx, actor, req.params.id, req.body.body);
    return detail(actor, req.params.id);
  });
  route(
    app,
    api.uploadConcernFile,
    async ({ req, actor }) => {
      await service.addFile(ctx, actor, req.params.id, req.body);
      return detail(actor, req.params.id);
    },
    { bodyLimit: api.CONCERN_FILE_BODY_LIMIT },
  );
  route(app, api.getConcernFile, async ({ req, reply, actor }) => {
    const f = await service.getFile(ctx, actor, req.params.id, req.params.fileId);
    return reply
      .header('content-type', f.mime)
      .header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(f.name)}`)
      .header('cache-control', 'no-store')
      .send(Buffer.from(f.data));
  });
}
