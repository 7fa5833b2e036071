import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as api from '../../../shared/api/auth.js';
import type { Ctx } from '../../context.js';
import { CSRF_COOKIE, SESSION_COOKIE } from '../../http/auth.js';
import { route } from '../../http/route.js';
import * as service from './service.js';

/** The body's text field for a rate-limit key (read before validation: the body may be anything). */
const field = (req: FastifyRequest, name: string) =>
  String((req.body as Record<string, unknown> | undefined)?.[name] ?? '');

export function authRoutes(app: FastifyInstance, ctx: Ctx) {
  const secure = process.env.TANFANG_SECURE_COOKIES === '1';
  const startSession = (reply: FastifyReply, res: service.LoginResult) => {
    const cookie = { path: '/', sameSite: 'lax' as const, secure, expires: res.expiresAt };
    reply.setCookie(SESSION_COOKIE, res.token, { ...cookie, httpOnly: true });
    reply.setCookie(CSRF_COOKIE, res.csrfToken, { ...cookie, httpOnly: false });
    return { ...res, expiresAt: res.expiresAt.toISOString() };
  };

  route(
    app,
    api.login,
    async ({ req, reply }) => {
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
    {
      config: {
        rateLimit: {
          max: ctx.config.loginRateMax,
          timeWindow: '1 minute',
          keyGenerator: (req: FastifyRequest) => `${req.ip}|${field(req, 'username').toLowerCase()}`,
        },
      },
    },
  );

  route(
    app,
    api.loginTotp,
    async ({ req, reply }) =>
      startSession(
        reply,
        await service.loginTotp({
          ...ctx,
          challenge: req.body.challenge,
          code: req.body.code,
          ip: req.ip,
          userAgent: req.headers['user-agent'],
        }),
      ),
    {
      config: {
        rateLimit: {
          max: ctx.config.loginRateMax,
          timeWindow: '1 minute',
          // Per challenge, not per address: people behind one office address do not share a budget
          // (a challenge itself dies after 5 wrong codes).
          keyGenerator: (req: FastifyRequest) => `${req.ip}|totp|${field(req, 'challenge').slice(0, 24)}`,
        },
      },
    },
  );

  route(app, api.logout, async ({ reply, actor }) => {
    await service.logout({ ...ctx, actor });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    reply.clearCookie(CSRF_COOKIE, { path: '/' });
    return undefined;
  });

  route(app, api.getMe, async ({ actor }) => service.me(ctx.db, actor));
}
