import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Db, openDb } from '../src/server/db/db.js';
import { migrate } from '../src/server/db/migrate.js';
import { sql } from '../src/server/db/sql.js';
import { sha256Of } from '../src/server/modules/files/index.js';
import { shardedName } from '../src/server/modules/files/store.js';
import { seedAreas } from '../src/server/seed/demo.js';
import { testEnv } from './context.js';

/**
 * `tanfang files migrate | verify` as an operator runs them: the real command in its own process,
 * on a database of its own (an embedded folder, or a schema of DATABASE_URL's server), a folder store.
 */
const ROOT = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'tanfang-files-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const shared = await testEnv();

function tanfang(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [join(ROOT, 'bin/tanfang.mjs'), ...args], {
    env: { ...process.env, DATABASE_URL: '', TANFANG_TSX: '1', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

/** A database of its own for the command, with its URL or folder; `close` before the command runs. */
async function ownDatabase(): Promise<{
  env: Record<string, string>;
  open: () => Promise<Db>;
  drop: () => Promise<void>;
}> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const dataDir = join(work, 'data');
    return { env: { TANFANG_DATA_DIR: dataDir }, open: () => openDb({ dataDir }), drop: async () => {} };
  }
  const schema = `files_cli_${Date.now().toString(36)}`;
  await shared.ctx.db.exec(sql(`create schema ${schema}`));
  const own = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    env: { DATABASE_URL: own },
    open: () => openDb({ databaseUrl: own }),
    drop: async () => {
      await shared.ctx.db.exec(sql(`drop schema ${schema} cascade`));
    },
  };
}

describe('tanfang files migrate and verify (the command)', () => {
  it('moves kept reports to the folder store, checked, and verify finds a missing object', async () => {
    const own = await ownDatabase();
    const store = join(work, 'store');
    try {
      let db = await own.open();
      await migrate(db);
      const areas = await db.tx((q) => seedAreas(q));
      const district = areas.get('150602')!;
      const files = Array.from({ length: 5 }, () =>
        Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(20_000)]),
      );
      for (const [i, f] of files.entries()) {
        await db.query(
          sql(`insert into oversight_reports (kind, period, area_id, filename, size, sha256, content, created_at)
           values ('monthly', $1, $2, $3, $4, $5, $6, now())`),
          [`2026-0${i + 1}`, district, `r${i}.pdf`, f.length, sha256Of(f), f],
        );
      }
      await db.close();

      const env = { ...own.env, TANFANG_FILES_DIR: store };
      const moved = tanfang(['files', 'migrate', '--batch', '2'], env);
      expect(moved.status, moved.stderr).toBe(0);
      expect(moved.stdout).toContain('待迁移 5 个文件');
      expect(moved.stdout).toContain('已迁移 5 个文件');
      for (const f of files)
        expect(readdirSync(join(store, shardedName(sha256Of(f)), '..'))).toContain(sha256Of(f));

      db = await own.open();
      const rows = await db.query<{ stored: boolean; content: unknown }>(
        sql('select stored, content from oversight_reports order by id'),
      );
      await db.close();
      expect(rows).toEqual(files.map(() => ({ stored: true, content: null })));

      const ok = tanfang(['files', 'verify', '--read'], env);
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('核对 5 个文件：缺少 0 个，损坏 0 个');
      unlinkSync(join(store, shardedName(sha256Of(files[2]))));
      const missing = tanfang(['files', 'verify'], env);
      expect(missing.status).toBe(2);
      expect(missing.stdout).toContain(sha256Of(files[2]));
      // Without a store configured the command says what to set.
      const none = tanfang(['files', 'migrate'], own.env);
      expect(none.status).toBe(1);
      expect(none.stderr).toContain('TANFANG_FILES_DIR');
    } finally {
      await own.drop();
    }
  }, 300_000);
});
