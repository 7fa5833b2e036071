import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Ctx } from '../../context.js';
import { requirePermission } from '../../http/auth.js';
import { appendAudit, listAuditActions, searchAuditActors } from './repo.js';
import * as service from './service.js';
import { verifyAuditChain } from './verify.js';

const AuditRow = z.object({
  id: z.number(),
  at: z.string(),
  actorId: z.number().nullable(),
  actorUsername: z.string().nullable(),
  actorName: z.string().nullable(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  areaId: z.number().nullable(),
  detail: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
  subjectName: z.string().nullable(),
});

const Id = z.coerce.number().int().min(1).max(2147483647);

export function auditRoutes(app: FastifyInstance, ctx: Ctx) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/audit',
    {
      schema: {
        tags: ['审计'],
        summary: '检索审计日志（民政局角色；按时间倒序，键集分页）',
        querystring: z.object({
          actorId: Id.optional(),
          action: z.string().trim().max(80).optional(),
          entity: z.string().trim().max(40).optional(),
          entityId: z.string().trim().max(80).optional(),
          personId: Id.optional(),
          from: z.string().trim().max(40).optional(),
          to: z.string().trim().max(40).optional(),
          before: Id.optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(AuditRow), nextBefore: z.number().nullable() }) },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'audit.read');
      const rows = await service.search(ctx, req.query);
      // Searching the log is itself an access to personal data: it is logged too.
      await appendAudit(ctx.db, {
        at: ctx.clock.now(),
        actorId: actor.userId,
        action: 'audit.search',
        entity: 'audit',
        detail: { filter: req.query, rows: rows.length },
        ip: req.ip,
      });
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
    },
  );
  r.get(
    '/api/audit/actors',
    {
      schema: {
        tags: ['审计'],
        summary: '按姓名或用户名查找审计日志中的操作人（检索表单用）',
        querystring: z.object({ q: z.string().trim().max(50).default('') }),
        response: {
          200: z.object({
            items: z.array(z.object({ id: z.number(), username: z.string(), displayName: z.string() })),
          }),
        },
      },
    },
    async (req) => {
      requirePermission(req, 'audit.read');
      const rows = await searchAuditActors(ctx.db, req.query.q);
      return { items: rows.map((u) => ({ id: u.id, username: u.username, displayName: u.display_name })) };
    },
  );
  r.get(
    '/api/audit/actions',
    {
      schema: {
        tags: ['审计'],
        summary: '审计日志中出现过的操作',
        response: { 200: z.object({ items: z.array(z.string()) }) },
      },
    },
    async (req) => {
      requirePermission(req, 'audit.read');
      return { items: await listAuditActions(ctx.db) };
    },
  );
  r.post(
    '/api/audit/verify',
    {
      schema: {
        tags: ['审计'],
        summary: '校验审计日志哈希链（找出被改写、删除或调换顺序的行）',
        body: z.object({ from: Id.optional(), to: Id.optional() }).optional().default({}),
        response: {
          200: z.object({
            ok: z.boolean(),
            checked: z.number(),
            firstId: z.number().nullable(),
            lastId: z.number().nullable(),
            lastHash: z.string().nullable(),
            chains: z.array(
              z.object({ chain: z.number(), lastId: z.number(), lastHash: z.string(), rows: z.number() }),
            ),
            problems: z.array(
              z.object({
                id: z.number(),
                kind: z.enum(['edited', 'deleted', 'reordered']),
                message: z.string(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'audit.read');
      const res = await verifyAuditChain(ctx.db, req.body ?? {});
      await appendAudit(ctx.db, {
        at: ctx.clock.now(),
        actorId: actor.userId,
        action: 'audit.verify',
        entity: 'audit',
        detail: { ok: res.ok, checked: res.checked, problems: res.problems.length },
        ip: req.ip,
      });
      return res;
    },
  );
}
