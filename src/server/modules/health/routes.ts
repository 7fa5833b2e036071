import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api/health.js';
import type { Ctx } from '../../context.js';
import { route } from '../../http/route.js';
import * as service from './service.js';

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
  route(app, api.getHealth, async ({ req, reply }) => {
    const probe = req.query.probe;
    const database = ctx.db.kind;
    const problem = probe === 'live' ? null : await service.notReady(ctx, app.draining.value);
    if (problem === null)
      return { status: 'ok' as const, probe, database, time: ctx.clock.now().toISOString() };
    const failure: api.HealthFailure = { status: 'error', probe, database, message: problem };
    return reply.code(503).send(failure);
  });
}
