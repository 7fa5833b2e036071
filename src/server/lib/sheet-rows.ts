import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError, badRequest } from '../http/errors.js';
import { XML_LIMITS, ZIP_LIMITS } from './xlsx.js';

/** One row of a sheet: its number and its cells' values by column number (index 0 unused). */
export interface SheetRow {
  number: number;
  values: unknown[];
}

/**
 * The memory one sheet parse may take (its own V8 heap; the process's is not shared). A 200,000-row
 * roster's shared strings and exceljs' objects take well under this; what needs more is no roster.
 */
export const PARSE_LIMITS = { heapMb: 256, youngMb: 16, stackMb: 4 };

const here = import.meta.url;
const compiled = !here.endsWith('.ts');

/**
 * Starts a worker. Compiled (dist/node), it is the sibling .js file. From the sources (tests, tsx)
 * the worker first registers tsx in its own thread, then imports the .ts file.
 */
function startWorker(): Worker {
  const resourceLimits = {
    maxOldGenerationSizeMb: PARSE_LIMITS.heapMb,
    maxYoungGenerationSizeMb: PARSE_LIMITS.youngMb,
    stackSizeMb: PARSE_LIMITS.stackMb,
  };
  if (compiled) return new Worker(new URL('./sheet-worker.js', here), { resourceLimits });
  const require = createRequire(here);
  const tsx = pathToFileURL(require.resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./sheet-worker.ts', here).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, resourceLimits });
}

/**
 * Workers that finished a job wait here for the next one (starting one costs 0.2-1.5 s) and end
 * after `IDLE_MS` unused, so an idle server holds none. Never more than the import slots in use
 * (http/uploads.ts) run at once.
 */
const idle = new Set<Worker>();
const IDLE_MS = 30_000;
const idleTimers = new WeakMap<Worker, NodeJS.Timeout>();

function takeWorker(): Worker {
  for (const w of idle) {
    idle.delete(w);
    clearTimeout(idleTimers.get(w));
    w.ref();
    return w;
  }
  const w = startWorker();
  w.on('exit', () => idle.delete(w));
  // Errors reach the job's own listener; this one keeps an idle worker's death from being unhandled.
  w.on('error', () => {});
  return w;
}

function returnWorker(w: Worker) {
  w.unref();
  idle.add(w);
  idleTimers.set(
    w,
    setTimeout(() => {
      idle.delete(w);
      void w.terminate();
    }, IDLE_MS).unref(),
  );
}

/**
 * The rows of the first sheet (the first visible tab) of the .xlsx file at `path`, in batches,
 * parsed in a worker thread with its own memory ceiling (`PARSE_LIMITS`) so that neither a file that
 * unpacks to a huge cell nor a sheet of a million rows can stop the server or hold up its other
 * requests: this thread only receives plain rows, and the worker reads a batch ahead at most.
 * Refuses (400, field `file`) a cell over lib/xlsx.ts' `XML_LIMITS.run`, a row past `maxRows` and a
 * file the worker cannot read within its memory (413). `sheets` is known when the rows have ended.
 */
export class SheetRows implements AsyncIterable<SheetRow[]> {
  sheets = 0;
  constructor(
    private readonly path: string,
    private readonly opts: { maxRows: number; batchSize?: number },
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<SheetRow[]> {
    const worker = takeWorker();
    type Message =
      | { rows: SheetRow[]; done?: boolean; sheets?: number }
      | { error: { code: string | null; message: string } };
    const queue: (Message | { failed: Error })[] = [];
    let wake: (() => void) | null = null;
    const push = (m: Message | { failed: Error }) => {
      queue.push(m);
      wake?.();
    };
    const onMessage = (m: Message) => push(m);
    const onError = (e: Error) => push({ failed: e });
    const onExit = (code: number) => push({ failed: new Error(`sheet worker exited (${code})`) });
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    let reusable = false;
    try {
      worker.postMessage({
        job: {
          path: this.path,
          maxRows: this.opts.maxRows,
          batchSize: this.opts.batchSize ?? 500,
          // The worker has its own copy of lib/xlsx.ts: it gets this thread's limits (tests change them).
          zipLimits: { ...ZIP_LIMITS },
          xmlRun: XML_LIMITS.run,
        },
      });
      for (;;) {
        if (queue.length === 0) await new Promise<void>((r) => (wake = r));
        wake = null;
        const m = queue.shift()!;
        if ('failed' in m) {
          if ((m.failed as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
            throw new AppError(
              413,
              'FILE_TOO_COMPLEX',
              `文件解压后的内容超出读取上限（${PARSE_LIMITS.heapMb} MB 内存），请拆分后分批导入`,
              'file',
            );
          }
          throw m.failed;
        }
        if ('error' in m) {
          // The job ended in the worker (its reader closed the file): the worker can take another.
          reusable = true;
          if (m.error.code === 'CELL_TOO_LONG' || m.error.code === 'TOO_MANY_ROWS')
            throw badRequest(m.error.message, 'file');
          throw new Error(m.error.message);
        }
        if (m.rows.length) yield m.rows;
        if (m.done) {
          this.sheets = m.sheets ?? 0;
          reusable = true;
          return;
        }
        worker.postMessage('more');
      }
    } finally {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      // A caller that stopped early left the worker mid-sheet: it is not taken again.
      if (reusable) returnWorker(worker);
      else await worker.terminate();
    }
  }
}
