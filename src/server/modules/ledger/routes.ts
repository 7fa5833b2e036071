import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Ctx } from '../../context.js';
import { requirePermission } from '../../http/auth.js';
import type { Actor } from '../../http/scope.js';
import { ExportReason } from '../audit/index.js';
import * as service from './service.js';

const Query = z.object({
  period: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])(-[12])?$/, '期间格式应为 YYYY-MM 或 YYYY-MM-1 / YYYY-MM-2')
    .optional(),
  areaId: z.coerce.number().int().positive().optional(),
  reason: ExportReason.optional().describe(
    '导出完整身份证号码的用途（至少 4 个字；仅限可查看完整号码的角色）。不填则号码脱敏',
  ),
});

/**
 * Sends a streamed ledger. Everything that can refuse it — the slice (a foreign area answers 404), the
 * purpose of full numbers, the audit row — happens in `openLedger` before the first byte; rows then
 * flow from the database to the client in batches. Content-Length is unknown: the web shows the
 * bytes received.
 */
async function sendLedger(
  ctx: Ctx,
  req: FastifyRequest,
  reply: FastifyReply,
  actor: Actor,
  kind: service.LedgerKind,
  q: service.LedgerQuery,
) {
  const l = await service.openLedger(ctx, actor, kind, q, req.ip);
  const out = new PassThrough();
  service.writeLedger(ctx, l, out).catch((e) => {
    req.log.error({ err: e }, 'ledger export failed');
    out.destroy(e);
  });
  return reply
    .header('content-type', service.XLSX_MIME)
    .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(l.fileName)}`)
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
    async (req, reply) =>
      sendLedger(ctx, req, reply, requirePermission(req, 'ledger.export'), 'visits', req.query),
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
    async (req, reply) =>
      sendLedger(ctx, req, reply, requirePermission(req, 'ledger.export'), 'concerns', req.query),
  );
}
