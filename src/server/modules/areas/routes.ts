import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AREA_LEVELS } from '../../../shared/roles.js';
import type { Ctx } from '../../context.js';
import { actorOf } from '../../http/auth.js';
import type { AreaRow } from './repo.js';
import * as service from './service.js';

const AreaNode: z.ZodType<service.AreaNode> = z.lazy(() =>
  z.object({
    id: z.number(),
    code: z.string(),
    name: z.string(),
    level: z.enum(AREA_LEVELS),
    retired: z.boolean(),
    children: z.array(AreaNode),
  }),
);
const Area = z.object({
  id: z.number(),
  parentId: z.number().nullable(),
  code: z.string(),
  name: z.string(),
  level: z.enum(AREA_LEVELS),
  retired: z.boolean(),
  version: z.number(),
});
const present = (a: AreaRow): z.infer<typeof Area> => ({
  id: a.id,
  parentId: a.parent_id,
  code: a.code,
  name: a.name,
  level: a.level,
  retired: !!a.retired_at,
  version: a.version,
});
const Name = z.string().trim().min(1, '名称不能为空').max(50);

export function areaRoutes(app: FastifyInstance, ctx: Ctx) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/areas',
    {
      schema: {
        tags: ['辖区'],
        summary: '辖区树（本人可见范围）',
        querystring: z.object({ includeRetired: z.enum(['true', 'false']).optional() }),
        response: { 200: z.array(AreaNode) },
      },
    },
    async (req) => service.getAreaTree(ctx, actorOf(req), req.query.includeRetired === 'true'),
  );
  r.get(
    '/api/areas/:id',
    {
      schema: { tags: ['辖区'], params: z.object({ id: z.coerce.number().int() }), response: { 200: Area } },
    },
    async (req) => present(await service.getVisibleArea(ctx, actorOf(req), req.params.id)),
  );
  r.post(
    '/api/areas',
    {
      schema: {
        tags: ['辖区'],
        summary: '新增村（社区）',
        body: z.object({
          parentId: z.number().int(),
          name: Name,
          code: z
            .string()
            .regex(/^\d{6,15}$/, '辖区代码应为 6–15 位数字')
            .optional(),
        }),
        response: { 201: Area },
      },
    },
    async (req, reply) =>
      reply.code(201).send(present(await service.addVillage(ctx, actorOf(req), req.body))),
  );
  r.patch(
    '/api/areas/:id',
    {
      schema: {
        tags: ['辖区'],
        summary: '改名或撤销村（社区）',
        params: z.object({ id: z.coerce.number().int() }),
        body: z.object({ version: z.number().int(), name: Name.optional(), retired: z.boolean().optional() }),
        response: { 200: Area },
      },
    },
    async (req) => present(await service.updateVillage(ctx, actorOf(req), req.params.id, req.body)),
  );
}
