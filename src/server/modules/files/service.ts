import type { Config, FilesConfig } from '../../config.js';
import type { Ctx } from '../../context.js';
import type { Db } from '../../db/db.js';
import { folderStore } from './folder-store.js';
import * as repo from './repo.js';
import { s3Store } from './s3-store.js';
import { checked, type FileStore, sha256Of } from './store.js';

const stores = new WeakMap<FilesConfig, FileStore>();

/** The store of this configuration (one per process and configuration); null when files stay in rows. */
export function fileStoreOf(ctx: { config: Pick<Config, 'files'> }): FileStore | null {
  const c = ctx.config.files;
  if (c.kind === 'db') return null;
  let s = stores.get(c);
  if (!s) {
    s = c.kind === 'folder' ? folderStore(c.dir) : s3Store(c.s3);
    stores.set(c, s);
  }
  return s;
}

/** What a row of a file table is given: the hash and size always; the bytes only when kept inline. */
export interface KeptFile {
  sha256: string;
  size: number;
  /** The bytes for the row's bytea column, or null when they are in the store. */
  content: Buffer | null;
  stored: boolean;
}

/**
 * Call BEFORE the transaction that inserts the row naming the file: with a store, the bytes are
 * written (durably) first, so a committed row always has its file; a transaction that then fails
 * leaves an object no row names, which `sweepOrphanFiles` removes after the grace period.
 */
export async function keepFile(ctx: { config: Pick<Config, 'files'> }, bytes: Buffer): Promise<KeptFile> {
  const store = fileStoreOf(ctx);
  if (!store) return { sha256: sha256Of(bytes), size: bytes.length, content: bytes, stored: false };
  const sha256 = await store.put(bytes);
  return { sha256, size: bytes.length, content: null, stored: true };
}

/** A row's file as read by its repository. */
export interface FileRowBytes {
  sha256: string;
  stored: boolean;
  /** The bytea column (null when stored). */
  content: Buffer | Uint8Array | null;
}

export class FileMissingError extends Error {}

/** The bytes of a row's file: from the row, or from the store checked against the row's hash. */
export async function fileBytes(ctx: { config: Pick<Config, 'files'> }, row: FileRowBytes): Promise<Buffer> {
  if (!row.stored) {
    if (row.content == null) throw new FileMissingError(`文件 ${row.sha256.slice(0, 12)}… 没有内容`);
    return Buffer.from(row.content);
  }
  const store = fileStoreOf(ctx);
  if (!store) {
    throw new FileMissingError(
      '该文件保存在文件存储中，但本服务未配置 TANFANG_FILES_DIR 或 TANFANG_S3_BUCKET（见 README“文件存储”）',
    );
  }
  const bytes = await store.get(row.sha256);
  if (!bytes) throw new FileMissingError(`文件存储 ${store.where} 中缺少文件 ${row.sha256.slice(0, 12)}…`);
  return bytes;
}

/**
 * The orphan sweeper (job `files.sweep`): removes objects that no row names and that nobody wrote for
 * `graceHours` — what a transaction that failed after its file was written leaves behind, and the
 * files of deleted rows. A row is never left without its file: an object a row names is kept, and a
 * writer of the same bytes refreshes the object's time before its row commits.
 */
export async function sweepOrphanFiles(
  ctx: Pick<Ctx, 'db' | 'clock' | 'config'>,
  o: { graceHours?: number; batch?: number } = {},
): Promise<{ seen: number; removed: number }> {
  const store = fileStoreOf(ctx);
  if (!store) return { seen: 0, removed: 0 };
  const graceMs = (o.graceHours ?? ctx.config.files.graceHours) * 3600_000;
  // Wall time, not the server's clock: objects carry the file system's (or the bucket's) time.
  const cutoff = Date.now() - graceMs;
  const batch = o.batch ?? 500;
  let seen = 0;
  let removed = 0;
  let old: string[] = [];
  const sweep = async () => {
    const named = await repo.namedShas(ctx.db, old);
    for (const sha of old) {
      if (named.has(sha)) continue;
      await store.delete(sha);
      removed++;
    }
    old = [];
  };
  for await (const obj of store.list()) {
    seen++;
    if (obj.modifiedAt.getTime() > cutoff) continue;
    old.push(obj.sha256);
    if (old.length >= batch) await sweep();
  }
  await sweep();
  return { seen, removed };
}

