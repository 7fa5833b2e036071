import { type FileHandle, open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pipeline, Readable, Transform, type Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { crc32, createInflateRaw } from 'node:zlib';
import ExcelJS from 'exceljs';
import { neutraliseFormula } from '../../shared/spreadsheet-text.js';
import { badRequest } from '../http/errors.js';
import { chinaWallClock, PAGE, PAGE_MARGINS, PAGE_NUMBER_FOOTER } from './sheet-layout.js';

/**
 * Two fixes to exceljs 4.4's streaming reader (`ExcelJS.stream.xlsx.WorkbookReader`). Import ExcelJS
 * from here, not from 'exceljs', wherever the streaming reader is used, and give it a file path.
 *
 * 1. It decodes every compressed chunk of a sheet on its own (a stateless TextDecoder), so a Chinese
 *    character split across two chunks becomes "��" — about one cell in ten thousand in a real roster,
 *    silently. Patched to decode with a stateful StringDecoder before its XML parser sees the text
 *    (strings pass through its decoder unchanged).
 * 2. It reads the zip forward with unzipper 0.10's Parse, whose 'end' comes when it has parsed the
 *    end record (or its input ended) even while parsed entries still wait in its buffer, unread.
 *    exceljs meanwhile copies a sheet that comes before the shared strings (Excel, WPS and exceljs
 *    itself put them after the sheets) to a temporary file; when that copy is slower than the parser
 *    getting through the small entries after it, they are dropped: the shared strings (every text
 *    cell empty), styles, workbook.xml and its rels (sheet names, the 1904 date system). Measured on
 *    10-row rosters with a temporary directory 1 ms slow: 30-47 reads in 50 lost them (Excel, WPS,
 *    LibreOffice and exceljs layouts), none in thousands of reads on a fast disk. For a file path it
 *    now reads the zip by its central directory instead (`zipDirectory`, `zipEntryStream`) and hands
 *    exceljs the entries in the order it needs them: workbook rels, workbook, styles, shared strings,
 *    then the sheets in the order of their tabs (`inTabOrder`). Nothing is copied to a temporary
 *    file, every entry is checked against its size and CRC, and a sheet is streamed (memory holds
 *    the shared strings, as before, and one chunk of the sheet). A stream input still goes through
 *    exceljs' own forward reader.
 */
const require = createRequire(import.meta.url);
const WorksheetReader = require('exceljs/lib/stream/xlsx/worksheet-reader.js');
const WorkbookReader = require('exceljs/lib/stream/xlsx/workbook-reader.js');
const iterateStream = require('exceljs/lib/utils/iterate-stream.js');

/**
 * What the XML of an uploaded workbook may hold, checked on the text as it is decoded, before exceljs'
 * XML parser builds a string of it. `run`: characters between two tag delimiters — a cell's text or
 * one tag with its attributes. Excel keeps a cell to 32,767 characters; written as XML with every
 * character an entity (`&amp;`) that is at most ~6 times as long, so a longer run is no cell Excel
 * wrote, and a 200 MB "cell" (a few hundred KB zipped) is refused after 200,000 characters instead of
 * being held whole by the parser and every string made of it. `rows`: the highest sheet row number
 * accepted, checked here against the sheet's declared `<dimension>` before its first row, and against each
 * row's number as it comes (by the worker of lib/sheet-rows.ts, which sets it; Infinity = no limit).
 */
export const XML_LIMITS = { run: 200_000, rows: Number.POSITIVE_INFINITY };

/** A workbook past `XML_LIMITS`: its message is for the user (Chinese). */
export class XmlLimitError extends Error {
  constructor(
    readonly code: 'CELL_TOO_LONG' | 'TOO_MANY_ROWS',
    message: string,
  ) {
    super(message);
  }
}

/** The error for a sheet whose row `n` is past `XML_LIMITS.rows`. */
export const tooManyRows = (n: number) =>
  new XmlLimitError(
    'TOO_MANY_ROWS',
    `工作表超过 ${XML_LIMITS.rows.toLocaleString('en-US')} 行（到第 ${n.toLocaleString('en-US')} 行），请拆分后分批导入`,
  );

/** Checks decoded XML text chunk by chunk (state carried across chunks) against `XML_LIMITS`. */
export function xmlGuard(sheet: boolean): (text: string) => void {
  let run = 0;
  let head = sheet ? '' : null;
  const tooLong = () =>
    new XmlLimitError(
      'CELL_TOO_LONG',
      `文件中有单元格或标记超过 ${XML_LIMITS.run.toLocaleString('en-US')} 个字符（Excel 单元格最多 32,767 个字符），不是正常的表格文件`,
    );
  return (text) => {
    let pos = 0;
    let lt = text.indexOf('<');
    let gt = text.indexOf('>');
    for (;;) {
      const next = lt < 0 ? gt : gt < 0 ? lt : Math.min(lt, gt);
      if (next < 0) break;
      if (run + next - pos > XML_LIMITS.run) throw tooLong();
      run = 0;
      pos = next + 1;
      if (next === lt) lt = text.indexOf('<', pos);
      else gt = text.indexOf('>', pos);
    }
    run += text.length - pos;
    if (run > XML_LIMITS.run) throw tooLong();
    if (!sheet || XML_LIMITS.rows === Number.POSITIVE_INFINITY) return;
    // The sheet's declared extent comes before its rows: an honest file past the limit is refused
    // before any row is read (and so before an import writes any).
    if (head !== null) {
      head += text.slice(0, 8192);
      const dim = /<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"/.exec(head);
      if (dim && Number(dim[1]) > XML_LIMITS.rows) throw tooManyRows(Number(dim[1]));
      if (dim || head.length >= 8192 || /<(?:\w+:)?sheetData/.test(head)) head = null;
    }
  };
}

async function* decodeUtf8(source: AsyncIterable<Buffer | string>, guard?: (text: string) => void) {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of source) {
    const s = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (s) {
      guard?.(s);
      yield s;
    }
  }
  const rest = decoder.end();
  if (rest) {
    guard?.(rest);
    yield rest;
  }
}

