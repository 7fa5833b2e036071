import type { Writable } from 'node:stream';
import { crc32, createDeflateRaw, type DeflateRaw, deflateRawSync } from 'node:zlib';
import { CHINA_OFFSET_MS } from '../../shared/china-time.js';
import { neutraliseFormula } from '../../shared/spreadsheet-text.js';
import {
  DATE_FORMAT,
  DATETIME_FORMAT,
  excelDate,
  excelDateTime,
  PAGE,
  PAGE_MARGINS,
  PAGE_NUMBER_FOOTER,
} from './sheet-layout.js';

/**
 * A small streaming .xlsx writer for large exports (the ledgers), without exceljs' object per cell:
 * a row becomes its XML in one string, the XML goes through node:zlib's deflate (on the libuv thread
 * pool, beside the main thread) into a zip written straight to `out`.
 *
 *     const w = new XlsxWriter(out, { creator: 'tanfang' });
 *     w.sheet('台账', { columns: [7, 17, 12], frozen: { xSplit: 1, ySplit: 2 }, head: [
 *       { values: ['东胜区 台账'], style: 'title' }, { values: ['序号', '时间', '镇'], style: 'header' }] });
 *     for (const batch of batches) { for (const r of batch) w.row([r.n, r.at, r.town]); await w.flush(); }
 *     await w.finish(); // ends `out`
 *
 * Cells: strings are inline strings (no shared-string table to hold), numbers numbers, booleans
 * booleans, a Date a date-time cell and `day('2026-03-05')` a date cell (real dates, China time,
 * shown as 2026年3月5日); null, undefined and '' leave the cell out. Text that a spreadsheet would
 * read as a formula after a CSV round trip is neutralised (shared/spreadsheet-text.ts). Every sheet
 * prints A4 landscape, one page wide, its head rows repeated on each page, page numbers in the
 * footer (lib/sheet-layout.ts). XML 1.0 cannot carry most control characters,
 * lone surrogates or U+FFFE/U+FFFF: they are dropped; a string longer than Excel's 32,767 characters is
 * cut there. Styles are fixed (`RowStyle`). A sheet holds at most `maxRowsPerSheet` rows (Excel's
 * 1,048,576): the rows after continue on a sheet named '<name> (2)', '(3)', … with the same columns,
 * frozen panes and head rows.
 *
 * The zip: each sheet is one entry streamed with a data descriptor (its sizes and CRC come after the
 * data); the small fixed parts are written at the end with known sizes. zip64 as Go's archive/zip does
 * it, only where a value does not fit: an entry whose sizes reach 0xFFFFFFFF gets a 64-bit data
 * descriptor and a zip64 extra field in the central directory (so does an entry starting at or past
 * 4 GiB), and the archive a zip64 end of central directory record and locator when the directory's
 * offset or size reach 4 GiB. Unlike Go, a sheet's local header says version 4.5 (see
 * `versionNeeded`). A ledger sheet is at most ~2.3 GB of XML (1,048,576 rows) and the file some
 * 250 MB, so zip64 is written only for very wide rows; LibreOffice reads zip64 from 7.6 on.
 */

/** A calendar date cell (no time): `day('2026-03-05')`. */
export interface DayCell {
  readonly day: string;
}
export const day = (iso: string): DayCell => ({ day: iso });

export type Cell = string | number | boolean | Date | DayCell | null | undefined;

/** 'title': bold 13 pt; 'header': bold, wrapped, centred vertically. No style: the default. */
export type RowStyle = 'title' | 'header';

export interface HeadRow {
  values: readonly Cell[];
  style?: RowStyle;
}

export interface SheetOptions {
  /** Column widths in characters from column A; 0 or undefined keeps Excel's default width. */
  columns?: readonly (number | undefined)[];
  /** Frozen panes: the first `xSplit` columns and `ySplit` rows stay in view. */
  frozen?: { xSplit: number; ySplit: number };
  /** Rows written first, and again first on every continuation sheet (a title, the header). */
  head?: readonly HeadRow[];
  /**
   * Printed page header and footer, in Excel's codes (`&C`, `&P`, …), on every page. Without a
   * footer the page numbers are printed (`PAGE_NUMBER_FOOTER`).
   */
  headerFooter?: { header?: string; footer?: string };
}

