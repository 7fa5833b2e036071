import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checked, type FileStore, isSha256, sha256Of, shardedName } from './store.js';

/**
 * Files in a folder (`TANFANG_FILES_DIR`; may be shared storage mounted on every app server, e.g.
 * NFS). A write goes to `tmp/` in the same folder, is fsynced, renamed to its name and the folder
 * fsynced: an object is either whole under its name or absent, never half-written, across a crash.
 */
export function folderStore(root: string): FileStore {
  const tmp = join(root, 'tmp');
  const pathOf = (sha: string) => join(root, shardedName(sha));
  const fsyncDir = async (dir: string) => {
    const h = await open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  };
  return {
    kind: 'folder',
    where: root,
    async put(bytes) {
      const sha = sha256Of(bytes);
      const target = pathOf(sha);
      try {
        const now = new Date();
        await utimes(target, now, now);
        return sha;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      await mkdir(tmp, { recursive: true, mode: 0o700 });
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      const temp = join(tmp, `${sha}.${randomBytes(6).toString('hex')}`);
      const h = await open(temp, 'wx', 0o600);
      try {
        await h.writeFile(bytes);
        await h.sync();
      } catch (e) {
        await h.close();
        await rm(temp, { force: true });
        throw e;
      }
      await h.close();
      await rename(temp, target);
      await fsyncDir(dirname(target));
      return sha;
    },
    async get(sha) {
      try {
        return checked(sha, await readFile(pathOf(sha)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    async has(sha) {
      try {
        await stat(pathOf(sha));
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw e;
      }
    },
    async delete(sha) {
      await unlink(pathOf(sha)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    },
    async *list() {
      const hex2 = /^[0-9a-f]{2}$/;
      const names = async (dir: string) => readdir(dir).catch(() => [] as string[]);
      for (const a of (await names(root)).filter((n) => hex2.test(n)).sort()) {
        for (const b of (await names(join(root, a))).filter((n) => hex2.test(n)).sort()) {
          for (const f of await names(join(root, a, b))) {
            if (!isSha256(f)) continue;
            const s = await stat(join(root, a, b, f)).catch(() => null);
            if (s) yield { sha256: f, modifiedAt: s.mtime };
          }
        }
      }
    },
  };
}
