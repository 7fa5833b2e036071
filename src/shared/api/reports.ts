import { z } from 'zod';
import { endpoint } from './contract.js';
import { IdParams } from './shapes.js';

const TAGS = ['文书'];
const PDF = { mime: 'application/pdf', description: 'PDF 文件' } as const;
const Inline = z.object({ inline: z.enum(['1', '0']).optional() });
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, '月报期间格式应为 YYYY-MM');

export const getPersonDossier = endpoint({
  method: 'GET',
  path: '/api/persons/:id/dossier.pdf',
  operationId: 'getPersonDossier',
  summary: '一人一档 PDF（按角色脱敏，记入审计）',
  tags: TAGS,
  permission: 'persons.read',
  params: IdParams,
  query: Inline,
  file: PDF,
});

export const previewMonthlyReport = endpoint({
  method: 'GET',
  path: '/api/reports/monthly.pdf',
  operationId: 'previewMonthlyReport',
  summary: '预览月报 PDF（不保存；保存用 POST /api/reports/monthly）',
  tags: TAGS,
  permission: 'reports.read',
  query: Inline.extend({ period: Month, areaId: z.coerce.number().int().positive().optional() }),
  file: PDF,
});

export const createMonthlyReport = endpoint({
  method: 'POST',
  path: '/api/reports/monthly',
  operationId: 'createMonthlyReport',
  summary: '生成并保存月报 PDF（各镇街指标、图表、考核排名），答复该 PDF',
  tags: TAGS,
  permission: 'reports.read',
  body: z.object({ period: Month, areaId: z.number().int().positive().optional() }),
  file: PDF,
  example: { period: '2026-11' },
});

export const Report = z.object({
  id: z.number(),
  period: z.string(),
  areaId: z.number(),
  areaName: z.string(),
  filename: z.string(),
  size: z.number(),
  sha256: z.string(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
});

export const listReports = endpoint({
  method: 'GET',
  path: '/api/reports',
  operationId: 'listReports',
  summary: '已生成的月报',
  tags: TAGS,
  permission: 'reports.read',
  query: z.object({
    areaId: z.coerce.number().int().positive().optional(),
    period: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, '期间格式应为 YYYY-MM')
      .optional(),
    before: z.coerce.number().int().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  }),
  responses: { 200: z.object({ items: z.array(Report), nextBefore: z.number().nullable() }) },
});

export const getReportFile = endpoint({
  method: 'GET',
  path: '/api/reports/:id/file.pdf',
  operationId: 'getReportFile',
  summary: '再次下载已保存的月报',
  tags: TAGS,
  permission: 'reports.read',
  params: IdParams,
  query: Inline,
  file: PDF,
});