export interface XlsxWriterOptions {
  /** dc:creator of the workbook. */
  creator?: string;
  /** Creation time written into the workbook's properties and the zip entries (default: now). */
  created?: Date;
  /** dc:description and cp:keywords of the workbook (an export's watermark and id). */
  description?: string;
  keywords?: string;
  /** Rows per sheet, head rows included, before the rows continue on a new sheet (default 1,048,576). */
  maxRowsPerSheet?: number;
  /** Deflate level (default `DEFAULT_LEVEL`). */
  level?: number;
  /** @internal for tests: sizes and offsets from which zip64 records are written (default 0xFFFFFFFF). */
  zip64Threshold?: number;
}

/** Excel's row limit per sheet. */
export const EXCEL_MAX_ROWS = 1_048_576;
const EXCEL_MAX_COLS = 16_384;
const EXCEL_MAX_TEXT = 32_767;

/**
 * Deflate level 1. Measured on the bench's 61,379-row visit ledger (53 columns, 2.1 KB of XML a row,
 * 130 MB) on the 2-core server: level 1 deflates 636 MB/s into 12.3 MB, level 6 195 MB/s into 10.3 MB
 * (-17%). Deflate runs on the thread pool beside the main thread, but the two cores are shared with
 * PostgreSQL, which answers the export's own queries: at level 6 the writer waited for the compressor
 * 1.5-1.8 s per export instead of 0.2-0.8 s, and the export took 0.4-0.9 s longer (3.9-5.8 against
 * 3.4-4.5 s, alternating runs on a shared machine), some 10-15 s for a 1.2-million-row month against
 * 40 MB more to download: less than the time saved down to about 30 Mbit/s.
 */
export const DEFAULT_LEVEL = 1;

/**
 * XML is encoded row by row into a buffer of this size, handed to deflate when full. Encoding each
 * row's string into a buffer is 6 times faster than building a long string and `Buffer.from` on it
 * (measured: 0.19 against 1.18 s for 61,369 ledger rows): V8 then flattens a rope of thousands of
 * pieces and encodes it in one go, which was a quarter of the export's time.
 */
const CHUNK = 1 << 18;
/** `flush()` waits while more than this many bytes wait for deflate (about two batches of rows). */
const BACKLOG = 8 << 20;

const MAX32 = 0xffffffff;
const MAX16 = 0xffff;

const NS_MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const NS_R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const NS_PKG_R = 'http://schemas.openxmlformats.org/package/2006/relationships';
const XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/** Style index in styles.xml's cellXfs. */
const STYLE_INDEX: Record<RowStyle, number> = { title: 1, header: 2 };
const DATETIME_STYLE = 3;
const DATE_STYLE = 4;

const STYLES_XML =
  `${XML_DECL}<styleSheet xmlns="${NS_MAIN}">` +
  `<numFmts count="2"><numFmt numFmtId="164" formatCode="${DATETIME_FORMAT.replace(/"/g, '&quot;')}"/>` +
  `<numFmt numFmtId="165" formatCode="${DATE_FORMAT.replace(/"/g, '&quot;')}"/></numFmts>` +
  '<fonts count="3">' +
  '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>' +
  '<font><b/><sz val="13"/><name val="Calibri"/><family val="2"/></font>' +
  '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>' +
  '</fonts>' +
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="5">' +
  '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
  '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>' +
  '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">' +
  '<alignment vertical="center" wrapText="1"/></xf>' +
  '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
  '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
  '</cellXfs>' +
  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
  '</styleSheet>';

// ---------------------------------------------------------------------------------------------------
// XML text

/** Characters that need work: markup, characters XML 1.0 forbids, any surrogate (pairs are kept). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters XML 1.0 cannot hold
const SPECIAL = /[&<>\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;
const REPLACE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the same, and lone surrogates
  /[&<>]|[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const replaceChar = (c: string) => ENTITY[c] ?? '';

/** `s` as XML character data: `& < >` escaped, characters XML cannot hold dropped. */
export function xmlText(s: string): string {
  return SPECIAL.test(s) ? s.replace(REPLACE, replaceChar) : s;
}

/** `s` as an XML attribute value (in double quotes). */
function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;');
}

/** An inline-string cell's content: `<t>`, with xml:space="preserve" when it starts or ends with a space. */
function inlineText(v: string): string {
  let s = v.length > EXCEL_MAX_TEXT ? v.slice(0, EXCEL_MAX_TEXT) : v;
  s = xmlText(s);
  const last = s.length - 1;
  return last >= 0 && (s.charCodeAt(0) <= 32 || s.charCodeAt(last) <= 32)
    ? `<is><t xml:space="preserve">${s}</t></is>`
    : `<is><t>${s}</t></is>`;
}

