import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ASSESSMENT_COMPONENTS, METRIC_IDS } from '../../../shared/metrics.js';
import type { Ctx } from '../../context.js';
import { requirePermission } from '../../http/auth.js';
import * as service from './service.js';

const Period = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])(-[12])?$/, '期间格式应为 YYYY-MM 或 YYYY-MM-1 / YYYY-MM-2')
  .optional();
const SliceQuery = {
  period: Period,
  areaId: z.coerce.number().int().positive().optional(),
  visitorId: z.coerce.number().int().positive().optional(),
};
const Value = z.object({
  value: z.number().nullable(),
  numerator: z.number().optional(),
  denominator: z.number().optional(),
});
const Figures = z.partialRecord(z.enum(METRIC_IDS), Value);
const Area = z.object({ id: z.number(), name: z.string(), level: z.enum(['district', 'town', 'village']) });

export function oversightRoutes(app: FastifyInstance, ctx: Ctx) {
  // Dashboard figure cells: stale ones recomputed every 5 minutes (day-bound ones just after midnight).
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/oversight/metrics',
    {
      schema: {
        tags: ['监督指标'],
        summary: '某辖区（及各下级辖区或探访责任人）一期的指标',
        querystring: z.object({ ...SliceQuery, groupBy: z.enum(['area', 'visitor']).optional() }),
        response: {
          200: z.object({
            period: z.string(),
            area: Area.nullable(),
            visitorId: z.number().nullable(),
            childKind: z.enum(['area', 'visitor']).nullable(),
            figures: Figures,
            children: z.array(z.object({ id: z.number().nullable(), name: z.string(), figures: Figures })),
            unavailable: z.array(z.enum(METRIC_IDS)),
            computedAt: z.date(),
          }),
        },
      },
    },
    async (req) => service.getMetrics(ctx, requirePermission(req, 'oversight.read'), req.query),
  );

  r.get(
    '/api/oversight/trends',
    {
      schema: {
        tags: ['监督指标'],
        summary: '最近若干期（默认 12 期）的指标走势',
        querystring: z.object({ ...SliceQuery, count: z.coerce.number().int().min(2).max(24).optional() }),
        response: {
          200: z.object({
            frequency: z.enum(['month', 'half_month']),
            periods: z.array(z.object({ period: z.string(), figures: Figures })),
          }),
        },
      },
    },
    async (req) => service.getTrends(ctx, requirePermission(req, 'oversight.read'), req.query),
  );

  r.get(
    '/api/oversight/metrics/:metric/records',
    {
      schema: {
        tags: ['监督指标'],
        summary: '指标背后的记录（比率指标默认列出分母记录，part=counted 只列分子）',
        params: z.object({ metric: z.enum(METRIC_IDS, '未知的指标') }),
        querystring: z.object({
          ...SliceQuery,
          part: z.enum(['base', 'counted']).optional(),
          after: z.coerce.number().int().min(0).optional(),
          limit: z.coerce.number().int().min(1).max(1000).optional(),
        }),
        response: {
          200: z.object({
            metric: z.enum(METRIC_IDS),
            period: z.string(),
            part: z.enum(['base', 'counted']),
            recordKind: z.enum(['person', 'task', 'visit', 'incident', 'concern', 'agreement', 'review']),
            total: z.number(),
            nextAfter: z.number().nullable(),
            items: z.array(
              z.object({
                id: z.number(),
                personId: z.number(),
                personName: z.string(),
                townName: z.string(),
                villageName: z.string(),
                visitorName: z.string().nullable(),
                status: z.string().nullable(),
                label: z.string().nullable(),
                extra: z.string().nullable(),
                at: z.date().nullable(),
                dueDate: z.string().nullable(),
                detail: z.string().nullable(),
                counted: z.boolean(),
              }),
            ),
          }),
        },
      },
    },
    async (req) =>
      service.getRecords(ctx, requirePermission(req, 'oversight.read'), req.params.metric, req.query),
  );

  const Weights = z.partialRecord(z.enum(ASSESSMENT_COMPONENTS as [string, ...string[]]), z.number());
  r.get(
    '/api/oversight/assessment',
    {
      schema: {
        tags: ['监督指标'],
        summary: '镇街考核：加权得分排名与各项得分',
        querystring: z.object({
          period: z
            .string()
            .regex(/^\d{4}-(0[1-9]|1[0-2])$/, '考核按月进行：期间格式应为 YYYY-MM')
            .optional(),
          areaId: z.coerce.number().int().positive().optional(),
        }),
        response: {
          200: z.object({
            period: z.string(),
            weights: Weights,
            towns: z.array(
              z.object({
                areaId: z.number().nullable(),
                name: z.string(),
                score: z.number().nullable(),
                rank: z.number(),
                components: z.array(
                  z.object({
                    metric: z.string(),
                    weight: z.number(),
                    value: z.number().nullable(),
                    points: z.number().nullable(),
                  }),
                ),
              }),
            ),
          }),
        },
      },
    },
    async (req) => service.getAssessment(ctx, requirePermission(req, 'oversight.read'), req.query),
  );

  r.get(
    '/api/oversight/assessment/weights',
    { schema: { tags: ['监督指标'], summary: '考核权重', response: { 200: Weights } } },
    async (req) => {
      requirePermission(req, 'oversight.read');
      return service.getAssessmentWeights(ctx.db);
    },
  );

  r.put(
    '/api/oversight/assessment/weights',
    {
      schema: {
        tags: ['监督指标'],
        summary: '修改考核权重（民政局）',
        body: z.partialRecord(
          z.enum(ASSESSMENT_COMPONENTS as [string, ...string[]]),
          z.number('权重应为数字').min(0, '权重不能为负').max(100, '权重不能超过 100'),
        ),
        response: { 200: Weights },
      },
    },
    async (req) =>
      service.setAssessmentWeights(ctx, requirePermission(req, 'oversight.configure'), req.body as any),
  );
}
