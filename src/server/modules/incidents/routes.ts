import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { INCIDENT_STATUSES, INCIDENT_TYPES, type IncidentConfig } from '../../../shared/incidents.js';
import { DEPARTMENTS } from '../../../shared/roles.js';
import type { Ctx } from '../../context.js';
import { requirePermission } from '../../http/auth.js';
import type { Actor } from '../../http/scope.js';
import * as repo from './repo.js';
import * as service from './service.js';

const Ref = z.object({ id: z.number(), name: z.string() });
const Party = z.object({
  party: z.string(),
  label: z.string(),
  dueAt: z.string(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  escalatedAt: z.string().nullable(),
});
export const Incident = z.object({
  id: z.number(),
  person: Ref,
  town: Ref,
  village: Ref,
  type: z.enum(INCIDENT_TYPES),
  critical: z.boolean(),
  description: z.string(),
  source: z.enum(['visit', 'manual']),
  visitId: z.number().nullable(),
  status: z.enum(INCIDENT_STATUSES),
  departments: z.array(z.enum(DEPARTMENTS)),
  outcome: z.string().nullable(),
  openedAt: z.string(),
  openedBy: z.string().nullable(),
  closedAt: z.string().nullable(),
  version: z.number(),
  parties: z.array(Party),
  /** Earliest deadline of a party that has not acknowledged (null when all did, or closed). */
  ackDueAt: z.string().nullable(),
  /** Parties the asking user answers for that have not acknowledged yet. */
  myPendingParties: z.array(z.string()),
});
const Action = z.object({
  id: z.number(),
  at: z.string(),
  kind: z.string(),
  note: z.string(),
  actor: z.string().nullable(),
});
const IncidentDetail = Incident.extend({ actions: z.array(Action) });

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function presentIncident(i: repo.IncidentRow, actor: Actor): z.infer<typeof Incident> {
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
    departments: i.departments as z.infer<typeof Incident>['departments'],
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

const Id = z.object({ id: z.coerce.number().int() });
const IncidentConfigSchema = z.object({
  ackHours: z.number().min(0.25).max(72),
  departments: z.object(
    Object.fromEntries(INCIDENT_TYPES.map((t) => [t, z.array(z.enum(DEPARTMENTS)).max(6)])) as Record<
      (typeof INCIDENT_TYPES)[number],
      z.ZodArray<z.ZodEnum<{ [k in (typeof DEPARTMENTS)[number]]: k }>>
    >,
  ),
  critical: z.array(z.enum(INCIDENT_TYPES)),
});

export function incidentRoutes(app: FastifyInstance, ctx: Ctx) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const detail = async (actor: Actor, id: number) => {
    const d = await service.getIncident(ctx, actor, id);
    return {
      ...presentIncident(d.inc, actor),
      actions: d.actions.map((a) => ({
        id: a.id,
        at: iso(a.at)!,
        kind: a.kind,
        note: a.note,
        actor: a.actor_name,
      })),
    };
  };

  r.get(
    '/api/incidents',
    {
      schema: {
        tags: ['应急处置'],
        summary: '应急事件（未结案在前，按确认时限排序）',
        querystring: z.object({
          status: z.enum(INCIDENT_STATUSES).optional(),
          type: z.enum(INCIDENT_TYPES).optional(),
          townId: z.coerce.number().int().optional(),
          personId: z.coerce.number().int().optional(),
          department: z.enum(DEPARTMENTS).optional(),
          page: z.coerce.number().int().min(1).default(1),
          pageSize: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: {
          200: z.object({
            items: z.array(Incident),
            total: z.number(),
            stats: z.object({
              openByType: z.record(z.string(), z.number()),
              medianAckMinutes: z.number().nullable(),
              ackWithinShare: z.number().nullable(),
            }),
          }),
        },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'incidents.read');
      const { page, pageSize, ...f } = req.query;
      const [{ rows, total }, stats] = await Promise.all([
        repo.listIncidents(ctx.db, actor.scope, { ...f, limit: pageSize, offset: (page - 1) * pageSize }),
        repo.incidentStats(ctx.db, actor.scope),
      ]);
      return {
        items: rows.map((i) => presentIncident(i, actor)),
        total,
        stats: {
          openByType: Object.fromEntries(stats.byType.map((s) => [s.type, s.n])),
          medianAckMinutes: stats.medianAckMinutes,
          ackWithinShare: stats.ackWithinShare,
        },
      };
    },
  );
  r.get(
    '/api/incidents/config',
    {
      schema: {
        tags: ['应急处置'],
        summary: '应急事件配置（确认时限、按类型通知的部门、紧急类型）',
        response: { 200: IncidentConfigSchema },
      },
    },
    async (req) => {
      requirePermission(req, 'incidents.read');
      return service.loadIncidentConfig(ctx.db);
    },
  );
  r.put(
    '/api/incidents/config',
    {
      schema: { tags: ['应急处置'], body: IncidentConfigSchema, response: { 200: IncidentConfigSchema } },
    },
    async (req) => {
      const actor = requirePermission(req, 'config.manage');
      return service.saveIncidentConfig(ctx, actor, req.body as IncidentConfig);
    },
  );
  r.get(
    '/api/incidents/:id',
    { schema: { tags: ['应急处置'], params: Id, response: { 200: IncidentDetail } } },
    async (req) => detail(requirePermission(req, 'incidents.read'), req.params.id),
  );
  r.post(
    '/api/incidents',
    {
      schema: {
        tags: ['应急处置'],
        summary: '发起应急事件',
        body: z.object({
          personId: z.number().int(),
          type: z.enum(INCIDENT_TYPES),
          description: z.string().trim().max(2000).default(''),
          critical: z.boolean().optional(),
        }),
        response: { 201: IncidentDetail },
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'incidents.open');
      const id = await service.createIncident(ctx, actor, req.body);
      return reply.code(201).send(await detail(actor, id));
    },
  );
  r.post(
    '/api/incidents/:id/acknowledge',
    {
      schema: {
        tags: ['应急处置'],
        summary: '确认收到（每个被通知方一次）',
        params: Id,
        body: z.object({ note: z.string().trim().max(500).optional() }).default({}),
        response: { 200: IncidentDetail },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'incidents.read');
      await service.acknowledge(ctx, actor, req.params.id, req.body.note);
      return detail(actor, req.params.id);
    },
  );
  r.post(
    '/api/incidents/:id/actions',
    {
      schema: {
        tags: ['应急处置'],
        summary: '添加处置记录',
        params: Id,
        body: z.object({ note: z.string().trim().min(1, '请填写处置内容').max(2000) }),
        response: { 200: IncidentDetail },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'incidents.read');
      await service.addAction(ctx, actor, req.params.id, req.body.note);
      return detail(actor, req.params.id);
    },
  );
  r.post(
    '/api/incidents/:id/close',
    {
      schema: {
        tags: ['应急处置'],
        summary: '结案（须填写处置结果）',
        params: Id,
        body: z.object({ outcome: z.string().max(2000).optional() }),
        response: { 200: IncidentDetail },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'incidents.manage');
      await service.closeIncident(ctx, actor, req.params.id, req.body.outcome ?? '');
      return detail(actor, req.params.id);
    },
  );
}