/** Column letters, A at 0; grown on demand. */
const LETTERS: string[] = [];
function columnName(i: number): string {
  while (LETTERS.length <= i) {
    let n = LETTERS.length + 1;
    let name = '';
    while (n > 0) {
      const m = (n - 1) % 26;
      name = String.fromCharCode(65 + m) + name;
      n = (n - m - 1) / 26;
    }
    LETTERS.push(name);
  }
  return LETTERS[i];
}

/** Excel's rules for sheet names: 31 characters at most, none of []:*?/\, no quote at either end. */
function cleanSheetName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are no name's
  let s = name.replace(/[\x00-\x1F[\]:*?/\\]/g, '_').replace(/^'+|'+$/g, '');
  if (!s) s = 'Sheet';
  if (s.toLowerCase() === 'history') s = `${s}_`;
  return s;
}

function cut(s: string, n: number): string {
  if (s.length <= n) return s;
  const c = s.charCodeAt(n - 1);
  return s.slice(0, c >= 0xd800 && c <= 0xdbff ? n - 1 : n);
}

function sheetStart(o: SheetOptions, first: boolean): string {
  let x = `${XML_DECL}<worksheet xmlns="${NS_MAIN}" xmlns:r="${NS_R}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><sheetViews><sheetView workbookViewId="0"${first ? ' tabSelected="1"' : ''}`;
  const xs = o.frozen?.xSplit ?? 0;
  const ys = o.frozen?.ySplit ?? 0;
  if (xs > 0 || ys > 0) {
    const pane = xs > 0 && ys > 0 ? 'bottomRight' : ys > 0 ? 'bottomLeft' : 'topRight';
    const topLeft = `${columnName(xs)}${ys + 1}`;
    x +=
      `><pane${xs > 0 ? ` xSplit="${xs}"` : ''}${ys > 0 ? ` ySplit="${ys}"` : ''} topLeftCell="${topLeft}"` +
      ` activePane="${pane}" state="frozen"/><selection pane="${pane}" activeCell="${topLeft}" sqref="${topLeft}"/></sheetView>`;
  } else {
    x += '/>';
  }
  x += '</sheetViews><sheetFormatPr defaultRowHeight="15"/>';
  const w = o.columns ?? [];
  let cols = '';
  for (let i = 0; i < w.length; ) {
    let j = i;
    while (j + 1 < w.length && w[j + 1] === w[i]) j++;
    const width = w[i];
    if (width && width > 0) cols += `<col min="${i + 1}" max="${j + 1}" width="${width}" customWidth="1"/>`;
    i = j + 1;
  }
  if (cols) x += `<cols>${cols}</cols>`;
  return `${x}<sheetData>`;
}

const PAGE_XML =
  `<pageMargins left="${PAGE_MARGINS.left}" right="${PAGE_MARGINS.right}" top="${PAGE_MARGINS.top}"` +
  ` bottom="${PAGE_MARGINS.bottom}" header="${PAGE_MARGINS.header}" footer="${PAGE_MARGINS.footer}"/>` +
  `<pageSetup paperSize="${PAGE.paperSize}" orientation="${PAGE.orientation}"` +
  ` fitToWidth="${PAGE.fitToWidth}" fitToHeight="${PAGE.fitToHeight}"/>`;

function sheetEnd(o: SheetOptions): string {
  const hf = o.headerFooter;
  const footer = hf?.footer ?? PAGE_NUMBER_FOOTER;
  const parts =
    (hf?.header ? `<oddHeader>${xmlText(hf.header)}</oddHeader>` : '') +
    (footer ? `<oddFooter>${xmlText(footer)}</oddFooter>` : '');
  return `</sheetData>${PAGE_XML}${parts ? `<headerFooter>${parts}</headerFooter>` : ''}</worksheet>`;
}

/** A sheet name in a formula: quoted, quotes doubled. */
const sheetRef = (name: string) => `'${name.replace(/'/g, "''")}'`;

// ---------------------------------------------------------------------------------------------------
// zip records

interface Entry {
  name: Buffer;
  /** Bit 3 (sizes in a data descriptor after the data) and bit 11 (UTF-8 name). */
  flags: number;
  crc: number;
  csize: number;
  usize: number;
  offset: number;
  /** The sizes need 64 bits: 64-bit data descriptor or local extra field, central extra field. */
  zip64: boolean;
}

