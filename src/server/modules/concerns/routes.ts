import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DateStr } from '../../../shared/api/dates.js';
import { chinaDate, daysBetween } from '../../../shared/china-time.js';
import {
  CONCERN_HANDLINGS,
  CONCERN_OWNERS,
  CONCERN_SOURCES,
  CONCERN_STATUSES,
  isConcernOverdue,
} from '../../../shared/incidents.js';
import type { Ctx } from '../../context.js';
import { requirePermission } from '../../http/auth.js';
import type { ConcernRow } from './repo.js';
import * as repo from './repo.js';
import * as service from './service.js';

const Ref = z.object({ id: z.number(), name: z.string() });
export const Concern = z.object({
  id: z.number(),
  person: Ref,
  town: Ref,
  village: Ref,
  category: z.string(),
  description: z.string(),
  source: z.enum(CONCERN_SOURCES),
  visitId: z.number().nullable(),
  sourceItem: z.string().nullable(),
  owner: z.enum(CONCERN_OWNERS),
  handling: z.enum(CONCERN_HANDLINGS),
  deadline: z.string().nullable(),
  /** Days until the deadline (negative = overdue by that many days); null without a deadline. */
  daysLeft: z.number().nullable(),
  overdue: z.boolean(),
  escalated: z.boolean(),
  status: z.enum(CONCERN_STATUSES),
  resolution: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  verifiedAt: z.string().nullable(),
  reopenedCount: z.number(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  version: z.number(),
});
const Entry = z.object({
  id: z.number(),
  at: z.string(),
  kind: z.string(),
  body: z.string(),
  actor: z.string().nullable(),
});
const FileOut = z.object({
  id: z.number(),
  name: z.string(),
  mime: z.string(),
  size: z.number(),
  uploadedAt: z.string(),
});
const ConcernDetail = Concern.extend({ entries: z.array(Entry), files: z.array(FileOut) });

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function presentConcern(c: ConcernRow, today: string): z.infer<typeof Concern> {
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

const Id = z.object({ id: z.coerce.number().int() });
export function concernRoutes(app: FastifyInstance, ctx: Ctx) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const detail = async (actor: Parameters<typeof service.getConcern>[1], id: number) => {
    const d = await service.getConcern(ctx, actor, id);
    return {
      ...presentConcern(d.c, chinaDate(ctx.clock.now())),
      entries: d.entries.map((e) => ({
        id: e.id,
        at: iso(e.at)!,
        kind: e.kind,
        body: e.body,
        actor: e.actor_name,
      })),
      files: d.files.map((f) => ({
        id: f.id,
        name: f.name,
        mime: f.mime,
        size: f.size,
        uploadedAt: iso(f.uploaded_at)!,
      })),
    };
  };

  r.get(
    '/api/concerns',
    {
      schema: {
        tags: ['诉求整改'],
        summary: '诉求与整改问题（逾期在前）',
        querystring: z.object({
          status: z.enum(CONCERN_STATUSES).optional(),
          overdue: z.enum(['0', '1']).optional(),
          escalated: z.enum(['0', '1']).optional(),
          townId: z.coerce.number().int().optional(),
          villageId: z.coerce.number().int().optional(),
          personId: z.coerce.number().int().optional(),
          category: z.string().max(40).optional(),
          source: z.enum(CONCERN_SOURCES).optional(),
          page: z.coerce.number().int().min(1).default(1),
          pageSize: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(Concern), total: z.number() }) },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'concerns.read');
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
    },
  );
  r.get(
    '/api/concerns/:id',
    { schema: { tags: ['诉求整改'], params: Id, response: { 200: ConcernDetail } } },
    async (req) => detail(requirePermission(req, 'concerns.read'), req.params.id),
  );
  r.post(
    '/api/concerns',
    {
      schema: {
        tags: ['诉求整改'],
        summary: '登记诉求/问题（手工，或把某次探访的问题项标记为整改问题：visitId + item）',
        body: z.object({
          personId: z.number().int().optional(),
          visitId: z.number().int().optional(),
          item: z
            .string()
            .regex(/^[A-M]\.\w+$/, '检查项格式应为「分区.项目」，如 D.house')
            .optional(),
          category: z.string().trim().min(1, '请选择类别').max(40),
          description: z.string().trim().max(2000).optional(),
          owner: z.enum(CONCERN_OWNERS).optional(),
          handling: z.enum(CONCERN_HANDLINGS).optional(),
          deadline: DateStr.nullable().optional(),
          resolution: z.string().trim().max(2000).nullable().optional(),
        }),
        response: { 201: ConcernDetail },
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'concerns.open');
      const id = await service.createConcern(ctx, actor, req.body);
      return reply.code(201).send(await detail(actor, id));
    },
  );
  r.patch(
    '/api/concerns/:id',
    {
      schema: {
        tags: ['诉求整改'],
        summary: '处理：开始整改、标记已整改（须填整改情况）、调整期限/方式/责任方（须带 version）',
        params: Id,
        body: z.object({
          version: z.number().int(),
          status: z.enum(CONCERN_STATUSES).optional(),
          resolution: z.string().max(2000).optional(),
          deadline: DateStr.nullable().optional(),
          handling: z.enum(CONCERN_HANDLINGS).optional(),
          owner: z.enum(CONCERN_OWNERS).optional(),
          note: z.string().max(2000).optional(),
        }),
        response: { 200: ConcernDetail },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'concerns.handle');
      await service.updateConcern(ctx, actor, req.params.id, req.body);
      return detail(actor, req.params.id);
    },
  );
  r.post(
    '/api/concerns/:id/verify',
    {
      schema: {
        tags: ['诉求整改'],
        summary: '民政局核验：通过，或退回重新整改（须填原因）',
        params: Id,
        body: z.object({
          approve: z.boolean(),
          comment: z.string().max(2000).optional(),
          version: z.number().int().optional(),
        }),
        response: { 200: ConcernDetail },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'concerns.verify');
      await service.verifyConcern(ctx, actor, req.params.id, req.body);
      return detail(actor, req.params.id);
    },
  );
  r.post(
    '/api/concerns/:id/comments',
    {
      schema: {
        tags: ['诉求整改'],
        summary: '留言；民政局的留言即督导意见，保留在记录上',
        params: Id,
        body: z.object({ body: z.string().trim().min(1, '请填写内容').max(2000) }),
        response: { 200: ConcernDetail },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'concerns.read');
      await service.addComment(ctx, actor, req.params.id, req.body.body);
      return detail(actor, req.params.id);
    },
  );
  r.post(
    '/api/concerns/:id/files',
    {
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        tags: ['诉求整改'],
        summary: '上传整改证明材料（图片或 PDF，Base64）',
        params: Id,
        body: z.object({
          name: z.string().trim().min(1).max(200),
          mime: z.string().max(100),
          data: z.string().min(1, '文件内容为空'),
        }),
        response: { 201: ConcernDetail },
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'concerns.handle');
      await service.addFile(ctx, actor, req.params.id, req.body);
      return reply.code(201).send(await detail(actor, req.params.id));
    },
  );
  r.get(
    '/api/concerns/:id/files/:fileId',
    {
      schema: {
        tags: ['诉求整改'],
        summary: '下载证明材料',
        params: z.object({ id: z.coerce.number().int(), fileId: z.coerce.number().int() }),
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'concerns.read');
      const f = await service.getFile(ctx, actor, req.params.id, req.params.fileId);
      return reply
        .header('content-type', f.mime)
        .header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(f.name)}`)
        .header('cache-control', 'no-store')
        .send(Buffer.from(f.data));
    },
  );
}
