import { createHash } from 'node:crypto';

/**
 * Where the bytes of stored files live when they are not in their row (`TANFANG_FILES_DIR` or
 * `TANFANG_S3_BUCKET`): content-addressed, named by the SHA-256 of the bytes (lower-case hex), so the
 * same photo stored twice is one object and a name says what its bytes must hash to.
 */
export interface FileStore {
  readonly kind: 'folder' | 's3';
  /** Where it writes, for messages (a folder path, or s3://bucket/prefix). */
  readonly where: string;
  /**
   * Writes the bytes durably (a folder: temp file, fsync, rename, fsync of the folder) and returns
   * their SHA-256. Writing an existing object again refreshes its time, so the orphan sweeper's grace
   * period runs from the latest writer.
   */
  put(bytes: Buffer): Promise<string>;
  /** The bytes, checked against their name (a mismatch throws `FileCorruptError`); null when absent. */
  get(sha256: string): Promise<Buffer | null>;
  has(sha256: string): Promise<boolean>;
  /** Removes the object (the orphan sweeper only); absent is fine. */
  delete(sha256: string): Promise<void>;
  /** Every object with its last write time, in no particular order (the sweeper, `files verify`). */
  list(): AsyncIterable<{ sha256: string; modifiedAt: Date }>;
  /** Lets the process end (the S3 client's kept-alive connections). */
  close?(): void;
}

export class FileCorruptError extends Error {
  constructor(
    readonly sha256: string,
    got: string,
  ) {
    super(`文件 ${sha256.slice(0, 12)}… 已损坏：内容的 SHA-256 为 ${got.slice(0, 12)}…`);
  }
}

export const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const SHA = /^[0-9a-f]{64}$/;

/** The object's path below the store's root: two levels of 256 folders (ab/cd/abcd…), ~65,000 leaves. */
export function shardedName(sha256: string): string {
  if (!SHA.test(sha256)) throw new Error(`不是 SHA-256 名称：${sha256}`);
  return `${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

export function isSha256(s: string): boolean {
  return SHA.test(s);
}

/** Throws unless the bytes hash to their name. */
export function checked(sha256: string, bytes: Buffer): Buffer {
  const got = sha256Of(bytes);
  if (got !== sha256) throw new FileCorruptError(sha256, got);
  return bytes;
}
