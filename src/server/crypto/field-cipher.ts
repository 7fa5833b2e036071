import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config.js';

/**
 * Encryption of sensitive fields (ID numbers, phones): AES-256-GCM with a random IV per value, and an
 * HMAC-SHA256 "blind index" for exact search. Ciphertexts carry the key id (`v1.<kid>.<base64>`) so a
 * key rotation can re-encrypt while old values still read.
 */
declare const sealed: unique symbol;
/**
 * A value as a `*_enc` column keeps it (`v1.<kid>.<base64>`). Opaque on purpose: nothing reads it but
 * `FieldCipher.decrypt`, so a repository row's ID number or phone cannot reach an answer, a file or a
 * log unopened (or opened without a decision to) — a raw read does not compile.
 */
export type Encrypted = { readonly [sealed]: 'encrypted field' };

/** The stored text itself: for re-encrypting in place (ops/key-rotation.ts compares and swaps it), never to show. */
export const storedText = (e: Encrypted): string => e as unknown as string;

export interface FieldCipher {
  encrypt(plain: string): Encrypted;
  decrypt(stored: Encrypted): string;
  /** Keyed hash for exact-match search; stable across key rotations (uses the search key). */
  hash(plain: string): string;
  readonly keyId: string;
}

export function createFieldCipher(keys: Buffer[], searchKey: Buffer): FieldCipher {
  const byId = new Map(keys.map((k) => [kid(k), k]));
  const current = keys[0];
  const currentId = kid(current);
  return {
    keyId: currentId,
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', current, iv);
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return `v1.${currentId}.${Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64')}` as unknown as Encrypted;
    },
    decrypt(stored) {
      const [v, id, b64] = (stored as unknown as string).split('.');
      const key = byId.get(id);
      if (v !== 'v1' || !key) throw new Error(`无法解密：未知密钥 ${id}`);
      const buf = Buffer.from(b64, 'base64');
      const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
      d.setAuthTag(buf.subarray(12, 28));
      return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8');
    },
    hash: (plain) => createHmac('sha256', searchKey).update(plain).digest('hex'),
  };
}

const kid = (k: Buffer) => createHash('sha256').update(k).digest('hex').slice(0, 8);

function parseKey(text: string, where: string): Buffer {
  const t = text.trim();
  const buf = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (buf.length !== 32) throw new ConfigError(`${where} 必须是 32 字节密钥（64 位十六进制或 base64）`);
  return buf;
}

/**
 * Keys from TANFANG_SECRET_KEY (comma-separated, newest first, for rotation) or from `secret.key` in
 * the data folder, created on first start. The search-hash key derives from the oldest key so exact
 * search keeps working after rotation.
 */
export function loadFieldCipher(opts: { secretKey?: string; dataDir: string }): FieldCipher {
  let keys: Buffer[];
  if (opts.secretKey) {
    keys = opts.secretKey.split(',').map((k) => parseKey(k, 'TANFANG_SECRET_KEY'));
  } else {
    const file = join(opts.dataDir, 'secret.key');
    if (!existsSync(file)) {
      try {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
      } catch (e) {
        throw new ConfigError(
          `无法创建密钥文件 ${file}（${(e as NodeJS.ErrnoException).code}）：请设置 TANFANG_SECRET_KEY 或使数据目录可写`,
        );
      }
    }
    keys = readFileSync(file, 'utf8')
      .split(/[\n,]/)
      .filter((l) => l.trim())
      .map((k) => parseKey(k, file));
  }
  const searchKey = createHmac('sha256', keys[keys.length - 1])
    .update('tanfang-search-index')
    .digest();
  return createFieldCipher(keys, searchKey);
}
