import { z } from 'zod';
import { endpoint } from './contract.js';
import { ExportReason } from './export-reason.js';

const TAGS = ['台账'];

const XLSX = {
  mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  description: 'Excel 工作簿（流式发送，无 Content-Length）。含完整号码时带水印与告知页',
} as const;

/** A ledger's slice: the period (a month or its half), the area, and the purpose of full numbers. */
export const LedgerQuery = z.object({
  period: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])(-[12])?$/, '期间格式应为 YYYY-MM 或 YYYY-MM-1 / YYYY-MM-2')
    .optional(),
  areaId: z.coerce.number().int().positive().optional(),
  reason: ExportReason.optional().describe(
    '导出完整身份证号码的用途（至少 4 个字；仅限可查看完整号码的角色）。不填则号码脱敏',
  ),
});
export type LedgerQuery = z.input<typeof LedgerQuery>;

const GUARD =
  '不填 reason 时身份证号脱敏；填写用途时需可查看完整号码的权限，导出在第一个字节发出前记入审计日志，文件带水印和告知页。' +
  '他人辖区的 areaId 应答 404。';

export const visitsLedger = endpoint({
  method: 'GET',
  path: '/api/ledger/visits.xlsx',
  operationId: 'downloadVisitsLedger',
  summary: '探访记录台账（每次探访一行，检查项列来自探访清单定义）',
  description: GUARD,
  tags: TAGS,
  permission: 'ledger.export',
  query: LedgerQuery,
  file: XLSX,
});

export const concernsLedger = endpoint({
  method: 'GET',
  path: '/api/ledger/concerns.xlsx',
  operationId: 'downloadConcernsLedger',
  summary: '问题整改台账（本期登记或本期内未办结的诉求，含期限与状态）',
  description: GUARD,
  tags: TAGS,
  permission: 'ledger.export',
  query: LedgerQuery,
  file: XLSX,
});