/** A file in a zip, as the zip's central directory describes it. */
export interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Offset of its local header. */
  offset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_END = 0x06064b50;
const MAX16 = 0xffff;
const MAX32 = 0xffffffff;

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  if (bytesRead < length) throw new Error('zip file truncated');
  return buf;
}

/** The entries of a zip file, in the order of its central directory (zip64 included). */
export async function zipDirectory(fh: FileHandle): Promise<ZipEntry[]> {
  const { size } = await fh.stat();
  const tailLength = Math.min(size, 22 + MAX16);
  const tailStart = size - tailLength;
  const tail = await readAt(fh, tailStart, tailLength);
  let end = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG_END && i + 22 + tail.readUInt16LE(i + 20) <= tail.length) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip file (no end of central directory record)');
  let cdSize = tail.readUInt32LE(end + 12);
  let cdOffset = tail.readUInt32LE(end + 16);
  if (tail.readUInt16LE(end + 10) === MAX16 || cdSize === MAX32 || cdOffset === MAX32) {
    const at = tailStart + end - 20;
    const locator = at >= 0 ? await readAt(fh, at, 20) : null;
    if (locator?.readUInt32LE(0) === SIG_ZIP64_LOCATOR) {
      const z = await readAt(fh, Number(locator.readBigUInt64LE(8)), 56);
      if (z.readUInt32LE(0) !== SIG_ZIP64_END) throw new Error('zip64 end record not found');
      cdSize = Number(z.readBigUInt64LE(40));
      cdOffset = Number(z.readBigUInt64LE(48));
    }
  }
  if (cdOffset + cdSize > size) throw new Error('zip file truncated (central directory past its end)');
  const cd = await readAt(fh, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  for (let p = 0; p + 46 <= cd.length && cd.readUInt32LE(p) === SIG_CENTRAL; ) {
    const nameEnd = p + 46 + cd.readUInt16LE(p + 28);
    const extraEnd = nameEnd + cd.readUInt16LE(p + 30);
    if (extraEnd > cd.length) throw new Error('zip central directory damaged');
    const e: ZipEntry = {
      name: cd.toString('utf8', p + 46, nameEnd),
      flags: cd.readUInt16LE(p + 8),
      method: cd.readUInt16LE(p + 10),
      crc: cd.readUInt32LE(p + 16),
      compressedSize: cd.readUInt32LE(p + 20),
      size: cd.readUInt32LE(p + 24),
      offset: cd.readUInt32LE(p + 42),
    };
    // The zip64 extra field holds, in this order, those of the three that are 0xffffffff above.
    for (let x = nameEnd; x + 4 <= extraEnd; x += 4 + cd.readUInt16LE(x + 2)) {
      if (cd.readUInt16LE(x) !== 1) continue;
      let q = x + 4;
      const next = () => {
        if (q + 8 > extraEnd) throw new Error('zip64 extra field damaged');
        q += 8;
        return Number(cd.readBigUInt64LE(q - 8));
      };
      if (e.size === MAX32) e.size = next();
      if (e.compressedSize === MAX32) e.compressedSize = next();
      if (e.offset === MAX32) e.offset = next();
    }
    entries.push(e);
    p = extraEnd + cd.readUInt16LE(p + 32);
  }
  return entries;
}

