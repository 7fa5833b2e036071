import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import type { Ctx } from '../context.js';
import { AppError, badRequest, busy } from './errors.js';

/**
 * Uploads on their way in: multipart parsing that answers 4xx for any malformed body, temporary
 * files in a folder of this process that a later start removes if the process died, and the
 * per-process limit on heavy parses (imports).
 */

/** Every process's scratch folders live under here, one per process id. */
export const SCRATCH_ROOT = join(tmpdir(), 'tanfang-scratch');
const processDir = () => join(SCRATCH_ROOT, String(process.pid));

/** A new path in this process's scratch folder (created on first use). */
export async function scratchPath(ext: string): Promise<string> {
  await mkdir(processDir(), { recursive: true, mode: 0o700 });
  return join(processDir(), `${randomUUID()}${ext}`);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
};

/**
 * Removes what crashed processes left: the scratch folders of process ids no longer running (and this
 * process's own id, which at start can only be a dead process's), and uploads of the versions before
 * the scratch folder (`tanfang-upload-*`, `tanfang-bad-rows-*` in the temp folder) older than an hour.
 * Called at start. Returns how many folders and files were removed.
 */
export async function cleanStaleScratch(): Promise<number> {
  let removed = 0;
  for (const name of await readdir(SCRATCH_ROOT).catch(() => [] as string[])) {
    const pid = Number(name);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) continue;
    await rm(join(SCRATCH_ROOT, name), { recursive: true, force: true });
    removed++;
  }
  const hourAgo = Date.now() - 3600_000;
  for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
    if (!/^tanfang-(upload|bad-rows)-[0-9a-f-]{36}\.xlsx$/.test(name)) continue;
    const path = join(tmpdir(), name);
    const s = await stat(path).catch(() => null);
    if (s && s.mtimeMs < hourAgo) {
      await rm(path, { force: true });
      removed++;
    }
  }
  return removed;
}

export interface ReceivedFile {
  filename: string;
  mimetype: string;
  /** The file's bytes (`to: 'memory'`). */
  content: Buffer;
  /** Where the file was written (`to: 'disk'`); removed by `discard()`. */
  path: string | null;
  /** The form's text fields (small: 1,000 bytes each, 10 at most). */
  fields: Record<string, string>;
  discard(): Promise<void>;
}

/**
 * Reads a multipart/form-data body with one file (field `file`) and a few text fields. Every way a
 * body can be wrong answers 4xx naming the field: not multipart, malformed (busboy's errors, a body
 * cut short), too many parts, a file over `maxBytes` (413 with `tooLarge`), no file. `to: 'disk'`
 * streams the file into this process's scratch folder (the caller calls `discard()` in a finally).
 */
export async function receiveFile(
  req: FastifyRequest,
  opts: { maxBytes: number; tooLarge: string; to: 'disk' | 'memory' },
): Promise<ReceivedFile> {
  if (!req.isMultipart()) throw badRequest('请以 multipart/form-data 上传文件（字段名 file）', 'file');
  const tooLarge = () => new AppError(413, 'FILE_TOO_LARGE', opts.tooLarge, 'file');
  const fields: Record<string, string> = {};
  let file: { filename: string; mimetype: string; content: Buffer; path: string | null } | null = null;
  let path: string | null = null;
  const discard = async () => {
    if (path) await rm(path, { force: true });
  };
  try {
    const parts = req.parts({
      limits: { fileSize: opts.maxBytes, files: 1, fields: 10, fieldSize: 1000, parts: 12 },
    });
    for await (const part of parts) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') {
          part.file.resume();
          throw badRequest('文件字段名应为 file', 'file');
        }
        let content: Buffer = Buffer.alloc(0);
        if (opts.to === 'disk') {
          path = await scratchPath('.upload');
          await pipeline(part.file, createWriteStream(path, { mode: 0o600 }));
        } else content = await part.toBuffer();
        if (part.file.truncated) throw tooLarge();
        file = { filename: part.filename, mimetype: part.mimetype, content, path };
      } else if (typeof part.value === 'string') fields[part.fieldname] = part.value;
    }
  } catch (e) {
    await discard();
    if (e instanceof AppError) throw e;
    const code = (e as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT')
      throw new AppError(413, 'TOO_MANY_PARTS', '一次只能上传一个文件和少量字段', 'file');
    throw badRequest(
      `上传的数据不是有效的 multipart/form-data（${String((e as Error).message).slice(0, 80)}）`,
      'file',
    );
  }
  if (!file) throw badRequest('请选择要上传的文件（字段名 file）', 'file');
  return { ...file, fields, discard };
}

let running = 0;

/**
 * Takes one of the process's `importConcurrency` slots for a heavy parse, or answers 503 "系统繁忙，
 * 请 N 秒后再试" with Retry-After at once (queueing would only hold memory and sockets longer).
 * Call the returned function when done (in a finally).
 */
export function takeImportSlot(ctx: Ctx, retryAfterSeconds = 10): () => void {
  if (running >= ctx.config.importConcurrency) throw busy(retryAfterSeconds);
  running++;
  let released = false;
  return () => {
    if (!released) running--;
    released = true;
  };
}

/** Heavy parses running now in this process (for tests and metrics). */
export const importsRunning = () => running;
