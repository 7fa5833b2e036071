import { PassThrough, type Writable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Ctx } from '../../context.js';
import { requirePermission } from '../../http/auth.js';
import type { Actor } from '../../http/scope.js';
import * as service from './service.js';

const Query = z.object({
  period: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])(-[12])?$/, '期间格式应为 YYYY-MM 或 YYYY-MM-1 / YYYY-MM-2')
    .optional(),
  areaId: z.coerce.number().int().positive().optional(),
});

/**
 * Sends a streamed workbook. The slice is resolved first (so a bad area answers 404 before any byte is
 * sent); rows then flow from the database to the client in batches. Content-Length is unknown: the
 * web shows the bytes received.
 */
async function sendWorkbook(
  req: FastifyRequest,
  reply: FastifyReply,
  actor: Actor,
  name: string,
  write: (out: Writable) => Promise<unknown>,
) {
  const out = new PassThrough();
  write(out).catch((e) => {
    req.log.error({ err: e }, 'ledger export failed');
    out.destroy(e);
  });
  void actor;
  return reply
    .header('content-type', service.XLSX_MIME)
    .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(name)}`)
    .header('cache-control', 'no-store')
    .send(out);
}

export function ledgerRoutes(app: FastifyInstance, ctx: Ctx) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/ledger/visits.xlsx',
    {
      schema: {
        tags: ['台账'],
        summary: '探访记录台账（每次探访一行，检查项列来自探访清单定义）',
        querystring: Query,
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'ledger.export');
      const s = await service.ledgerSlice(ctx, actor, req.query);
      return sendWorkbook(
        req,
        reply,
        actor,
        service.ledgerFileName('探访记录台账', s.areaName, s.period),
        (out) => service.writeVisitLedger(ctx, actor, req.query, out),
      );
    },
  );

  r.get(
    '/api/ledger/concerns.xlsx',
    {
      schema: {
        tags: ['台账'],
        summary: '问题整改台账（本期登记或本期内未办结的诉求，含期限与状态）',
        querystring: Query,
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'ledger.export');
      const s = await service.ledgerSlice(ctx, actor, req.query);
      return sendWorkbook(
        req,
        reply,
        actor,
        service.ledgerFileName('问题整改台账', s.areaName, s.period),
        (out) => service.writeConcernLedger(ctx, actor, req.query, out),
      );
    },
  );
}
