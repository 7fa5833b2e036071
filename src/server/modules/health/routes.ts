import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Ctx } from '../../context.js';

export function healthRoutes(app: FastifyInstance, ctx: Ctx) {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/health',
    {
      config: { public: true },
      schema: {
        tags: ['系统'],
        summary: '健康检查（数据库可用时为 ok）',
        response: {
          200: z.object({
            status: z.literal('ok'),
            database: z.enum(['pglite', 'postgresql']),
            time: z.string(),
          }),
          503: z.object({
            status: z.literal('error'),
            database: z.enum(['pglite', 'postgresql']),
            message: z.string(),
          }),
        },
      },
    },
    async (_req, reply) => {
      try {
        await ctx.db.query('select 1');
        return { status: 'ok' as const, database: ctx.db.kind, time: ctx.clock.now().toISOString() };
      } catch (e) {
        return reply
          .code(503)
          .send({ status: 'error' as const, database: ctx.db.kind, message: (e as Error).message });
      }
    },
  );
}