/** A zip entry's time is wall-clock time without a zone: China time, as its users read it. */
function dosTime(at: Date): { time: number; date: number } {
  const d = new Date(at.getTime() + CHINA_OFFSET_MS);
  if (d.getUTCFullYear() < 1980) return { time: 0, date: (1 << 5) | 1 };
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

function u64(b: Buffer, n: number, at: number) {
  b.writeBigUInt64LE(BigInt(n), at);
}

/**
 * "Version needed to extract": 4.5 (zip64) for a streamed entry, which may turn out larger than 4 GiB
 * when its header is long written. Excel offers to repair a workbook whose sheet is larger than 4 GiB
 * when the sheet's local header says 2.0 (found by the author of opczip, rzymek.github.io/post/excel-zip64);
 * Go's archive/zip writes 2.0 there. Other entries: 2.0 unless they use zip64.
 */
const versionNeeded = (e: Entry, zip64: boolean) => (zip64 || e.flags & 8 ? 45 : 20);

/** Local file header; for a streamed entry (flag bit 3) CRC and sizes are 0 and follow the data. */
function localHeader(e: Entry, t: { time: number; date: number }): Buffer {
  const streamed = (e.flags & 8) !== 0;
  const extra = !streamed && e.zip64 ? 20 : 0;
  const n = e.name.length;
  const b = Buffer.alloc(30 + n + extra);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(versionNeeded(e, extra > 0), 4);
  b.writeUInt16LE(e.flags, 6);
  b.writeUInt16LE(8, 8);
  b.writeUInt16LE(t.time, 10);
  b.writeUInt16LE(t.date, 12);
  if (!streamed) {
    b.writeUInt32LE(e.crc, 14);
    b.writeUInt32LE(extra ? MAX32 : e.csize, 18);
    b.writeUInt32LE(extra ? MAX32 : e.usize, 22);
  }
  b.writeUInt16LE(n, 26);
  b.writeUInt16LE(extra, 28);
  e.name.copy(b, 30);
  if (extra) {
    b.writeUInt16LE(0x0001, 30 + n);
    b.writeUInt16LE(16, 32 + n);
    u64(b, e.usize, 34 + n);
    u64(b, e.csize, 42 + n);
  }
  return b;
}

/** Data descriptor after a streamed entry: 64-bit sizes when the entry needs zip64 (as Go writes it). */
function dataDescriptor(e: Entry): Buffer {
  const b = Buffer.alloc(e.zip64 ? 24 : 16);
  b.writeUInt32LE(0x08074b50, 0);
  b.writeUInt32LE(e.crc, 4);
  if (e.zip64) {
    u64(b, e.csize, 8);
    u64(b, e.usize, 16);
  } else {
    b.writeUInt32LE(e.csize, 8);
    b.writeUInt32LE(e.usize, 12);
  }
  return b;
}

/**
 * Central directory header. The zip64 extra field holds, in this order, the uncompressed size, the
 * compressed size and the offset, each only when its 32-bit field says 0xFFFFFFFF (APPNOTE 4.5.3).
 */
function centralHeader(e: Entry, t: { time: number; date: number }, zip64At: number): Buffer {
  const off64 = e.offset >= zip64At;
  const extra = (e.zip64 ? 16 : 0) + (off64 ? 8 : 0);
  const n = e.name.length;
  const b = Buffer.alloc(46 + n + (extra ? 4 + extra : 0));
  const version = versionNeeded(e, e.zip64 || off64);
  b.writeUInt32LE(0x02014b50, 0);
  b.writeUInt16LE(version, 4);
  b.writeUInt16LE(version, 6);
  b.writeUInt16LE(e.flags, 8);
  b.writeUInt16LE(8, 10);
  b.writeUInt16LE(t.time, 12);
  b.writeUInt16LE(t.date, 14);
  b.writeUInt32LE(e.crc, 16);
  b.writeUInt32LE(e.zip64 ? MAX32 : e.csize, 20);
  b.writeUInt32LE(e.zip64 ? MAX32 : e.usize, 24);
  b.writeUInt16LE(n, 28);
  b.writeUInt16LE(extra ? 4 + extra : 0, 30);
  // comment length, disk number, internal and external attributes: 0
  b.writeUInt32LE(off64 ? MAX32 : e.offset, 42);
  e.name.copy(b, 46);
  if (extra) {
    let at = 46 + n;
    b.writeUInt16LE(0x0001, at);
    b.writeUInt16LE(extra, at + 2);
    at += 4;
    if (e.zip64) {
      u64(b, e.usize, at);
      u64(b, e.csize, at + 8);
      at += 16;
    }
    if (off64) u64(b, e.offset, at);
  }
  return b;
}

/** End of central directory, preceded by the zip64 record and locator when a value does not fit. */
function endRecords(records: number, cdOffset: number, cdSize: number, zip64At: number): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const zip64 = records >= MAX16 || cdOffset >= zip64At || cdSize >= zip64At;
  end.writeUInt16LE(zip64 ? MAX16 : records, 8);
  end.writeUInt16LE(zip64 ? MAX16 : records, 10);
  end.writeUInt32LE(zip64 ? MAX32 : cdSize, 12);
  end.writeUInt32LE(zip64 ? MAX32 : cdOffset, 16);
  if (!zip64) return end;
  const z = Buffer.alloc(56 + 20);
  z.writeUInt32LE(0x06064b50, 0);
  u64(z, 44, 4); // size of the rest of the record
  z.writeUInt16LE(45, 12);
  z.writeUInt16LE(45, 14);
  // number of this disk, disk of the central directory: 0
  u64(z, records, 24);
  u64(z, records, 32);
  u64(z, cdSize, 40);
  u64(z, cdOffset, 48);
  z.writeUInt32LE(0x07064b50, 56);
  // disk of the zip64 end record: 0
  u64(z, cdOffset + cdSize, 64);
  z.writeUInt32LE(1, 72);
  return Buffer.concat([z, end]);
}

