/**
 * The worker thread of lib/sheet-rows.ts: for each job it is sent, reads the first sheet of an .xlsx
 * file (by path, through lib/xlsx.ts' streaming reader with its XML limits) and posts its rows in
 * batches, waiting for the main thread to ask for more before it reads on; then waits for the next
 * job. Runs under `resourceLimits`: a file that needs more memory than that ends this thread, never
 * the server.
 */
import { parentPort } from 'node:worker_threads';
import ExcelJS, { cellValue, tooManyRows, XML_LIMITS, ZIP_LIMITS } from './xlsx.js';

export interface SheetJob {
  path: string;
  maxRows: number;
  batchSize: number;
  zipLimits: typeof ZIP_LIMITS;
  xmlRun: number;
}

const port = parentPort!;
let resume: (() => void) | null = null;
const more = () =>
  new Promise<void>((r) => {
    resume = r;
  });

async function run(job: SheetJob) {
  XML_LIMITS.rows = job.maxRows;
  XML_LIMITS.run = job.xmlRun;
  Object.assign(ZIP_LIMITS, job.zipLimits);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(job.path, {
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  let sheets = 0;
  let rows: { number: number; values: unknown[] }[] = [];
  // Only the first sheet (the first visible tab): the loop ends after it, and the reader closes the file.
  for await (const ws of reader) {
    sheets++;
    for await (const row of ws) {
      if (row.number > job.maxRows) throw tooManyRows(row.number);
      // Column numbers as exceljs gives them (index 0 unused); rich text, formulas and links as
      // their value, so what crosses to the main thread is plain data.
      const raw = row.values as unknown[];
      const values = Array.from(raw, (v) => cellValue(v) ?? null);
      rows.push({ number: row.number, values });
      if (rows.length >= job.batchSize) {
        port.postMessage({ rows });
        rows = [];
        await more();
      }
    }
    break;
  }
  port.postMessage({ rows, done: true, sheets });
}

port.on('message', (m: 'more' | { job: SheetJob }) => {
  if (m === 'more') return resume?.();
  run(m.job).catch((e: Error & { code?: string }) => {
    port.postMessage({
      error: { code: typeof e.code === 'string' ? e.code : null, message: String(e.message) },
    });
  });
});
