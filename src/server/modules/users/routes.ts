import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEPARTMENTS, ROLES, VISITOR_TYPES } from '../../../shared/roles.js';
import type { Ctx } from '../../context.js';
import { actorOf } from '../../http/auth.js';
import type { UserRow } from './repo.js';
import * as service from './service.js';

const GrantIn = z.object({
  role: z.enum(ROLES),
  areaId: z.number().int(),
  department: z.enum(DEPARTMENTS).nullable().optional(),
});
const GrantOut = z.object({
  role: z.enum(ROLES),
  areaId: z.number(),
  areaName: z.string(),
  department: z.enum(DEPARTMENTS).nullable(),
});
export const User = z.object({
  id: z.number(),
  username: z.string(),
  displayName: z.string(),
  visitorType: z.enum(VISITOR_TYPES).nullable(),
  organization: z.string().nullable(),
  disabled: z.boolean(),
  locked: z.boolean(),
  version: z.number(),
  grants: z.array(GrantOut),
});
export const presentUser = (u: UserRow, now: Date): z.infer<typeof User> => ({
  id: u.id,
  username: u.username,
  displayName: u.display_name,
  visitorType: u.visitor_type as z.infer<typeof User>['visitorType'],
  organization: u.organization,
  disabled: !!u.disabled_at,
  locked: !!u.locked_until && new Date(u.locked_until) > now,
  version: u.version,
  grants: u.grants.map((g) => ({
    role: g.role,
    areaId: g.area_id,
    areaName: g.area_name,
    department: g.department,
  })),
});
const Id = z.object({ id: z.coerce.number().int() });
const toGrants = (gs: z.infer<typeof GrantIn>[]) =>
  gs.map((g) => ({ ...g, department: g.department ?? null }));
const Username = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{3,32}$/, '用户名为 3–32 位字母、数字、下划线、点或连字符');

export function userRoutes(app: FastifyInstance, ctx: Ctx) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/users',
    {
      schema: {
        tags: ['用户'],
        querystring: z.object({
          areaId: z.coerce.number().int().optional(),
          role: z.enum(ROLES).optional(),
          q: z.string().max(50).optional(),
          cursor: z.coerce.number().int().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(User), nextCursor: z.number().nullable() }) },
      },
    },
    async (req) => {
      const rows = await service.listUsers(ctx, actorOf(req), req.query);
      const now = ctx.clock.now();
      return {
        items: rows.map((u) => presentUser(u, now)),
        nextCursor: rows.length === req.query.limit ? rows[rows.length - 1].id : null,
      };
    },
  );
  r.get('/api/users/:id', { schema: { tags: ['用户'], params: Id, response: { 200: User } } }, async (req) =>
    presentUser(await service.getUser(ctx, actorOf(req), req.params.id), ctx.clock.now()),
  );
  r.post(
    '/api/users',
    {
      schema: {
        tags: ['用户'],
        summary: '创建用户（未给密码时生成一次性显示的密码）',
        body: z.object({
          username: Username,
          displayName: z.string().trim().min(1).max(50),
          password: z.string().max(128).optional(),
          visitorType: z.enum(VISITOR_TYPES).nullable().optional(),
          organization: z.string().trim().max(100).nullable().optional(),
          grants: z.array(GrantIn).max(20),
        }),
        response: { 201: z.object({ user: User, password: z.string().optional() }) },
      },
    },
    async (req, reply) => {
      const res = await service.createUser(ctx, actorOf(req), {
        ...req.body,
        grants: toGrants(req.body.grants),
      });
      return reply.code(201).send({ user: presentUser(res.user, ctx.clock.now()), password: res.password });
    },
  );
  r.patch(
    '/api/users/:id',
    {
      schema: {
        tags: ['用户'],
        params: Id,
        body: z.object({
          version: z.number().int(),
          displayName: z.string().trim().min(1).max(50).optional(),
          visitorType: z.enum(VISITOR_TYPES).nullable().optional(),
          organization: z.string().trim().max(100).nullable().optional(),
          disabled: z.boolean().optional(),
          grants: z.array(GrantIn).max(20).optional(),
        }),
        response: { 200: User },
      },
    },
    async (req) => {
      const body = { ...req.body, grants: req.body.grants ? toGrants(req.body.grants) : undefined };
      return presentUser(await service.updateUser(ctx, actorOf(req), req.params.id, body), ctx.clock.now());
    },
  );
  r.post(
    '/api/users/:id/password',
    {
      schema: {
        tags: ['用户'],
        summary: '重置密码',
        params: Id,
        body: z.object({ password: z.string().max(128).optional() }),
        response: { 200: z.object({ password: z.string().optional() }) },
      },
    },
    async (req) => service.resetPassword(ctx, actorOf(req), req.params.id, req.body.password),
  );
  r.post(
    '/api/me/password',
    {
      schema: {
        tags: ['用户'],
        summary: '修改本人密码',
        body: z.object({ currentPassword: z.string().max(128), newPassword: z.string().max(128) }),
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await service.changeOwnPassword(ctx, actorOf(req), req.body.currentPassword, req.body.newPassword);
      return reply.code(204).send(null);
    },
  );
}
