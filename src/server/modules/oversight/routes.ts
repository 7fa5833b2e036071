import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api/oversight.js';
import type { AssessmentWeights } from '../../../shared/metrics.js';
import type { Ctx } from '../../context.js';
import { route } from '../../http/route.js';
import * as service from './service.js';

const iso = (d: Date | string | null) => (d == null ? null : d instanceof Date ? d.toISOString() : d);

export function oversightRoutes(app: FastifyInstance, ctx: Ctx) {
  // Dashboard figure cells: stale ones recomputed every 5 minutes (day-bound ones just after midnight).
  route(app, api.getMetrics, async ({ req, actor }) => {
    const m = await service.getMetrics(ctx, actor, req.query);
    return { ...m, computedAt: m.computedAt.toISOString() };
  });

  route(app, api.getTrends, async ({ req, actor }) => service.getTrends(ctx, actor, req.query));

  route(app, api.getMetricRecords, async ({ req, actor }) => {
    const r = await service.getRecords(ctx, actor, req.params.metric, req.query);
    return { ...r, items: r.items.map((i) => ({ ...i, at: iso(i.at) })) };
  });

  route(app, api.getAssessment, async ({ req, actor }) => service.getAssessment(ctx, actor, req.query));

  route(app, api.getAssessmentWeights, async ({ req, actor }) =>
    service.readAssessmentWeights(ctx, actor, req.query),
  );

  route(app, api.putAssessmentWeights, async ({ req, actor }) =>
    service.setAssessmentWeights(ctx, actor, req.body as AssessmentWeights, req.query.areaId),
  );
}
