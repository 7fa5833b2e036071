import { randomBytes } from 'node:crypto';
import type ExcelJS from 'exceljs';
import { ExportReason } from '../../../shared/api/export-reason.js';
import { chinaDateTime } from '../../../shared/china-time.js';
import type { Ctx } from '../../context.js';
import { badRequest } from '../../http/errors.js';
import type { Actor } from '../../http/scope.js';
import { PAGE_NUMBER_FOOTER } from '../../lib/sheet-layout.js';
import { appendAudit } from './repo.js';

/** The stated purpose of an export of full ID numbers and phones: declared once, in the contract. */
export { ExportReason };

/** What an export of full numbers carries: who, when, why, and an id that finds its audit row. */
export interface ExportWatermark {
  exportId: string;
  text: string;
  actor: string;
  at: Date;
  reason: string;
}

/**
 * Gate for every export that contains full (unmasked) ID numbers or phones: a reason is required,
 * the export is written to the audit log before any data leaves (in its own transaction, so an
 * export cut short is still on record), and the returned watermark goes into the file.
 */
export async function authorizeFullNumberExport(
  ctx: Ctx,
  actor: Actor,
  o: {
    what: string;
    reason: string | undefined;
    areaId?: number | null;
    ip?: string | null;
    filter?: unknown;
  },
): Promise<ExportWatermark> {
  const parsed = ExportReason.safeParse(o.reason ?? '');
  if (!parsed.success) throw badRequest(parsed.error.issues[0].message, 'reason');
  const at = ctx.clock.now();
  const exportId = randomBytes(6).toString('hex');
  const who = `${actor.displayName}（${actor.username}）`;
  await appendAudit(ctx.db, {
    at,
    actorId: actor.userId,
    action: 'export.full_numbers',
    entity: 'export',
    entityId: exportId,
    areaId: o.areaId ?? null,
    detail: { what: o.what, reason: parsed.data, filter: o.filter ?? null },
    ip: o.ip ?? null,
  });
  return {
    exportId,
    actor: who,
    at,
    reason: parsed.data,
    text: `${who} 于 ${chinaDateTime(at)} 导出 · 用途：${parsed.data} · 编号 ${exportId} · 含完整身份证号和电话，仅限本次用途，不得外传`,
  };
}

/**
 * Marks a workbook: the watermark in every printed page's header and footer, in the document
 * properties, and on a sheet of its own ("导出说明"). Call before the first row is committed; the
 * data sheet keeps its layout, so an exported roster can still be imported again.
 */
export function watermarkWorkbook(
  wb: ExcelJS.Workbook | ExcelJS.stream.xlsx.WorkbookWriter,
  sheet: ExcelJS.Worksheet,
  wm: ExportWatermark,
) {
  wb.creator = wm.actor;
  wb.lastModifiedBy = wm.actor;
  wb.created = wm.at;
  (wb as ExcelJS.Workbook).description = wm.text;
  (wb as ExcelJS.Workbook).keywords = watermarkKeywords(wm);
  const hf = watermarkHeaderFooter(wm);
  sheet.headerFooter.oddHeader = hf.header;
  sheet.headerFooter.oddFooter = hf.footer;
  sheet.headerFooter.evenHeader = hf.header;
  sheet.headerFooter.evenFooter = hf.footer;
}

/** The keywords property that finds a file's export (and so its audit row). */
export const watermarkKeywords = (wm: ExportWatermark) => `export:${wm.exportId}`;

/**
 * Excel header and footer codes printing the watermark on every page (one rule for every workbook):
 * the watermark across the header, the page numbers alone in the footer — on one line they printed
 * over each other.
 */
export function watermarkHeaderFooter(wm: ExportWatermark): { header: string; footer: string } {
  const escaped = wm.text.replace(/&/g, '&&');
  return { header: `&C&8${escaped}`, footer: PAGE_NUMBER_FOOTER };
}

/** The rows of the notice sheet ("导出说明") of a full-number export. */
export function watermarkNotice(wm: ExportWatermark): [string, string][] {
  return [
    ['导出人', wm.actor],
    ['导出时间', chinaDateTime(wm.at)],
    ['用途', wm.reason],
    ['导出编号', wm.exportId],
    [
      '说明',
      '本文件含完整身份证号码和电话，属敏感个人信息：仅限上述用途使用，不得复制外传，用毕删除。导出已记入审计日志。',
    ],
  ];
}

/** The notice sheet's name and column widths. */
export const WATERMARK_SHEET = { name: '导出说明', columns: [14, 80] } as const;

/** The notice sheet; for streamed workbooks add it after the data sheet is committed. */
export function addWatermarkSheet(
  wb: ExcelJS.Workbook | ExcelJS.stream.xlsx.WorkbookWriter,
  wm: ExportWatermark,
) {
  const ws = wb.addWorksheet(WATERMARK_SHEET.name);
  ws.columns = WATERMARK_SHEET.columns.map((width) => ({ width }));
  for (const [k, v] of watermarkNotice(wm)) {
    const row = ws.addRow([k, v]);
    row.getCell(1).font = { bold: true };
    (row as ExcelJS.Row & { commit?: () => void }).commit?.();
  }
  (ws as ExcelJS.Worksheet & { commit?: () => void }).commit?.();
}
