import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PAYMENT_KINDS } from '../../../shared/care.js';
import { chinaMonth } from '../../../shared/china-time.js';
import { SELF_CARE_LEVELS } from '../../../shared/person.js';
import type { Ctx } from '../../context.js';
import { actorOf, requirePermission } from '../../http/auth.js';
import { AppError, badRequest } from '../../http/errors.js';
import { XLSX_MIME } from '../../lib/xlsx.js';
import * as service from './service.js';

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, '月份格式应为 YYYY-MM');
const Cell = z.object({
  due: z.number(),
  paid: z.number(),
  paidOn: z.string().nullable(),
  recorded: z.boolean(),
});
const Amount = z.number().min(0, '金额不能为负数').max(100000);
const IMPORT_MAX = 10 * 1024 * 1024;

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
          paidOn: z
            .string()
            .regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD')
            .nullable()
            .optional(),
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
          200: z.object({
            dryRun: z.boolean(),
            total: z.number(),
            created: z.number(),
            updated: z.number(),
            rejected: z.array(z.object({ row: z.number(), column: z.string(), message: z.string() })),
          }),
        },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'money.write');
      if (!req.isMultipart()) throw badRequest('请以 multipart/form-data 上传文件（字段名 file）', 'file');
      const part = await req.file({ limits: { fileSize: IMPORT_MAX } });
      if (part?.fieldname !== 'file') throw badRequest('请选择要导入的文件（字段名 file）', 'file');
      let content: Buffer;
      try {
        content = await part.toBuffer();
      } catch (e) {
        if ((e as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
          throw new AppError(413, 'FILE_TOO_LARGE', '文件超过 10 MB 上限，请按镇街拆分后分批导入', 'file');
        }
        throw e;
      }
      return service.importPayments(ctx, actor, { content, dryRun: req.query.dryRun });
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
