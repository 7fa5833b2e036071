import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AREA_LEVELS, DEPARTMENTS, ROLES } from '../../../shared/roles.js';
import type { Ctx } from '../../context.js';
import { actorOf, CSRF_COOKIE, SESSION_COOKIE } from '../../http/auth.js';
import { listAreas } from '../areas/index.js';
import * as service from './service.js';

const Session = z.object({
  token: z.string(),
  csrfToken: z.string(),
  expiresAt: z.string(),
  user: z.object({
    id: z.number(),
    username: z.string(),
    displayName: z.string(),
    roles: z.array(z.enum(ROLES)),
  }),
});
const TotpStep = z.object({
  totpRequired: z.literal(true),
  challenge: z.string(),
  expiresAt: z.string(),
  enrol: z.object({ secret: z.string(), otpauthUri: z.string() }).optional(),
});

export function authRoutes(app: FastifyInstance, ctx: Ctx) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const secure = process.env.TANFANG_SECURE_COOKIES === '1';
  const startSession = (reply: FastifyReply, res: service.LoginResult) => {
    const cookie = { path: '/', sameSite: 'lax' as const, secure, expires: res.expiresAt };
    reply.setCookie(SESSION_COOKIE, res.token, { ...cookie, httpOnly: true });
    reply.setCookie(CSRF_COOKIE, res.csrfToken, { ...cookie, httpOnly: false });
    return { ...res, expiresAt: res.expiresAt.toISOString() };
  };
  r.post(
    '/api/auth/login',
    {
      config: {
        public: true,
        rateLimit: {
          max: ctx.config.loginRateMax,
          timeWindow: '1 minute',
          keyGenerator: (req) => `${req.ip}|${String((req.body as any)?.username ?? '').toLowerCase()}`,
        },
      },
      schema: {
        tags: ['登录'],
        summary: '登录（返回令牌并设置会话 Cookie）',
        body: z.object({ username: z.string().trim().min(1).max(64), password: z.string().min(1).max(128) }),
        response: { 200: z.union([Session, TotpStep]) },
      },
    },
    async (req, reply) => {
      const res = await service.login({
        ...ctx,
        username: req.body.username,
        password: req.body.password,
        ip: req.ip,
        userAgent: req.headers['user-agent'],
      });
      if ('totpRequired' in res) return { ...res, expiresAt: res.expiresAt.toISOString() };
      return startSession(reply, res);
    },
  );
  r.post(
    '/api/auth/totp',
    {
      config: {
        public: true,
        rateLimit: {
          max: ctx.config.loginRateMax,
          timeWindow: '1 minute',
          // Per challenge, not per address: people behind one office address do not share a budget
          // (a challenge itself dies after 5 wrong codes).
          keyGenerator: (req) => `${req.ip}|totp|${String((req.body as any)?.challenge ?? '').slice(0, 24)}`,
        },
      },
      schema: {
        tags: ['登录'],
        summary: '登录第二步：输入动态验证码（TOTP）',
        body: z.object({
          challenge: z.string().min(10).max(100),
          code: z
            .string()
            .trim()
            .regex(/^\d{6}$/, '动态验证码为 6 位数字'),
        }),
        response: { 200: Session },
      },
    },
    async (req, reply) => {
      const res = await service.loginTotp({
        ...ctx,
        challenge: req.body.challenge,
        code: req.body.code,
        ip: req.ip,
        userAgent: req.headers['user-agent'],
      });
      return startSession(reply, res);
    },
  );
  r.post(
    '/api/auth/logout',
    { schema: { tags: ['登录'], summary: '退出登录', response: { 204: z.null() } } },
    async (req, reply) => {
      await service.logout({ ...ctx, actor: actorOf(req) });
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      reply.clearCookie(CSRF_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );
  r.get(
    '/api/me',
    {
      schema: {
        tags: ['登录'],
        summary: '当前用户、角色与辖区',
        response: {
          200: z.object({
            id: z.number(),
            username: z.string(),
            displayName: z.string(),
            roles: z.array(z.enum(ROLES)),
            grants: z.array(
              z.object({
                role: z.enum(ROLES),
                areaId: z.number(),
                department: z.enum(DEPARTMENTS).nullable(),
              }),
            ),
            areas: z.array(
              z.object({ id: z.number(), code: z.string(), name: z.string(), level: z.enum(AREA_LEVELS) }),
            ),
            csrfToken: z.string(),
          }),
        },
      },
    },
    async (req) => {
      const a = actorOf(req);
      const areas = await listAreas(ctx.db, [...new Set(a.grants.map((g) => g.areaId))], true);
      return {
        id: a.userId,
        username: a.username,
        displayName: a.displayName,
        roles: a.roles,
        grants: a.grants,
        areas: areas.map((x) => ({ id: x.id, code: x.code, name: x.name, level: x.level })),
        csrfToken: a.csrfToken,
      };
    },
  );
}
