import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api/visitor-app.js';
import type { Ctx } from '../../context.js';
import { route } from '../../http/route.js';
import * as service from './service.js';

/** The visitor app's one offline request (src/web/visitor). */
export function visitorAppRoutes(app: FastifyInstance, ctx: Ctx) {
  route(app, api.getBundle, async ({ req, reply, actor }) => {
    const res = await service.buildBundle(ctx, actor, req.headers['if-none-match']);
    reply.header('etag', res.etag).header('cache-control', 'no-store');
    if (res.notModified) return reply.code(304).send();
    return res.body;
  });
}
