import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCRATCH_ROOT } from '../src/server/http/uploads.js';
import { freePort } from './free-port.js';

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

  it('DATABASE_READ_URL without DATABASE_URL (PGlite has no replicas)', () => {
    const r = run({ DATABASE_READ_URL: 'postgres://postgres@127.0.0.1:5432/x' });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('DATABASE_READ_URL');
  });

  it('a bad TANFANG_NOW', () => {
    const r = run({ TANFANG_NOW: 'yesterday' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('TANFANG_NOW');
  });

  it('NODE_ENV=production with the demo data (the default) does not start', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/tanfang.mjs'), 'start'], {
      env: { ...process.env, DATABASE_URL: '', TANFANG_DEMO: '', NODE_ENV: 'production', PORT: '0' },
      encoding: 'utf8',
      timeout: 60000,
    });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('TANFANG_DEMO=0');
  });
});

describe('TANFANG_DEMO=0', () => {
  it('first start creates only the district and one admin whose printed password logs in; a second start prints none', async () => {
    const dataDir = join(ROOT, '.tmp', `nodemo-${process.pid}-${Date.now()}`);
    const tmp = join(dataDir, 'tmp');
    mkdirSync(tmp, { recursive: true });
    const port = await freePort();
    const start = () =>
      new Promise<{ output: string; stop: () => void; pid: number }>((resolve, reject) => {
        const child = spawn(process.execPath, [join(ROOT, 'bin/tanfang.mjs'), 'start'], {
          env: {
            ...process.env,
            DATABASE_URL: '',
            TANFANG_DEMO: '0',
            TANFANG_DATA_DIR: dataDir,
            PORT: String(port),
            LOG_LEVEL: 'warn',
            TANFANG_JOBS: '0',
            // A temp folder of its own: another suite's server cleaning the shared one at its start
            // would remove the planted folder first.
            TMPDIR: tmp,
          },
        });
        let output = '';
        const timer = setTimeout(() => reject(new Error(`no start:\n${output}`)), 90000);
        child.stdout.on('data', (d) => {
          output += d;
          if (output.includes('接口文档')) {
            clearTimeout(timer);
            resolve({ output, stop: () => child.kill('SIGKILL'), pid: child.pid! });
          }
        });
        child.stderr.on('data', (d) => (output += d));
        child.on('exit', () => reject(new Error(`exited:\n${output}`)));
      });
    try {
      const first = await start();
      const password = first.output.match(/用户名 admin\s+密码 (\S+)/)?.[1];
      expect(password, first.output).toBeTruthy();
      expect(first.output).not.toContain('演示账户');
      const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password }),
      });
      expect(login.status).toBe(200);
      const token = (await login.json()).token;
      const users = await fetch(`http://127.0.0.1:${port}/api/users`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect((await users.json()).items.map((u: { username: string }) => u.username)).toEqual(['admin']);
      // Killed (a crash): what it had in its scratch folder stays until the next start removes it.
      const left = join(tmp, basename(SCRATCH_ROOT), String(first.pid));
      mkdirSync(left, { recursive: true });
      writeFileSync(join(left, 'upload-in-flight.upload'), 'PK');
      first.stop();
      await new Promise((r) => setTimeout(r, 500));
      const second = await start();
      expect(second.output).not.toMatch(/密码 \S+/);
      expect(second.output).toContain('已清理上次异常退出留下的临时文件');
      expect(existsSync(left)).toBe(false);
      second.stop();
    } finally {
      await new Promise((r) => setTimeout(r, 300));
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180000);
});
