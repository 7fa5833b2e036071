import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DateStr, MonthStr } from '../../../shared/api/dates.js';
import { ImportRejections, UPLOAD_LIMITS } from '../../../shared/api/uploads.js';
import { PAYMENT_KINDS } from '../../../shared/care.js';
import { chinaMonth } from '../../../shared/china-time.js';
import { SELF_CARE_LEVELS } from '../../../shared/person.js';
import type { Ctx } from '../../context.js';
import { actorOf, requirePermission } from '../../http/auth.js';
import { notFound } from '../../http/errors.js';
import { countImport } from '../../http/throttle.js';
import { receiveFile, takeImportSlot } from '../../http/uploads.js';
import { XLSX_MIME } from '../../lib/xlsx.js';
import * as transfers from '../transfers/index.js';
import * as service from './service.js';

const Month = MonthStr;
const Cell = z.object({
  due: z.number(),
  paid: z.number(),
  paidOn: z.string().nullable(),
  recorded: z.boolean(),
});
const Amount = z.number().min(0, '金额不能为负数').max(100000);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function moneyRoutes(app: FastifyInstance, ctx: Ctx) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['资金保障'];
  r.get(
    '/api/payments',
    {
      schema: {
        tags,
        summary: '资金发放表：某辖区某月每人基本生活费、照料护理费的应发与实发',
        querystring: z.object({ areaId: z.coerce.number().int(), month: Month }),
        response: {
          200: z.object({
            areaId: z.number(),
            areaName: z.string(),
            month: z.string(),
            items: z.array(
              z.object({
                personId: z.number(),
                name: z.string(),
                idNumberMasked: z.string(),
                selfCare: z.enum(SELF_CARE_LEVELS),
                status: z.string(),
                townName: z.string(),
                villageName: z.string(),
                allowance: Cell,
                careFee: Cell,
                state: z.enum(['paid', 'partial', 'unpaid']),
              }),
            ),
            totals: z.object({
              persons: z.number(),
              allowanceDue: z.number(),
              allowancePaid: z.number(),
              careFeeDue: z.number(),
              careFeePaid: z.number(),
              unpaid: z.number(),
              partial: z.number(),
            }),
          }),
        },
      },
    },
    async (req) => {
      const g = await service.paymentGrid(ctx, actorOf(req), req.query);
      return { ...g, items: g.items.map((i) => ({ ...i, selfCare: i.selfCare as 'capable' })) };
    },
  );
  r.get(
    '/api/payments/person/:personId',
    {
      schema: {
        tags,
        summary: '某对象近若干个月的发放记录',
        params: z.object({ personId: z.coerce.number().int() }),
        querystring: z.object({ months: z.coerce.number().int().min(1).max(60).default(12) }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                month: z.string(),
                kind: z.enum(PAYMENT_KINDS),
                amountDue: z.number(),
                amountPaid: z.number(),
                paidOn: z.string().nullable(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => ({
      items: (await service.personPayments(ctx, actorOf(req), req.params.personId, req.query.months)).map(
        (p) => ({
          month: p.month,
          kind: p.kind,
          amountDue: Number(p.amount_due),
          amountPaid: Number(p.amount_paid),
          paidOn: p.paid_on,
        }),
      ),
    }),
  );
  r.put(
    '/api/payments',
    {
      schema: {
        tags,
        summary: '登记一笔发放（同人同月同类再次登记则更新）',
        body: z.object({
          personId: z.number().int().positive(),
          month: Month,
          kind: z.enum(PAYMENT_KINDS),
          amountDue: Amount,
          amountPaid: Amount,
          paidOn: DateStr.nullable().optional(),
        }),
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await service.recordPayment(ctx, actorOf(req), req.body);
      return reply.code(204).send(null);
    },
  );
  r.post(
    '/api/payments/import',
    {
      schema: {
        tags,
        summary: '导入月度资金发放名单 .xlsx（multipart 字段 file；dryRun=true 只检查不写入）',
        consumes: ['multipart/form-data'],
        querystring: z.object({
          dryRun: z
            .enum(['true', 'false'])
            .default('false')
            .transform((v) => v === 'true'),
        }),
        response: {
          200: z
            .object({
              dryRun: z.boolean(),
              total: z.number(),
              created: z.number(),
              updated: z.number(),
            })
            .extend(ImportRejections.shape),
        },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'money.write');
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
    },
  );
  r.get(
    '/api/payments/import/bad-rows/:token',
    {
      schema: {
        tags,
        summary: '下载未导入的行（.xlsx，含原因列；仅导入者本人）',
        params: z.object({ token: z.string().max(100) }),
      },
    },
    async (req, reply) => {
      const actor = requirePermission(req, 'money.write');
      const token = req.params.token.replace(/\.xlsx$/, '');
      const file = UUID.test(token) ? await transfers.getFile(ctx.db, token, actor.userId) : null;
      if (!file) throw notFound('文件');
      return reply
        .header('content-type', file.content_type)
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`)
        .send(file.bytes);
    },
  );
  r.get(
    '/api/payments/template.xlsx',
    { schema: { tags, summary: '资金发放名单模板（.xlsx）' } },
    async (req, reply) => {
      requirePermission(req, 'money.read');
      return reply
        .header('content-type', XLSX_MIME)
        .header(
          'content-disposition',
          `attachment; filename*=UTF-8''${encodeURIComponent('资金发放名单模板.xlsx')}`,
        )
        .send(await service.paymentTemplate(chinaMonth(ctx.clock.now())));
    },
  );
}
