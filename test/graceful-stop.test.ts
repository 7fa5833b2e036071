import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';

// Issue #9: a real server process stopped with SIGTERM while a slow request is in flight. The slow
// request is a login whose body arrives in two parts, a second apart (a slow client), so it is
// exactly "in flight" when the signal comes.
const ROOT = join(import.meta.dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startServer(dataDir: string, port: number, env: Record<string, string> = {}) {
  return new Promise<{ child: ReturnType<typeof spawn>; output: () => string }>((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/tanfang.mjs'), 'start'], {
      env: {
        ...process.env,
        DATABASE_URL: '',
        TANFANG_DEMO: '0',
        TANFANG_DATA_DIR: dataDir,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ...env,
      },
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no start:\n${output}`)), 120000);
    child.stdout!.on('data', (d) => {
      output += d;
      if (output.includes('接口文档')) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    });
    child.stderr!.on('data', (d) => (output += d));
    child.on('exit', () => reject(new Error(`exited:\n${output}`)));
  });
}

/** Opens a TCP connection and collects everything the server sends until it closes the connection. */
function rawConnection(port: number) {
  return new Promise<{ socket: Socket; received: Promise<string> }>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const received = new Promise<string>((done) => {
      socket.on('data', (d) => (data += d));
      socket.on('close', () => done(data));
    });
    socket.once('connect', () => resolve({ socket, received }));
    socket.once('error', reject);
  });
}

/** Whether a new TCP connection to the port is accepted. */
const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

describe('graceful stop (SIGTERM)', () => {
  it('finishes the request in flight, refuses new connections, answers 503 while draining, exits 0', async () => {
    const dataDir = join(ROOT, '.tmp', `graceful-${process.pid}-${Date.now()}`);
    const port = await freePort();
    try {
      const { child, output } = await startServer(dataDir, port);
      const password = output().match(/用户名 admin\s+密码 (\S+)/)?.[1];
      expect(password, output()).toBeTruthy();
      const ready = await fetch(`http://127.0.0.1:${port}/api/health`);
      expect(ready.status).toBe(200);
      const exited = new Promise<number | null>((resolve) => {
        child.removeAllListeners('exit');
        child.on('exit', (code) => resolve(code));
      });

      // The slow request: headers and half the body now, the rest after the signal.
      const body = JSON.stringify({ username: 'admin', password });
      const half = Math.floor(body.length / 2);
      const { socket, received } = await rawConnection(port);
      socket.write(
        `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
      );
      await sleep(300);
      child.kill('SIGTERM');
      await sleep(700);
      // Draining: the listener is closed, so a new connection is refused…
      expect(await accepts(port)).toBe(false);
      expect(child.exitCode).toBeNull(); // …while the process waits for the request in flight.
      // The rest of the body, and a readiness probe pipelined on the same (still open) connection.
      socket.write(
        `${body.slice(half)}GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
      );
      const text = await received;
      const responses = text.split(/(?=HTTP\/1\.1 )/);
      expect(responses[0]).toMatch(/^HTTP\/1\.1 200/);
      expect(responses[0]).toContain('"token"');
      // Fastify's closing guard answers the probe (and any request arriving while closing) with 503.
      expect(responses).toHaveLength(2);
      expect(responses[1]).toMatch(/^HTTP\/1\.1 503/);
      expect(await exited).toBe(0);
      expect(output()).toContain('已停止');
    } finally {
      await sleep(300);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240000);

  it('with TANFANG_DRAIN_SECONDS, keeps serving new connections while readiness answers 503, then stops', async () => {
    // A load balancer (ops/ha HAProxy: check every second) takes the process out on the 503 before
    // the listener closes, so a rolling restart refuses nothing.
    const dataDir = join(ROOT, '.tmp', `drain-${process.pid}-${Date.now()}`);
    const port = await freePort();
    try {
      const { child } = await startServer(dataDir, port, { TANFANG_DRAIN_SECONDS: '3' });
      const exited = new Promise<number | null>((resolve) => {
        child.removeAllListeners('exit');
        child.on('exit', (code) => resolve(code));
      });
      const t0 = Date.now();
      child.kill('SIGTERM');
      await sleep(500);
      const ready = await fetch(`http://127.0.0.1:${port}/api/health`);
      expect(ready.status).toBe(503);
      expect((await ready.json()).message).toBe('正在停机');
      // A new connection is still served (fetch opens its own).
      const live = await fetch(`http://127.0.0.1:${port}/api/health?probe=live`, {
        headers: { connection: 'close' },
      });
      expect(live.status).toBe(200);
      expect(await exited).toBe(0);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
      expect(await accepts(port)).toBe(false);
    } finally {
      await sleep(300);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240000);
});
