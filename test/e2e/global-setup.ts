import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../free-port.js';

const ROOT = join(import.meta.dirname, '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
let server: ChildProcess | undefined;

/**
 * Starts one real server (fresh embedded database with the demo data, built web app) for all browser
 * tests, as `npm start` would on a fresh machine.
 */
export default async function setup(project: TestProject) {
  if (!existsSync(CHROMIUM)) {
    project.provide('e2eUrl', '');
    return;
  }
  if (
    !existsSync(join(ROOT, 'dist/web/index.html')) ||
    !existsSync(join(ROOT, 'dist/web/visitor/visitor.html'))
  )
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const dataDir = join(ROOT, '.tmp/e2e-data');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(join(ROOT, 'test-output/e2e'), { recursive: true });
  const port = await freePort();
  server = spawn(process.execPath, [join(ROOT, 'bin/tanfang.mjs'), 'start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      TANFANG_DATA_DIR: dataDir,
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
      TANFANG_LOGIN_RATE_MAX: '100',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout!.on('data', (d) => (output += d));
  server.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`server exited:\n${output}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not start in time:\n${output}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  project.provide('e2eUrl', url);
  return async () => {
    server?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    server?.kill('SIGKILL');
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2eUrl: string;
  }
}
