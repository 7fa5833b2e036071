import { createRequire } from 'node:module';
import { Transform, type Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import ExcelJS from 'exceljs';

/**
 * exceljs 4.4's streaming reader decodes every compressed chunk of a sheet on its own (a stateless
 * TextDecoder), so a Chinese character split across two chunks becomes "��" — about one cell in ten
 * thousand in a real roster, silently. This patches the reader to decode with a stateful
 * StringDecoder before its XML parser sees the text (strings pass through its decoder unchanged).
 * Import ExcelJS from here, not from 'exceljs', wherever the streaming reader is used.
 */
const require = createRequire(import.meta.url);
const WorksheetReader = require('exceljs/lib/stream/xlsx/worksheet-reader.js');
const WorkbookReader = require('exceljs/lib/stream/xlsx/workbook-reader.js');

async function* decodeUtf8(source: AsyncIterable<Buffer | string>) {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of source) {
    const s = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (s) yield s;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

if (!WorksheetReader.prototype.__utf8Patched) {
  const parse = WorksheetReader.prototype.parse;
  WorksheetReader.prototype.parse = function (this: { iterator: AsyncIterable<Buffer | string> }) {
    this.iterator = decodeUtf8(this.iterator);
    return parse.call(this);
  };
  const parseSharedStrings = WorkbookReader.prototype._parseSharedStrings;
  WorkbookReader.prototype._parseSharedStrings = function (entry: NodeJS.ReadableStream) {
    const decoder = new StringDecoder('utf8');
    const decoded = entry.pipe(
      new Transform({
        readableObjectMode: true,
        transform(chunk: Buffer, _enc, done) {
          const s = decoder.write(chunk);
          done(null, s || undefined);
        },
        flush(done) {
          done(null, decoder.end() || undefined);
        },
      }),
    );
    return parseSharedStrings.call(this, decoded);
  };
  WorksheetReader.prototype.__utf8Patched = true;
}

export default ExcelJS;

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
  const row = ws.addRow(values);
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
