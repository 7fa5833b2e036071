import { CHINA_OFFSET_MS } from '../../shared/china-time.js';

/**
 * How every .xlsx the product writes prints and shows dates — one definition for the streaming
 * writer (lib/xlsx-writer.ts, the ledgers) and for exceljs workbooks (`printLayout` in lib/xlsx.ts:
 * the roster, templates, rejected rows). A4 landscape, one page wide (as many pages long as it
 * takes), the head rows repeated on every page, page numbers centred in the footer; a watermark,
 * when there is one, goes in the header so the two never print over each other.
 */
export const PAGE = {
  paperSize: 9 /* A4 */,
  orientation: 'landscape',
  fitToWidth: 1,
  fitToHeight: 0,
} as const;
export const PAGE_MARGINS = { left: 0.4, right: 0.4, top: 0.6, bottom: 0.6, header: 0.25, footer: 0.25 };

/** Footer of every printed page: 第 3 页 / 共 12 页, centred. */
export const PAGE_NUMBER_FOOTER = '&C&9第 &P 页 / 共 &N 页';

/** Date and date-time cells: real dates (filters, sorting, arithmetic), shown the Chinese way. */
export const DATE_FORMAT = 'yyyy"年"m"月"d"日"';
export const DATETIME_FORMAT = 'yyyy"年"m"月"d"日" hh:mm';

const DAY_MS = 86_400_000;
/** 1899-12-30, day 0 of Excel's 1900 date system as it counts from March 1900 on. */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);

/**
 * A moment as an Excel date serial in China time (a cell has no zone; its readers are in China):
 * whole days since 1899-12-30 plus the fraction of the day, to the second.
 */
export function excelDateTime(at: Date): number {
  const ms = at.getTime() + CHINA_OFFSET_MS - EXCEL_EPOCH_MS;
  return Math.round(ms / 1000) / 86_400;
}

/** A calendar date (YYYY-MM-DD) as an Excel date serial. */
export function excelDate(day: string): number {
  const [y, m, d] = day.split('-').map(Number);
  return (Date.UTC(y, m - 1, d) - EXCEL_EPOCH_MS) / DAY_MS;
}

/**
 * An exceljs Date for a moment, such that exceljs (which writes a Date's UTC fields) stores the
 * China wall-clock time.
 */
export const chinaWallClock = (at: Date): Date => new Date(at.getTime() + CHINA_OFFSET_MS);
