import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Ctx } from '../../context.js';
import { requirePermission } from '../../http/auth.js';
import { notFound } from '../../http/errors.js';
import { personDossier } from './dossier.js';
import { generateMonthlyReport } from './monthly.js';
import * as repo from './repo.js';

const PDF = 'application/pdf';
const disposition = (name: string, inline: boolean) =>
  `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(name)}`;

export function reportRoutes(app: FastifyInstance, ctx: Ctx) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/persons/:id/dossier.pdf',
    {
      schema: {
        tags: ['文书'],
        summary: '一人一档 PDF（按角色脱敏，记入审计）',
        params: z.object({ id: z.coerce.number().int().positive() }),
        querystring: z.object({ inline: z.enum(['1', '0']).optional() }),
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'persons.read');
      const d = await personDossier(ctx, actor, req.params.id);
      return reply
        .header('content-type', PDF)
        .header('content-disposition', disposition(d.filename, req.query.inline === '1'))
        .header('cache-control', 'no-store')
        .send(d.content);
    },
  );

  const MonthlyQuery = z.object({
    period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, '月报期间格式应为 YYYY-MM'),
    areaId: z.coerce.number().int().positive().optional(),
  });
  r.get(
    '/api/reports/monthly.pdf',
    {
      schema: {
        tags: ['文书'],
        summary: '预览月报 PDF（不保存；保存用 POST /api/reports/monthly）',
        querystring: MonthlyQuery.extend({ inline: z.enum(['1', '0']).optional() }),
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'reports.read');
      const rep = await generateMonthlyReport(ctx, actor, req.query, { keep: false });
      return reply
        .header('content-type', PDF)
        .header('content-disposition', disposition(rep.filename, req.query.inline === '1'))
        .header('cache-control', 'no-store')
        .send(rep.content);
    },
  );

  r.post(
    '/api/reports/monthly',
    {
      schema: {
        tags: ['文书'],
        summary: '生成并保存月报 PDF（各镇街指标、图表、考核排名），答复该 PDF',
        body: MonthlyQuery.extend({ areaId: z.number().int().positive().optional() }),
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'reports.read');
      const rep = await generateMonthlyReport(ctx, actor, req.body, { keep: true });
      return reply
        .code(201)
        .header('content-type', PDF)
        .header('content-disposition', disposition(rep.filename, false))
        .header('x-report-id', String(rep.id))
        .header('cache-control', 'no-store')
        .send(rep.content);
    },
  );

  r.get(
    '/api/reports',
    {
      schema: {
        tags: ['文书'],
        summary: '已生成的月报',
        querystring: z.object({
          areaId: z.coerce.number().int().positive().optional(),
          period: z
            .string()
            .regex(/^\d{4}-(0[1-9]|1[0-2])$/, '期间格式应为 YYYY-MM')
            .optional(),
          before: z.coerce.number().int().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.number(),
                period: z.string(),
                areaId: z.number(),
                areaName: z.string(),
                filename: z.string(),
                size: z.number(),
                sha256: z.string(),
                createdBy: z.string().nullable(),
                createdAt: z.date(),
              }),
            ),
            nextBefore: z.number().nullable(),
          }),
        },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'reports.read');
      const rows = await repo.listReports(ctx.db, actor.scope, req.query);
      return {
        items: rows.map((x) => ({
          id: x.id,
          period: x.period,
          areaId: x.area_id,
          areaName: x.area_name,
          filename: x.filename,
          size: x.size,
          sha256: x.sha256,
          createdBy: x.created_by_name,
          createdAt: new Date(x.created_at),
        })),
        nextBefore: rows.length === req.query.limit ? rows[rows.length - 1].id : null,
      };
    },
  );

  r.get(
    '/api/reports/:id/file.pdf',
    {
      schema: {
        tags: ['文书'],
        summary: '再次下载已保存的月报',
        params: z.object({ id: z.coerce.number().int().positive() }),
        querystring: z.object({ inline: z.enum(['1', '0']).optional() }),
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'reports.read');
      const rep = await repo.getReportContent(ctx.db, actor.scope, req.params.id);
      if (!rep) throw notFound('月报');
      return reply
        .header('content-type', PDF)
        .header('content-disposition', disposition(rep.filename, req.query.inline === '1'))
        .send(Buffer.from(rep.content));
    },
  );
}