// ---------------------------------------------------------------------------------------------------

interface OpenSheet {
  /** Name given to sheet(), cleaned; continuations are '<base> (2)', … */
  base: string;
  part: number;
  opts: SheetOptions;
  entry: Entry;
  deflate: DeflateRaw;
  rows: number;
}

/** Thrown by `flush()` and `finish()` when `out` was destroyed: its reader went away. */
export class ExportClosedError extends Error {
  constructor() {
    super('export stream closed by its reader');
  }
}

export class XlsxWriter {
  private readonly creator: string;
  private readonly created: Date;
  private readonly description: string;
  private readonly keywords: string;
  private readonly time: { time: number; date: number };
  private readonly maxRows: number;
  private readonly level: number;
  private readonly zip64At: number;
  /** Finished entries, in the order of their data in the file. */
  private readonly entries: Entry[] = [];
  private readonly sheetNames: string[] = [];
  /** Head rows of each sheet (printed again on every page). */
  private readonly headRows: number[] = [];
  private readonly deflates = new Set<DeflateRaw>();
  private sheetOpen: OpenSheet | null = null;
  /** Uncompressed XML of the open sheet not yet handed to deflate: `chunk` up to `used`. */
  private chunk = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  /** Bytes handed to deflate and not yet taken by it (all sheets). */
  private backlog = 0;
  /** Bytes written to `out`: the offset of the next record. */
  private offset = 0;
  /** Entries reach `out` one after another: each sheet's output waits here for the one before. */
  private tail: Promise<void> = Promise.resolve();
  private failed: Error | null = null;
  private done = false;
  private waiters: (() => void)[] = [];
  private readonly wake = () => {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  };

  constructor(
    private readonly out: Writable,
    opts: XlsxWriterOptions = {},
  ) {
    this.creator = opts.creator ?? '';
    this.created = opts.created ?? new Date();
    this.description = opts.description ?? '';
    this.keywords = opts.keywords ?? '';
    this.time = dosTime(this.created);
    this.maxRows = opts.maxRowsPerSheet ?? EXCEL_MAX_ROWS;
    this.level = opts.level ?? DEFAULT_LEVEL;
    this.zip64At = opts.zip64Threshold ?? MAX32;
    if (!(this.maxRows >= 1 && this.maxRows <= EXCEL_MAX_ROWS))
      throw new RangeError(`maxRowsPerSheet must be 1..${EXCEL_MAX_ROWS}`);
    // The reader went away (or the caller destroyed `out` after an error): close the compressors now.
    out.on('close', () => (out.writableFinished ? this.wake() : this.abort(new ExportClosedError())));
  }

  /** Names of the sheets begun so far, continuations included. */
  get sheets(): readonly string[] {
    return this.sheetNames;
  }

