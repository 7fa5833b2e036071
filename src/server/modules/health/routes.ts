import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Ctx } from '../../context.js';
import { pendingMigrations } from '../../db/migrate.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set when shutdown has begun: readiness answers 503 so a load balancer stops sending work. */
    draining: { value: boolean };
  }
}

/**
 * `?probe=live`: the process answers (no database call; restart it when this fails).
 * `?probe=ready` (the default): the database answers, every migration is applied and the server is
 * not shutting down (send traffic only when this succeeds).
 */
export function healthRoutes(app: FastifyInstance, ctx: Ctx) {
  app.decorate('draining', { value: false });
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/health',
    {
      config: { public: true },
      schema: {
        tags: ['系统'],
        summary: '健康检查：probe=live 进程存活；probe=ready（默认）数据库可用、迁移已完成、未在停机',
        querystring: z.object({ probe: z.enum(['live', 'ready']).default('ready') }),
        response: {
          200: z.object({
            status: z.literal('ok'),
            probe: z.enum(['live', 'ready']),
            database: z.enum(['pglite', 'postgresql']),
            time: z.string(),
          }),
          503: z.object({
            status: z.literal('error'),
            probe: z.enum(['live', 'ready']),
            database: z.enum(['pglite', 'postgresql']),
            message: z.string(),
          }),
        },
      },
    },
    async (req, reply) => {
      const probe = req.query.probe;
      const ok = { status: 'ok' as const, probe, database: ctx.db.kind, time: ctx.clock.now().toISOString() };
      if (probe === 'live') return ok;
      const fail = (message: string) =>
        reply.code(503).send({ status: 'error' as const, probe, database: ctx.db.kind, message });
      if (app.draining.value) return fail('正在停机');
      try {
        const pending = await pendingMigrations(ctx.db);
        if (pending.length) return fail(`有未应用的数据库迁移：${pending.join('、')}`);
        return ok;
      } catch (e) {
        return fail((e as Error).message);
      }
    },
  );
}
