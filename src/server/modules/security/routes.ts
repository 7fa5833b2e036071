import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Ctx } from '../../context.js';
import { actorOf, requirePermission } from '../../http/auth.js';
import * as service from './service.js';

const SessionOut = z.object({
  key: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  current: z.boolean(),
});
const UserId = z.object({ id: z.coerce.number().int().min(1).max(2147483647) });
const SessionKey = z.string().regex(/^[0-9a-f]{16}$/, '会话编号为 16 位十六进制');
const Code = z
  .string()
  .trim()
  .regex(/^\d{6}$/, '动态验证码为 6 位数字');

export function securityRoutes(app: FastifyInstance, ctx: Ctx) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/me/security',
    {
      schema: {
        tags: ['账户安全'],
        summary: '本人的动态验证码状态与在线会话',
        response: {
          200: z.object({
            totpEnabled: z.boolean(),
            totpRequired: z.boolean(),
            sessions: z.array(SessionOut),
          }),
        },
      },
    },
    async (req) => service.securityOverview(ctx, actorOf(req)),
  );
  r.delete(
    '/api/me/sessions/:key',
    {
      schema: {
        tags: ['账户安全'],
        summary: '结束本人的一个会话',
        params: z.object({ key: SessionKey }),
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      await service.revokeUserSession(ctx, actor, actor.userId, req.params.key);
      return reply.code(204).send(null);
    },
  );
  r.post(
    '/api/me/totp/setup',
    {
      schema: {
        tags: ['账户安全'],
        summary: '生成动态验证码密钥（需密码；输入首个验证码后生效）',
        body: z.object({ password: z.string().min(1).max(128) }),
        response: { 200: z.object({ secret: z.string(), otpauthUri: z.string() }) },
      },
    },
    async (req) => service.totpSetup(ctx, actorOf(req), req.body.password),
  );
  r.post(
    '/api/me/totp/confirm',
    {
      schema: {
        tags: ['账户安全'],
        summary: '输入首个动态验证码，启用双因素登录',
        body: z.object({ code: Code }),
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await service.totpConfirm(ctx, actorOf(req), req.body.code);
      return reply.code(204).send(null);
    },
  );
  r.post(
    '/api/me/totp/disable',
    {
      schema: {
        tags: ['账户安全'],
        summary: '停用动态验证码（需密码和当前验证码）',
        body: z.object({ password: z.string().min(1).max(128), code: Code }),
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await service.totpDisable(ctx, actorOf(req), req.body.password, req.body.code);
      return reply.code(204).send(null);
    },
  );
  r.get(
    '/api/users/:id/sessions',
    {
      schema: {
        tags: ['账户安全'],
        summary: '某用户的在线会话（本人，或辖区内的用户管理员）',
        params: UserId,
        response: { 200: z.object({ items: z.array(SessionOut) }) },
      },
    },
    async (req) => ({ items: await service.listUserSessions(ctx, actorOf(req), req.params.id) }),
  );
  r.delete(
    '/api/users/:id/sessions/:key',
    {
      schema: {
        tags: ['账户安全'],
        summary: '结束某用户的一个会话',
        params: UserId.extend({ key: SessionKey }),
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await service.revokeUserSession(ctx, actorOf(req), req.params.id, req.params.key);
      return reply.code(204).send(null);
    },
  );
  r.post(
    '/api/users/:id/totp/reset',
    {
      schema: {
        tags: ['账户安全'],
        summary: '清除某用户的动态验证码（手机丢失时），并结束其会话',
        params: UserId,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await service.resetUserTotp(ctx, actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
  r.get(
    '/api/security/settings',
    {
      schema: {
        tags: ['账户安全'],
        summary: '安全设置',
        response: { 200: z.object({ requireTotpAdmin: z.boolean() }) },
      },
    },
    async (req) => {
      requirePermission(req, 'config.manage');
      return service.getSettings(ctx);
    },
  );
  r.put(
    '/api/security/settings',
    {
      schema: {
        tags: ['账户安全'],
        summary: '修改安全设置（管理员是否必须使用动态验证码）',
        body: z.object({ requireTotpAdmin: z.boolean() }),
        response: { 200: z.object({ requireTotpAdmin: z.boolean() }) },
      },
    },
    async (req) => service.updateSettings(ctx, requirePermission(req, 'config.manage'), req.body),
  );
}