/** `length` bytes of the file from `start`, read 64 KB at a time as they are asked for. */
function rangeStream(fh: FileHandle, start: number, length: number): Readable {
  let position = start;
  const end = start + length;
  return new Readable({
    read() {
      const n = Math.min(64 * 1024, end - position);
      if (n <= 0) {
        this.push(null);
        return;
      }
      fh.read(Buffer.allocUnsafe(n), 0, n, position).then(
        ({ bytesRead, buffer }) => {
          if (this.destroyed) return;
          if (bytesRead === 0) return this.destroy(new Error('zip file truncated'));
          position += bytesRead;
          this.push(buffer.subarray(0, bytesRead));
        },
        (e) => this.destroy(e),
      );
    },
  });
}

/**
 * The uncompressed data of one entry, streamed from its place in the file. Ends with an error if it
 * is not as long as the directory says or its CRC differs (a damaged or truncated upload).
 */
export async function zipEntryStream(fh: FileHandle, e: ZipEntry): Promise<Readable> {
  if (e.flags & 1) throw new Error(`${e.name} is encrypted`);
  if (e.method !== 0 && e.method !== 8) throw new Error(`${e.name}: unknown compression method ${e.method}`);
  const local = await readAt(fh, e.offset, 30);
  if (local.readUInt32LE(0) !== SIG_LOCAL) throw new Error(`${e.name}: local header not found`);
  const raw = rangeStream(
    fh,
    e.offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28),
    e.compressedSize,
  );
  let crc = 0;
  let seen = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > e.size) return done(new Error(`${e.name} is longer than the zip directory says`));
      crc = crc32(chunk, crc);
      done(null, chunk);
    },
    flush(done) {
      done(seen !== e.size || crc !== e.crc ? new Error(`${e.name} is damaged (size or CRC)`) : null);
    },
  });
  // Errors reach the consumer as an 'error' of `check`, which pipeline destroys with them.
  const ignore = () => {};
  return e.method === 8 ? pipeline(raw, createInflateRaw(), check, ignore) : pipeline(raw, check, ignore);
}

const SHEET = /^xl\/worksheets\/sheet(\d+)\.xml$/;
const SHEET_RELS = /^xl\/worksheets\/_rels\/sheet(\d+)\.xml\.rels$/;

/**
 * What an uploaded workbook may unpack to, by its zip's directory (each entry is then held to the size
 * it declares): a 20 MB upload of repeated characters can unpack to gigabytes, and the shared strings
 * and styles are held in memory. A 100,000-row roster is 69 MB of XML (9 MB zipped; uploads stop at
 * 20 MB). Writable for tests.
 */
export const ZIP_LIMITS = { part: 256 * 2 ** 20, total: 1024 * 2 ** 20 };

/** Refuses a zip whose declared sizes pass `ZIP_LIMITS` before any of it is inflated. */
export function checkZipSizes(entries: readonly ZipEntry[]): void {
  const mb = (n: number) => `${Math.round(n / 2 ** 20)} MB`;
  let total = 0;
  for (const e of entries) {
    total += e.size;
    if (!SHEET.test(e.name) && e.size > ZIP_LIMITS.part)
      throw new Error(`${e.name} 解压后 ${mb(e.size)}，超过 ${mb(ZIP_LIMITS.part)}`);
    if (total > ZIP_LIMITS.total) throw new Error(`解压后超过 ${mb(ZIP_LIMITS.total)}`);
  }
}

/**
 * `checkZipSizes` for a workbook held in memory (`new ExcelJS.Workbook().xlsx.load(buffer)` inflates
 * every part into memory at once): call it before loading an upload.
 */
export async function checkZipBuffer(content: Buffer): Promise<void> {
  const fh = {
    stat: async () => ({ size: content.length }),
    read: async (buf: Buffer, offset: number, length: number, position: number) => ({
      bytesRead: content.copy(buf, offset, position, position + length),
      buffer: buf,
    }),
  } as unknown as FileHandle;
  checkZipSizes(await zipDirectory(fh));
}