  /** Ends the sheet being written, if any, and begins one; its head rows are written at once. */
  sheet(name: string, opts: SheetOptions = {}): void {
    this.usable();
    if ((opts.head?.length ?? 0) >= this.maxRows)
      throw new RangeError('the head rows leave no room for data rows in a sheet');
    if (this.sheetOpen) this.endSheet();
    this.beginSheet(cleanSheetName(name), opts, 1);
  }

  /**
   * Appends a row to the current sheet (on a continuation sheet when it is full). Cells go from
   * column A; null, undefined and '' leave a cell out.
   */
  row(values: readonly Cell[], style?: RowStyle): void {
    let sh = this.sheetOpen;
    if (!sh) throw new Error(this.done ? 'workbook already finished' : 'row() before sheet()');
    if (sh.rows >= this.maxRows) {
      this.endSheet();
      this.beginSheet(sh.base, sh.opts, sh.part + 1);
      sh = this.sheetOpen!;
    }
    if (values.length > EXCEL_MAX_COLS) throw new RangeError(`more than ${EXCEL_MAX_COLS} columns`);
    if (LETTERS.length < values.length) columnName(values.length - 1);
    const r = sh.rows + 1;
    const s = style ? ` s="${STYLE_INDEX[style]}"` : '';
    let x = style ? `<row r="${r}"${s} customFormat="1">` : `<row r="${r}">`;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v == null || v === '') continue;
      if (typeof v === 'string')
        x += `<c r="${LETTERS[i]}${r}"${s} t="inlineStr">${inlineText(neutraliseFormula(v))}</c>`;
      else if (typeof v === 'number')
        x += Number.isFinite(v)
          ? `<c r="${LETTERS[i]}${r}"${s}><v>${v}</v></c>`
          : `<c r="${LETTERS[i]}${r}"${s} t="inlineStr">${inlineText(String(v))}</c>`;
      else if (typeof v === 'boolean') x += `<c r="${LETTERS[i]}${r}"${s} t="b"><v>${v ? 1 : 0}</v></c>`;
      else if (v instanceof Date)
        x += Number.isFinite(v.getTime())
          ? `<c r="${LETTERS[i]}${r}" s="${DATETIME_STYLE}"><v>${excelDateTime(v)}</v></c>`
          : '';
      else if (typeof v === 'object' && typeof v.day === 'string')
        x += `<c r="${LETTERS[i]}${r}" s="${DATE_STYLE}"><v>${excelDate(v.day)}</v></c>`;
      else throw new TypeError(`unsupported cell value: ${Object.prototype.toString.call(v)}`);
    }
    sh.rows = r; // only now: a row refused above leaves no gap
    this.put(`${x}</row>`);
  }

  /**
   * Between batches of rows: waits while the compressor or the reader of `out` is behind, so memory
   * holds a bounded backlog (`BACKLOG`) however large the workbook. Throws `ExportClosedError` when
   * `out` was destroyed (its reader went away): the caller stops instead of writing for nobody.
   */
  async flush(): Promise<void> {
    for (;;) {
      this.check();
      if (this.backlog <= BACKLOG) return;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /**
   * Ends the last sheet, writes the workbook's fixed parts and the zip's central directory, ends
   * `out` and waits until `out` took everything ('finish'). Throws like `flush()`.
   */
  async finish(): Promise<void> {
    this.usable();
    if (!this.sheetOpen && this.sheetNames.length === 0) this.sheet('Sheet1');
    if (this.sheetOpen) this.endSheet();
    this.done = true;
    await this.tail; // settles on failure too: abort() closes the compressors
    this.check();
    for (const [name, xml] of this.fixedParts()) this.storeFixed(name, xml);
    const cdOffset = this.offset;
    for (const e of this.entries) this.emit(centralHeader(e, this.time, this.zip64At));
    this.emit(endRecords(this.entries.length, cdOffset, this.offset - cdOffset, this.zip64At));
    const out = this.out;
    await new Promise<void>((resolve) => {
      const done = () => {
        out.off('finish', done);
        out.off('close', done);
        resolve();
      };
      out.on('finish', done);
      out.on('close', done);
      out.end();
    });
    if (!out.writableFinished) throw new ExportClosedError();
  }

  private usable() {
    if (this.done) throw new Error('workbook already finished');
    this.check();
  }

  private check() {
    if (!this.failed && this.out.destroyed) this.abort(new ExportClosedError());
    if (this.failed) throw this.failed;
  }

  /** Gives up: compressors closed, the error kept for every later call. */
  private abort(e: Error) {
    this.failed ??= e;
    for (const d of this.deflates) d.destroy();
    this.deflates.clear();
    this.wake();
  }

  private beginSheet(base: string, opts: SheetOptions, part: number) {
    const index = this.sheetNames.length + 1;
    this.sheetNames.push(this.uniqueName(base, part));
    this.headRows.push(opts.head?.length ?? 0);
    const deflate = createDeflateRaw({ level: this.level });
    this.deflates.add(deflate);
    deflate.on('error', (e) => this.abort(e));
    const entry: Entry = {
      name: Buffer.from(`xl/worksheets/sheet${index}.xml`),
      flags: 0x0808,
      crc: 0,
      csize: 0,
      usize: 0,
      offset: 0,
      zip64: false,
    };
    this.tail = this.tail.then(() => this.drain(entry, deflate));
    this.sheetOpen = { base, part, opts, entry, deflate, rows: 0 };
    this.put(sheetStart(opts, index === 1));
    for (const h of opts.head ?? []) this.row(h.values, h.style);
  }

  private uniqueName(base: string, part: number): string {
    const taken = new Set(this.sheetNames.map((n) => n.toLowerCase()));
    for (let k = part; ; k++) {
      const suffix = k === 1 ? '' : ` (${k})`;
      const name = cut(base, 31 - suffix.length) + suffix;
      if (!taken.has(name.toLowerCase())) return name;
    }
  }

  private endSheet() {
    const sh = this.sheetOpen!;
    this.put(sheetEnd(sh.opts));
    this.push();
    this.sheetOpen = null;
    sh.deflate.end();
  }

  /** Appends XML to the open sheet's buffer, handing full buffers to the compressor. */
  private put(x: string) {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.used + x.length * 3 > this.chunk.length) {
      this.push();
      if (x.length * 3 > CHUNK) {
        this.chunk = Buffer.from(x, 'utf8'); // a row larger than a buffer: on its own
        this.used = this.chunk.length;
        this.push();
        return;
      }
    }
    this.used += this.chunk.write(x, this.used);
  }

  /** Hands the buffered XML of the open sheet to its compressor. */
  private push() {
    if (this.used === 0) return;
    const sh = this.sheetOpen!;
    const b = this.chunk.subarray(0, this.used);
    this.chunk = Buffer.allocUnsafe(CHUNK); // deflate holds `b` until its callback
    this.used = 0;
    sh.entry.crc = crc32(b, sh.entry.crc);
    sh.entry.usize += b.length;
    this.backlog += b.length;
    sh.deflate.write(b, () => {
      this.backlog -= b.length;
      this.wake();
    });
  }

  /** Writes one sheet's entry into `out`: header, compressed data (with backpressure), descriptor. */
  private drain(e: Entry, d: DeflateRaw): Promise<void> {
    if (this.failed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      e.offset = this.offset;
      this.emit(localHeader(e, this.time));
      d.on('data', (c: Buffer) => {
        e.csize += c.length;
        if (!this.emit(c) && !d.isPaused()) {
          d.pause();
          this.outReady().then(() => d.resume());
        }
      });
      d.once('end', () => {
        e.zip64 = e.csize >= this.zip64At || e.usize >= this.zip64At;
        this.emit(dataDescriptor(e));
        this.entries.push(e);
        this.deflates.delete(d);
        resolve();
      });
      d.once('close', resolve); // destroyed by abort(): nothing more comes
    });
  }

  private outReady(): Promise<void> {
    const out = this.out;
    if (out.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        out.off('drain', done);
        out.off('close', done);
        resolve();
      };
      out.on('drain', done);
      out.on('close', done);
    });
  }

  /** Writes to `out`; false when `out` wants the writer to wait for 'drain'. */
  private emit(b: Buffer): boolean {
    this.offset += b.length;
    if (this.out.destroyed) return true;
    return this.out.write(b);
  }

  /** A small part deflated in one go, its sizes in the local header. */
  private storeFixed(name: string, xml: string) {
    const data = Buffer.from(xml, 'utf8');
    const comp = deflateRawSync(data, { level: this.level });
    const e: Entry = {
      name: Buffer.from(name),
      flags: 0x0800,
      crc: crc32(data),
      csize: comp.length,
      usize: data.length,
      offset: this.offset,
      zip64: comp.length >= this.zip64At || data.length >= this.zip64At,
    };
    this.emit(localHeader(e, this.time));
    this.emit(comp);
    this.entries.push(e);
  }

  /** Each sheet's head rows as its print titles (repeated at the top of every printed page). */
  private printTitles(): string {
    const names = this.sheetNames
      .map((s, i) =>
        this.headRows[i] > 0
          ? `<definedName name="_xlnm.Print_Titles" localSheetId="${i}">${xmlText(sheetRef(s))}!$1:$${this.headRows[i]}</definedName>`
          : '',
      )
      .join('');
    return names ? `<definedNames>${names}</definedNames>` : '';
  }

  private fixedParts(): [string, string][] {
    const n = this.sheetNames.length;
    const sheets = this.sheetNames.map((_, i) => i + 1);
    const ct = 'application/vnd.openxmlformats-officedocument';
    const stamp = `${this.created.toISOString().slice(0, 19)}Z`;
    return [
      [
        '[Content_Types].xml',
        `${XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
          '<Default Extension="xml" ContentType="application/xml"/>' +
          `<Override PartName="/xl/workbook.xml" ContentType="${ct}.spreadsheetml.sheet.main+xml"/>` +
          sheets
            .map(
              (i) =>
                `<Override PartName="/xl/worksheets/sheet${i}.xml" ContentType="${ct}.spreadsheetml.worksheet+xml"/>`,
            )
            .join('') +
          `<Override PartName="/xl/styles.xml" ContentType="${ct}.spreadsheetml.styles+xml"/>` +
          '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>' +
          `<Override PartName="/docProps/app.xml" ContentType="${ct}.extended-properties+xml"/>` +
          '</Types>',
      ],
      [
        '_rels/.rels',
        `${XML_DECL}<Relationships xmlns="${NS_PKG_R}">` +
          `<Relationship Id="rId1" Type="${NS_R}/officeDocument" Target="xl/workbook.xml"/>` +
          `<Relationship Id="rId2" Type="${NS_PKG_R}/metadata/core-properties" Target="docProps/core.xml"/>` +
          `<Relationship Id="rId3" Type="${NS_R}/extended-properties" Target="docProps/app.xml"/>` +
          '</Relationships>',
      ],
      [
        'docProps/core.xml',
        `${XML_DECL}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"` +
          ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"' +
          ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
          (this.creator ? `<dc:creator>${xmlText(this.creator)}</dc:creator>` : '') +
          (this.description ? `<dc:description>${xmlText(this.description)}</dc:description>` : '') +
          (this.keywords ? `<cp:keywords>${xmlText(this.keywords)}</cp:keywords>` : '') +
          `<dcterms:created xsi:type="dcterms:W3CDTF">${stamp}</dcterms:created>` +
          `<dcterms:modified xsi:type="dcterms:W3CDTF">${stamp}</dcterms:modified>` +
          '</cp:coreProperties>',
      ],
      [
        'docProps/app.xml',
        `${XML_DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"` +
          ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">' +
          '<Application>tanfang</Application>' +
          '<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant>' +
          `<vt:variant><vt:i4>${n}</vt:i4></vt:variant></vt:vector></HeadingPairs>` +
          `<TitlesOfParts><vt:vector size="${n}" baseType="lpstr">` +
          this.sheetNames.map((s) => `<vt:lpstr>${xmlText(s)}</vt:lpstr>`).join('') +
          '</vt:vector></TitlesOfParts></Properties>',
      ],
      [
        'xl/workbook.xml',
        `${XML_DECL}<workbook xmlns="${NS_MAIN}" xmlns:r="${NS_R}"><bookViews><workbookView activeTab="0"/></bookViews><sheets>` +
          this.sheetNames
            .map((s, i) => `<sheet name="${xmlAttr(s)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
            .join('') +
          '</sheets>' +
          this.printTitles() +
          '</workbook>',
      ],
      [
        'xl/_rels/workbook.xml.rels',
        `${XML_DECL}<Relationships xmlns="${NS_PKG_R}">` +
          sheets
            .map(
              (i) =>
                `<Relationship Id="rId${i}" Type="${NS_R}/worksheet" Target="worksheets/sheet${i}.xml"/>`,
            )
            .join('') +
          `<Relationship Id="rId${n + 1}" Type="${NS_R}/styles" Target="styles.xml"/>` +
          '</Relationships>',
      ],
      ['xl/styles.xml', STYLES_XML],
    ];
  }
}