export interface MigrateProgress {
  table: string;
  done: number;
  total: number;
  bytes: number;
}

/**
 * Moves files kept in rows (bytea) to the store, table by table, batch by batch, while the system
 * runs: each file is written, read back and checked against its hash, then its row's bytes are set
 * to null in a short statement. Resumable: a second run starts from the rows still holding bytes.
 * A row whose bytes do not match its recorded hash is left as it is and counted.
 */
export async function migrateFilesToStore(
  ctx: { db: Db; config: Pick<Config, 'files'> },
  o: {
    batch?: number;
    onStart?: (total: number, bytes: number) => void;
    onProgress?: (p: MigrateProgress) => void;
  } = {},
): Promise<{ moved: number; bytes: number; mismatched: { table: string; id: number }[] }> {
  const store = fileStoreOf(ctx);
  if (!store)
    throw new FileMissingError('未配置文件存储：请设置 TANFANG_FILES_DIR 或 TANFANG_S3_BUCKET 后再迁移');
  const batch = o.batch ?? 200;
  const counts = await Promise.all(repo.FILE_TABLES.map((t) => repo.inlineCount(ctx.db, t)));
  o.onStart?.(
    counts.reduce((n, c) => n + c.rows, 0),
    counts.reduce((n, c) => n + c.bytes, 0),
  );
  let moved = 0;
  let bytes = 0;
  const mismatched: { table: string; id: number }[] = [];
  for (const [i, t] of repo.FILE_TABLES.entries()) {
    let after = 0;
    let done = 0;
    for (;;) {
      const rows = await repo.inlineBatch(ctx.db, t, after, batch);
      if (!rows.length) break;
      const ok: { id: number; sha256: string }[] = [];
      for (const r of rows) {
        const content = Buffer.from(r.bytes);
        if (sha256Of(content) !== r.sha256) {
          mismatched.push({ table: t.table, id: r.id });
          continue;
        }
        await store.put(content);
        const back = await store.get(r.sha256);
        if (!back) throw new FileMissingError(`写入后读不到文件 ${r.sha256.slice(0, 12)}…（${store.where}）`);
        checked(r.sha256, back);
        ok.push({ id: r.id, sha256: r.sha256 });
        bytes += content.length;
      }
      const n = await repo.markStored(ctx.db, t, ok);
      moved += n;
      done += rows.length;
      after = Number(rows[rows.length - 1].id);
      o.onProgress?.({ table: t.table, done, total: counts[i].rows, bytes });
    }
  }
  return { moved, bytes, mismatched };
}

/**
 * Checks that every stored file some row names is in the store, and (with `read`) that its bytes hash
 * to its name. Returns the names missing or damaged (after a restore, or to check a replica).
 */
export async function verifyStoredFiles(
  ctx: { db: Db; config: Pick<Config, 'files'> },
  o: { read?: boolean; onProgress?: (checked: number) => void } = {},
): Promise<{ checked: number; missing: string[]; damaged: string[] }> {
  const store = fileStoreOf(ctx);
  const missing: string[] = [];
  const damaged: string[] = [];
  let n = 0;
  let after = '';
  for (;;) {
    const shas = await repo.storedShas(ctx.db, after, 1000);
    if (!shas.length) break;
    for (const sha of shas) {
      n++;
      if (!store) {
        missing.push(sha);
        continue;
      }
      if (!o.read) {
        if (!(await store.has(sha))) missing.push(sha);
        continue;
      }
      try {
        if (!(await store.get(sha))) missing.push(sha);
      } catch {
        damaged.push(sha);
      }
    }
    after = shas[shas.length - 1];
    o.onProgress?.(n);
  }
  return { checked: n, missing, damaged };
}

/** Every stored file a row names, in name order, with its bytes (the backup's files section). */
export async function* storedFiles(ctx: {
  db: Db;
  config: Pick<Config, 'files'>;
}): AsyncGenerator<{ sha256: string; bytes: Buffer }> {
  let after = '';
  for (;;) {
    const shas = await repo.storedShas(ctx.db, after, 500);
    if (!shas.length) return;
    for (const sha of shas) {
      yield { sha256: sha, bytes: await fileBytes(ctx, { sha256: sha, stored: true, content: null }) };
    }
    after = shas[shas.length - 1];
  }
}