/**
 * The sheets in the order of their tabs (workbook.xml), visible ones first: "the first sheet" is the
 * one a user sees first, whatever the order of the parts in the zip (a sheet moved to the front in
 * Excel keeps its part name, sheet3.xml say). Sheets the workbook does not list come last, in the
 * zip's order.
 */
export function inTabOrder(
  sheets: readonly ZipEntry[],
  tabs: readonly ({ rId?: string; state?: string } | undefined)[] | undefined,
  rels: readonly { Id?: string; Target?: string }[] | undefined,
): ZipEntry[] {
  const path = (target: string) =>
    target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`;
  const rank = new Map<string, number>();
  const listed = (tabs ?? []).filter((t) => t?.rId);
  const visibleFirst = [
    ...listed.filter((t) => !t!.state || t!.state === 'visible'),
    ...listed.filter((t) => t!.state && t!.state !== 'visible'),
  ];
  for (const [i, t] of visibleFirst.entries()) {
    const rel = (rels ?? []).find((r) => r.Id === t!.rId);
    if (rel?.Target && !rank.has(path(rel.Target))) rank.set(path(rel.Target), i);
  }
  const order = (e: ZipEntry) => rank.get(e.name) ?? Number.MAX_SAFE_INTEGER;
  return [...sheets].sort((a, b) => order(a) - order(b));
}

/**
 * WorkbookReader.parse for a file path: the zip read by its central directory, its entries handed
 * to exceljs' own parts parsers in the order they need each other. Each sheet's stream is closed when
 * the caller asks for the next sheet, and the file when the caller is done or stops early.
 */
async function* parseByDirectory(this: any, path: string): AsyncGenerator<any> {
  const fh = await open(path, 'r');
  const streams: Readable[] = [];
  const entry = async (e: ZipEntry) => {
    const s = await zipEntryStream(fh, e);
    streams.push(s);
    return s;
  };
  try {
    const entries = await zipDirectory(fh);
    checkZipSizes(entries);
    const named = new Map(entries.map((e) => [e.name, e]));
    const part = (name: string) => named.get(name);
    const rels = part('xl/_rels/workbook.xml.rels');
    if (rels) await this._parseRels(await entry(rels));
    const book = part('xl/workbook.xml');
    if (book) await this._parseWorkbook(await entry(book));
    const styles = part('xl/styles.xml');
    if (styles) await this._parseStyles(await entry(styles));
    const shared = part('xl/sharedStrings.xml');
    if (shared) yield* this._parseSharedStrings(await entry(shared));
    for (const e of entries) {
      const links = SHEET_RELS.exec(e.name);
      if (links)
        yield* this._parseHyperlinks(
          this.options.hyperlinks === 'emit' ? iterateStream(await entry(e)) : [],
          links[1],
        );
      for (const s of streams.splice(0)) s.destroy();
    }
    for (const e of inTabOrder(
      entries.filter((x) => SHEET.test(x.name)),
      this.model?.sheets,
      this.workbookRels,
    )) {
      yield* this._parseWorksheet(await entry(e), SHEET.exec(e.name)![1]);
      for (const s of streams.splice(0)) s.destroy();
    }
  } finally {
    for (const s of streams) s.destroy();
    await fh.close();
  }
}

if (!WorksheetReader.prototype.__utf8Patched) {
  const parse = WorksheetReader.prototype.parse;
  WorksheetReader.prototype.parse = function (this: { iterator: AsyncIterable<Buffer | string> }) {
    this.iterator = decodeUtf8(this.iterator, xmlGuard(true));
    return parse.call(this);
  };
  const parseSharedStrings = WorkbookReader.prototype._parseSharedStrings;
  WorkbookReader.prototype._parseSharedStrings = function (entry: Readable) {
    const decoder = new StringDecoder('utf8');
    const guard = xmlGuard(false);
    const checked = (s: string) => {
      if (s) guard(s);
      return s || undefined;
    };
    // pipeline, not pipe: an error of the entry (a damaged zip) must reach the parser, not hang it.
    const decoded = pipeline(
      entry,
      new Transform({
        readableObjectMode: true,
        transform(chunk: Buffer, _enc, done) {
          try {
            done(null, checked(decoder.write(chunk)));
          } catch (e) {
            done(e as Error);
          }
        },
        flush(done) {
          try {
            done(null, checked(decoder.end()));
          } catch (e) {
            done(e as Error);
          }
        },
      }),
      () => {},
    );
    return parseSharedStrings.call(this, decoded);
  };
  const parseStream = WorkbookReader.prototype.parse;
  WorkbookReader.prototype.parse = function (this: any, input?: unknown, options?: unknown) {
    if (options) this.options = options;
    const source = input ?? this.input;
    return typeof source === 'string' ? parseByDirectory.call(this, source) : parseStream.call(this, input);
  };
  WorksheetReader.prototype.__utf8Patched = true;
}

export default ExcelJS;

/**
 * The options of `addWorksheet` for an exported sheet: the print layout of lib/sheet-layout.ts (A4
 * landscape, one page wide, the first `headRows` rows repeated on every printed page), those rows
 * (and `frozenColumns`) frozen on screen, page numbers in the footer (a watermark sets its header
 * later). Given at creation because exceljs' streamed sheet writes its properties and views then.
 */
export function printLayout(headRows: number, frozenColumns = 0): Partial<ExcelJS.AddWorksheetOptions> {
  return {
    pageSetup: {
      paperSize: PAGE.paperSize as unknown as ExcelJS.PaperSize,
      orientation: PAGE.orientation,
      fitToPage: true,
      fitToWidth: PAGE.fitToWidth,
      fitToHeight: PAGE.fitToHeight,
      margins: { ...PAGE_MARGINS },
      ...(headRows > 0 ? { printTitlesRow: `1:${headRows}` } : {}),
    },
    headerFooter: { oddFooter: PAGE_NUMBER_FOOTER, evenFooter: PAGE_NUMBER_FOOTER },
    views:
      headRows > 0 || frozenColumns > 0 ? [{ state: 'frozen', xSplit: frozenColumns, ySplit: headRows }] : [],
  };
}

/**
 * A value as an exported exceljs cell takes it: text that a spreadsheet would read as a formula after
 * a CSV round trip neutralised (shared/spreadsheet-text.ts); a Date as China wall-clock time
 * (exceljs writes a Date's UTC fields) — give its column `DATETIME_FORMAT` or `DATE_FORMAT`.
 */
export function sheetValue(v: unknown): unknown {
  if (typeof v === 'string') return neutraliseFormula(v);
  if (v instanceof Date) return chinaWallClock(v);
  return v;
}

/**
 * A calendar date (YYYY-MM-DD) for `sheetValue`/`addPlainRow`: the moment the day begins in China,
 * which they write as that day at 00:00 (give the column `DATE_FORMAT`).
 */
export const sheetDay = (day: string): Date => new Date(`${day}T00:00:00+08:00`);

/**
 * An uploaded file that should be an .xlsx: refused with a message that says what it is and how to
 * save it as .xlsx — empty, an old .xls (or WPS .et: OLE compound files), an OpenDocument .ods (a zip
 * whose first entry, stored, is its mimetype), anything else. Throws a 400 on field 'file'.
 */
export async function assertXlsxFile(path: string, hint: string): Promise<void> {
  const fh = await open(path, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(120);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const text = head.toString('latin1');
  if (head.length === 0) throw badRequest('上传的文件是空的', 'file');
  if (text.startsWith('\xd0\xcf\x11\xe0'))
    throw badRequest(
      '这是旧版 Excel（.xls）或 WPS（.et）文件：请在 Excel 或 WPS 中“另存为”Excel 工作簿（.xlsx）后再导入',
      'file',
    );
  if (
    text.startsWith('PK\x03\x04') &&
    text.includes('mimetypeapplication/vnd.oasis.opendocument.spreadsheet')
  )
    throw badRequest(
      '这是 OpenDocument 表格（.ods，LibreOffice / WPS 的格式）：请“另存为”Excel 工作簿（.xlsx）后再导入',
      'file',
    );
  if (!text.startsWith('PK\x03\x04')) throw badRequest(`文件不是 Excel .xlsx 格式，${hint}`, 'file');
}

/** The content type of an .xlsx file. */
export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** What exceljs' streamed sheet feeds its XML into: the zip entry's input, once the zip opened it. */
interface SheetIntake {
  _writableState?: { length: number; needDrain: boolean };
  once(event: string, fn: () => void): unknown;
  off(event: string, fn: () => void): unknown;
}

function sheetIntake(sheet: ExcelJS.Worksheet): SheetIntake | undefined {
  // exceljs 4.4 internals (pinned): the sheet's StreamBuf writes into the zip entry's PassThrough
  // without looking at what write() answers; its buffered bytes are that PassThrough's backlog.
  const pipes = (sheet as unknown as { stream?: { pipes?: SheetIntake[] } }).stream?.pipes;
  return pipes?.[0];
}

/** Bytes of a streamed sheet's XML written but not yet taken by the compressor. */
export function sheetBacklog(sheet: ExcelJS.Worksheet): number {
  return sheetIntake(sheet)?._writableState?.length ?? 0;
}

/**
 * Between two batches of a streamed workbook: waits while the compressor is behind the rows written
 * into `sheet`, and while the reader of `out` is behind, so memory holds at most about one batch
 * whatever the size of the export. exceljs' writer itself never waits: rows are turned into XML
 * faster than deflate takes it, and without this the backlog grew by the uncompressed XML of every
 * batch (measured: 238 MB of buffers after 120,000 rows, 28 MB with the wait, same time). Throws if
 * the reader went away, which ends the export instead of reading the rest of the table for nobody.
 */
export async function drained(out: Writable, sheet?: ExcelJS.Worksheet): Promise<void> {
  for (;;) {
    if (out.destroyed) throw new Error('export stream closed by its reader');
    const intake = sheet ? sheetIntake(sheet) : undefined;
    const behind = intake?._writableState?.needDrain ? intake : out.writableNeedDrain ? out : null;
    if (!behind) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        behind.off('drain', done);
        out.off('close', done);
        resolve();
      };
      behind.once('drain', done);
      out.once('close', done);
    });
  }
}

/** The value exceljs made of a cell: rich text, formula results and hyperlinks reduced to their text. */
export function cellValue(v: unknown): unknown {
  if (v == null) return null;
  if (typeof v === 'object' && !(v instanceof Date)) {
    const o = v as Record<string, any>;
    if (Array.isArray(o.richText)) return o.richText.map((r: { text: string }) => r.text).join('');
    if ('result' in o) return cellValue(o.result);
    if ('text' in o) return cellValue(o.text);
    return null;
  }
  return v;
}

/** A cell as trimmed text (dates as YYYY-MM-DD, non-breaking spaces as spaces, empty for nothing). */
export function cellText(v: unknown): string {
  const x = cellValue(v);
  if (x == null) return '';
  if (x instanceof Date) return x.toISOString().slice(0, 10);
  return String(x)
    .replace(/\u00a0/g, ' ')
    .trim();
}

/**
 * The style of every plain data cell, one object for all of them. exceljs gives each new cell a style
 * object of its own and, on writing, works out each object's style anew (its font, fill, border and
 * number format looked up by their XML), because it recognises only objects it has seen: for a month's
 * visit ledger, ~100 columns a row, that was a fifth of the export's time. With one object it looks it
 * up once.
 */
const PLAIN_STYLE: Partial<ExcelJS.Style> = Object.freeze({});

const isEmpty = (o: object) => {
  for (const _ in o) return false;
  return true;
};

/**
 * Adds one row to a streamed sheet and commits it; its cells without a style share `PLAIN_STYLE`. A
 * style a cell inherits from its row or column (a number format, a font) stays its own.
 */
export function addPlainRow(ws: ExcelJS.Worksheet, values: unknown[]): void {
  const row = ws.addRow(values.map(sheetValue));
  row.eachCell((cell) => {
    if (isEmpty(cell.style)) cell.style = PLAIN_STYLE;
  });
  row.commit();
}

/**
 * The batches of a keyset-paged query, each next one already asked for while the caller writes the
 * one it has: PostgreSQL finds and sends batch n + 1 while the export turns batch n into XML, where
 * before each waited for the other. The overlap is partial (pg reads what PostgreSQL sent only when
 * the writing loop awaits), but it is free. At most two batches are held. `fetch(null)` is the first
 * batch; a batch shorter than `size` is the last.
 */
export async function* prefetchedBatches<R, K>(
  fetch: (after: K | null) => Promise<R[]>,
  keyOf: (last: R) => K,
  size: number,
): AsyncGenerator<R[]> {
  let pending: Promise<R[]> | null = fetch(null);
  try {
    while (pending) {
      const rows: R[] = await pending;
      pending = rows.length < size ? null : fetch(keyOf(rows[rows.length - 1]));
      yield rows;
    }
  } finally {
    // The caller stopped early (the reader went away): the batch asked for is not needed, and its
    // failure, if any, must not surface as an unhandled rejection.
    pending?.catch(() => {});
  }
}
