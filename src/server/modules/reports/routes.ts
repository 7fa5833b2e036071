import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api/reports.js';
import type { Ctx } from '../../context.js';
import { notFound } from '../../http/errors.js';
import { route } from '../../http/route.js';
import { fileBytes } from '../files/index.js';
import { personDossier } from './dossier.js';
import { generateMonthlyReport } from './monthly.js';
import * as repo from './repo.js';

const PDF = 'application/pdf';
const disposition = (name: string, inline: boolean) =>
  `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(name)}`;

export function reportRoutes(app: FastifyInstance, ctx: Ctx) {
  route(app, api.getPersonDossier, async ({ req, reply, actor }) => {
    const d = await personDossier(ctx, actor, req.params.id);
    return reply
      .header('content-type', PDF)
      .header('content-disposition', disposition(d.filename, req.query.inline === '1'))
      .header('cache-control', 'no-store')
      .send(d.content);
  });

  route(app, api.previewMonthlyReport, async ({ req, reply, actor }) => {
    const rep = await generateMonthlyReport(ctx, actor, req.query, { keep: false });
    return reply
      .header('content-type', PDF)
      .header('content-disposition', disposition(rep.filename, req.query.inline === '1'))
      .header('cache-control', 'no-store')
      .send(rep.content);
  });

  route(app, api.createMonthlyReport, async ({ req, reply, actor }) => {
    const rep = await generateMonthlyReport(ctx, actor, req.body, { keep: true });
    return reply
      .code(201)
      .header('content-type', PDF)
      .header('content-disposition', disposition(rep.filename, false))
      .header('x-report-id', String(rep.id))
      .header('cache-control', 'no-store')
      .send(rep.content);
  });

  route(app, api.listReports, async ({ req, actor }) => {
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
        createdAt: new Date(x.created_at).toISOString(),
      })),
      nextBefore: rows.length === req.query.limit ? rows[rows.length - 1].id : null,
    };
  });

  route(app, api.getReportFile, async ({ req, reply, actor }) => {
    const rep = await repo.getReportContent(ctx.db, actor.scope, req.params.id);
    if (!rep) throw notFound('月报');
    return reply
      .header('content-type', PDF)
      .header('content-disposition', disposition(rep.filename, req.query.inline === '1'))
      .send(await fileBytes(ctx, rep));
  });
}
