import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api/incidents.js';
import { incidentAckFigures } from '../../../shared/metrics.js';
import type { Ctx } from '../../context.js';
import { route } from '../../http/route.js';
import type { Actor } from '../../http/scope.js';
import * as repo from './repo.js';
import * as service from './service.js';

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function presentIncident(i: repo.IncidentRow, actor: Actor): api.Incident {
  const pending = i.parties.filter((p) => !p.acknowledged_at);
  const mine = service.actorParties(actor, i);
  return {
    id: i.id,
    person: { id: i.person_id, name: i.person_name },
    town: { id: i.town_id, name: i.town_name },
    village: { id: i.village_id, name: i.village_name },
    type: i.type,
    critical: i.critical,
    description: i.description,
    source: i.source,
    visitId: i.visit_id,
    status: i.status,
    departments: i.departments as api.Incident['departments'],
    outcome: i.outcome,
    openedAt: iso(i.opened_at)!,
    openedBy: i.opened_by_name,
    closedAt: iso(i.closed_at),
    version: i.version,
    parties: i.parties.map((p) => ({
      party: p.party,
      label: service.partyLabel(p.party),
      dueAt: iso(p.due_at)!,
      acknowledgedAt: iso(p.acknowledged_at),
      acknowledgedBy: p.acknowledged_by_name,
      escalatedAt: iso(p.escalated_at),
    })),
    ackDueAt:
      i.status === 'open' && pending.length
        ? iso(pending.map((p) => p.due_at).sort((a, b) => Date.parse(a) - Date.parse(b))[0])
        : null,
    myPendingParties:
      i.status === 'open' ? pending.filter((p) => mine.includes(p.party)).map((p) => p.party) : [],
  };
}

export function incidentRoutes(app: FastifyInstance, ctx: Ctx) {
  const detail = async (actor: Actor, id: number): Promise<api.IncidentDetail> => {
    const d = await service.getIncident(ctx, actor, id);
    return {
      ...presentIncident(d.inc, actor),
      actions: d.actions.map((a) => ({
        id: a.id,
        at: iso(a.at)!,
        kind: a.kind,
        note: a.text,
        actor: a.actor_name,
      })),
    };
  };

  route(app, api.listIncidents, async ({ req, actor }) => {
    const { page, pageSize, ...f } = req.query;
    const [{ rows, total }, stats] = await Promise.all([
      repo.listIncidents(ctx.db, actor.scope, { ...f, limit: pageSize, offset: (page - 1) * pageSize }),
      repo.incidentStats(ctx.db, actor.scope),
    ]);
    return {
      items: rows.map((i) => presentIncident(i, actor)),
      total,
      stats: (() => {
        const f = incidentAckFigures(stats.ack, ctx.clock.now());
        return {
          openByType: Object.fromEntries(stats.byType.map((s) => [s.type, s.n])),
          medianAckMinutes: f.medianMinutes,
          ackWithinShare: f.within.value,
          ackOnTime: f.within.numerator,
          ackCounted: f.within.denominator,
        };
      })(),
    };
  });
  route(app, api.getIncidentConfig, async () => service.loadIncidentConfig(ctx.db));
  route(app, api.putIncidentConfig, async ({ req, actor }) =>
    service.saveIncidentConfig(ctx, actor, req.body),
  );
  route(app, api.getIncident, async ({ req, actor }) => detail(actor, req.params.id));
  route(app, api.createIncident, async ({ req, actor }) => {
    const id = await service.createIncident(ctx, actor, req.body);
    return detail(actor, id);
  });
  route(app, api.acknowledgeIncident, async ({ req, actor }) => {
    await service.acknowledge(ctx, actor, req.params.id, req.body.note);
    return detail(actor, req.params.id);
  });
  route(app, api.addIncidentAction, async ({ req, actor }) => {
    await service.addAction(ctx, actor, req.params.id, req.body.note);
    return detail(actor, req.params.id);
  });
  route(app, api.closeIncident, async ({ req, actor }) => {
    await service.closeIncident(ctx, actor, req.params.id, req.body.outcome ?? '', req.body.override);
    return detail(actor, req.params.id);
  });
}
