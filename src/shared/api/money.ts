import { z } from 'zod';
import { PAYMENT_KINDS } from '../care.js';
import { SELF_CARE_LEVELS } from '../person.js';
import { endpoint } from './contract.js';
import { DateStr, MonthStr } from './dates.js';
import { ImportRejections, UPLOAD_LIMITS } from './uploads.js';

const TAGS = ['资金保障'];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Limits of the money API, for the server and the console alike. */
export const MONEY_LIMITS = {
  /** One payment's amount, yuan. */
  amountMax: 100000,
  /** Months of a person's payment history. */
  historyMonthsMax: 60,
  historyMonthsDefault: 12,
  badRowsToken: 100,
} as const;

/** One person's payment of one kind in the grid: due, paid, when, and whether it was recorded. */
export const PaymentCell = z.object({
  due: z.number(),
  paid: z.number(),
  paidOn: z.string().nullable(),
  recorded: z.boolean(),
});
export type PaymentCell = z.output<typeof PaymentCell>;

export const PaymentGrid = z.object({
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
      allowance: PaymentCell,
      careFee: PaymentCell,
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
});
export type PaymentGrid = z.output<typeof PaymentGrid>;

export const PaymentsImportResult = z
  .object({
    dryRun: z.boolean(),
    total: z.number(),
    created: z.number(),
    updated: z.number(),
  })
  .extend(ImportRejections.shape);
export type PaymentsImportResult = z.output<typeof PaymentsImportResult>;

const Amount = z.number().min(0, '金额不能为负数').max(MONEY_LIMITS.amountMax);

export const getPaymentGrid = endpoint({
  method: 'GET',
  path: '/api/payments',
  operationId: 'getPaymentGrid',
  summary: '资金发放表：某辖区某月每人基本生活费、照料护理费的应发与实发',
  tags: TAGS,
  query: z.object({ areaId: z.coerce.number().int(), month: MonthStr }),
  responses: { 200: PaymentGrid },
});

export const listPersonPayments = endpoint({
  method: 'GET',
  path: '/api/payments/person/:personId',
  operationId: 'listPersonPayments',
  summary: '某对象近若干个月的发放记录',
  tags: TAGS,
  params: z.object({ personId: z.coerce.number().int() }),
  query: z.object({
    months: z.coerce
      .number()
      .int()
      .min(1)
      .max(MONEY_LIMITS.historyMonthsMax)
      .default(MONEY_LIMITS.historyMonthsDefault),
  }),
  responses: {
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
});

export const recordPayment = endpoint({
  method: 'PUT',
  path: '/api/payments',
  operationId: 'recordPayment',
  summary: '登记一笔发放（同人同月同类再次登记则更新）',
  tags: TAGS,
  body: z.object({
    personId: z.number().int().positive(),
    month: MonthStr,
    kind: z.enum(PAYMENT_KINDS),
    amountDue: Amount,
    amountPaid: Amount,
    paidOn: DateStr.nullable().optional(),
  }),
  example: {
    personId: 1024,
    month: '2026-02',
    kind: 'allowance',
    amountDue: 1200,
    amountPaid: 1200,
    paidOn: '2026-02-10',
  },
});

export const importPayments = endpoint({
  method: 'POST',
  path: '/api/payments/import',
  operationId: 'importPayments',
  summary: '导入月度资金发放名单 .xlsx（multipart 字段 file；dryRun=true 只检查不写入）',
  description: `文件不超过 ${UPLOAD_LIMITS.paymentsBytes / 1024 / 1024} MB。`,
  tags: TAGS,
  permission: 'money.write',
  query: z.object({
    dryRun: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
  }),
  upload: { field: 'file', description: '资金发放名单 .xlsx（按模板）' },
  responses: { 200: PaymentsImportResult },
});

export const getPaymentsBadRows = endpoint({
  method: 'GET',
  path: '/api/payments/import/bad-rows/:token',
  operationId: 'getPaymentsImportBadRows',
  summary: '下载未导入的行（.xlsx，含原因列；仅导入者本人）',
  tags: TAGS,
  permission: 'money.write',
  params: z.object({ token: z.string().max(MONEY_LIMITS.badRowsToken) }),
  file: { mime: XLSX, description: '未导入的行（.xlsx）' },
});

export const getPaymentsTemplate = endpoint({
  method: 'GET',
  path: '/api/payments/template.xlsx',
  operationId: 'getPaymentsTemplate',
  summary: '资金发放名单模板（.xlsx）',
  tags: TAGS,
  permission: 'money.read',
  file: { mime: XLSX, description: '资金发放名单模板（.xlsx）' },
});
