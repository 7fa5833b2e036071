import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api/money.js';
import { UPLOAD_LIMITS } from '../../../shared/api/uploads.js';
import { chinaMonth } from '../../../shared/china-time.js';
import type { Ctx } from '../../context.js';
import { notFound } from '../../http/errors.js';
import { route } from '../../http/route.js';
import { countImport } from '../../http/throttle.js';
import { receiveFile, takeImportSlot } from '../../http/uploads.js';
import { XLSX_MIME } from '../../lib/xlsx.js';
import * as transfers from '../transfers/index.js';
import * as service from './service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const attachment = (name: string) => `attachment; filename*=UTF-8''${encodeURIComponent(name)}`;

export function moneyRoutes(app: FastifyInstance, ctx: Ctx) {
  route(app, api.getPaymentGrid, async ({ req, actor }) => {
    const g = await service.paymentGrid(ctx, actor, req.query);
    return { ...g, items: g.items.map((i) => ({ ...i, selfCare: i.selfCare as 'capable' })) };
  });

  route(app, api.listPersonPayments, async ({ req, actor }) => ({
    items: (await service.personPayments(ctx, actor, req.params.personId, req.query.months)).map((p) => ({
      month: p.month,
      kind: p.kind,
      amountDue: Number(p.amount_due),
      amountPaid: Number(p.amount_paid),
      paidOn: p.paid_on,
    })),
  }));

  route(app, api.recordPayment, async ({ req, actor }) => {
    await service.recordPayment(ctx, actor, req.body);
    return undefined;
  });

  route(app, api.importPayments, async ({ req, actor }) => {
    countImport(ctx.config, actor.userId, ctx.clock.now().getTime());
    const upload = await receiveFile(req, {
      maxBytes: UPLOAD_LIMITS.paymentsBytes,
      to: 'disk',
      tooLarge: `文件超过 ${UPLOAD_LIMITS.paymentsBytes / 1024 / 1024} MB 上限，请按镇街拆分后分批导入`,
    });
    try {
      const release = takeImportSlot(ctx);
      try {
        return await service.importPayments(ctx, actor, { path: upload.path!, dryRun: req.query.dryRun });
      } finally {
        release();
      }
    } finally {
      await upload.discard();
    }
  });

  route(app, api.getPaymentsBadRows, async ({ req, reply, actor }) => {
    const token = req.params.token.replace(/\.xlsx$/, '');
    const file = UUID.test(token) ? await transfers.getFile(ctx.db, token, actor.userId) : null;
    if (!file) throw notFound('文件');
    return reply
      .header('content-type', file.content_type)
      .header('content-disposition', attachment(file.name))
      .send(file.bytes);
  });

  route(app, api.getPaymentsTemplate, async ({ reply }) =>
    reply
      .header('content-type', XLSX_MIME)
      .header('content-disposition', attachment('资金发放名单模板.xlsx'))
      .send(await service.paymentTemplate(chinaMonth(ctx.clock.now()))),
  );
}
