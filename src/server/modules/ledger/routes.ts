import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as api from '../../../shared/api/ledger.js';
import type { Ctx } from '../../context.js';
import { route } from '../../http/route.js';
import type { Actor } from '../../http/scope.js';
import * as service from './service.js';

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
  route(app, api.visitsLedger, async ({ req, reply, actor }) =>
    sendLedger(ctx, req, reply, actor, 'visits', req.query),
  );
  route(app, api.concernsLedger, async ({ req, reply, actor }) =>
    sendLedger(ctx, req, reply, actor, 'concerns', req.query),
  );
}
