import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api/jobs.js';
import type { Ctx } from '../../context.js';
import { route } from '../../http/route.js';
import * as service from './service.js';

/** The periodic jobs, for the bureau admin: their last runs, and "run now". */
export function jobRoutes(app: FastifyInstance, ctx: Ctx) {
  route(app, api.listJobs, async () => ({ items: await service.jobStates(ctx) }));
  route(app, api.runJob, async ({ req, actor }) => service.runNow(ctx, actor, req.params.name));
}
