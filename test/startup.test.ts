import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const run = (env: Record<string, string>) =>
  spawnSync(process.execPath, [join(ROOT, 'bin/tanfang.mjs'), 'db', 'migrate'], {
    env: { ...process.env, DATABASE_URL: '', ...env },
    encoding: 'utf8',
    timeout: 60000,
  });

describe('start-up problems get a one-line message and a non-zero exit', () => {
  it('an unreachable DATABASE_URL', () => {
    const r = run({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('DATABASE_URL');
  });

  it('an unwritable data folder', () => {
    // CI runs as root, which ignores permission bits: a folder inside a regular file is unwritable for anyone.
    const r = run({ TANFANG_DATA_DIR: join(ROOT, 'package.json', 'data') });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('TANFANG_DATA_DIR');
  });

  it('a bad TANFANG_NOW', () => {
    const r = run({ TANFANG_NOW: 'yesterday' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('TANFANG_NOW');
  });
});
