import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from '../src/server/lib/xlsx.js';
import { CHECKLIST_V1, fineAnswers } from '../src/shared/checklist.js';
import { chinaDate } from '../src/shared/china-time.js';
import { seasonFlags } from '../src/shared/schedule.js';
import { testEnv } from './context.js';
import { buildPerson, buildTown, buildUser, freshIdNumber, TEST_PASSWORD } from './factories.js';

/**
 * Several stateless server processes on one PostgreSQL: two real `tanfang start` processes serve the
 * same users, a job runs once, and what one stores the other reads. PGlite is one process by design
 * (its folder cannot be opened twice), so this runs only when DATABASE_URL is set.
 */
const URL = process.env.DATABASE_URL;
const ROOT = join(import.meta.dirname, '..');
if (!URL)
  console.warn(
    'multi-process test: runs only on PostgreSQL (set DATABASE_URL); the embedded database is one process by design',
  );

interface Server {
  proc: ChildProcess;
  url: string;
  output: () => string;
}

/**
 * Starts a server process on a port the system picks (PORT=0) and reads the port from its start
 * lines: a port chosen here and bound there could be taken in between by another test's listener,
 * which then answered for it (CI saw a 204 from a webhook receiver).
 */
async function startServer(): Promise<Server> {
  const proc = spawn(process.execPath, [join(ROOT, 'bin/tanfang.mjs'), 'start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: URL,
      TANFANG_DEMO: '0',
      // The jobs are started through the API below, so the test decides when they run.
      TANFANG_JOBS: '0',
      TANFANG_SECRET_KEY: '07'.repeat(32),
      TANFANG_DATA_DIR: join(
        ROOT,
        `.tmp/multi-process-${process.pid}-${Math.random().toString(36).slice(2)}`,
      ),
      LOG_LEVEL: 'warn',
      TZ: 'Asia/Shanghai',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 200000;
  let last = 'no answer';
  let url = '';
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited:\n${out}`);
    // The port it bound, from its start lines (网址: http://localhost:PORT).
    const port = out.match(/网址:\s+http:\/\/localhost:(\d+)/)?.[1];
    if (!port) {
      if (Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 300));
      continue;
    }
    url = `http://127.0.0.1:${port}`;
    try {
      const r = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(10000) });
      // Our server's answer, not whatever else took the port (a busy machine's other tests): a 2xx from
      // something else must not pass for it.
      const body = await r.text();
      if (r.ok && body.includes('"status":"ok"')) break;
      last = `${r.status} ${body}`;
    } catch (e) {
      last = (e as Error).message; // not listening yet, or no answer in time
    }
    if (Date.now() > deadline) throw new Error(`server on ${url} did not answer (health: ${last}):\n${out}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return { proc, url, output: () => out };
}

async function stopServer(s: Server | undefined) {
  if (!s || s.proc.exitCode !== null) return;
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10000))]);
  if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
}

// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

const bearer = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

describe.runIf(!!URL)('two server processes on one PostgreSQL', () => {
  let a: Server | undefined;
  let b: Server | undefined;
  let adminName = '';
  let visitorName = '';
  let personId = 0;
  let officerName = '';
  let town: { id: number; name: string } = { id: 0, name: '' };
  let villageName = '';

  beforeAll(async () => {
    const env = await testEnv();
    // A user exists before the servers start, so their first start seeds nothing.
    adminName = (await buildUser(env, 'bureau_admin', env.districtId)).username;
    const built = await buildTown(env);
    const villages = built.villages;
    town = built.town;
    villageName = villages[0].name;
    officerName = (await buildUser(env, 'town_officer', town.id)).username;
    const visitor = await buildUser(env, 'visitor', villages[0].id);
    visitorName = visitor.username;
    personId = (await buildPerson(env, { townId: town.id, villageId: villages[0].id, visitorId: visitor.id }))
      .id;
    // One after the other: the first builds the web app if it is missing, the second finds it built.
    a = await startServer();
    b = await startServer();
  }, 420000);

  afterAll(async () => {
    await Promise.all([stopServer(a), stopServer(b)]);
  });

  it('a session made on one process works on the other, and a logout on the other ends it on both', async () => {
    const res = await fetch(`${a!.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: adminName, password: TEST_PASSWORD }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const { token } = (await res.json()) as { token: string };

    const meOnB = await fetch(`${b!.url}/api/me`, { headers: bearer(token) });
    expect(meOnB.status).toBe(200);
    expect(JSON.stringify(await meOnB.json())).toContain(adminName);

    const out = await fetch(`${b!.url}/api/auth/logout`, {
      method: 'POST',
      headers: bearer(token),
      body: '{}',
    });
    expect(out.status).toBe(204);
    expect((await fetch(`${a!.url}/api/me`, { headers: bearer(token) })).status).toBe(401);
    expect((await fetch(`${b!.url}/api/me`, { headers: bearer(token) })).status).toBe(401);
  });

  it('the same job started on both processes at once runs on one of them only', async () => {
    const login = async (s: Server) => {
      const r = await fetch(`${s.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: adminName, password: TEST_PASSWORD }),
      });
      return ((await r.json()) as { token: string }).token;
    };
    const [ta, tb] = [await login(a!), await login(b!)];
    const jobs = (await (await fetch(`${a!.url}/api/jobs`, { headers: bearer(ta) })).json()) as {
      items: { name: string }[];
    };
    expect(jobs.items.length).toBeGreaterThan(0);
    const job = jobs.items[0].name;

    // Hold the job's bookkeeping row: whichever process takes the job's advisory lock first stops at
    // its first write and keeps the lock, so the other must find the job running — a real overlap,
    // however fast the job itself is.
    const holder = new pg.Client({ connectionString: URL });
    await holder.connect();
    try {
      await holder.query('insert into job_runs (name) values ($1) on conflict (name) do nothing', [job]);
      await holder.query('begin');
      await holder.query('select name from job_runs where name = $1 for update', [job]);
      const run = (s: Server, t: string) =>
        fetch(`${s.url}/api/jobs/${encodeURIComponent(job)}/run`, {
          method: 'POST',
          headers: bearer(t),
          body: '{}',
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { ran: boolean } }));
      const both = [run(a!, ta), run(b!, tb)];
      const first = await Promise.race(both);
      // The one that answers while the row is held could not have run the job.
      expect(first).toEqual({ status: 200, body: expect.objectContaining({ ran: false }) });
      await holder.query('commit');
      const results = await Promise.all(both);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      expect(results.filter((r) => r.body.ran)).toHaveLength(1);
      const [row] = (await holder.query('select last_finished_at from job_runs where name = $1', [job])).rows;
      expect(row.last_finished_at).not.toBeNull();
    } finally {
      await holder.query('rollback').catch(() => {});
      await holder.end();
    }

    // Once the first run is over, the other process may run it again.
    const again = await fetch(`${b!.url}/api/jobs/${encodeURIComponent(job)}/run`, {
      method: 'POST',
      headers: bearer(tb),
      body: '{}',
    });
    expect(((await again.json()) as { ran: boolean }).ran).toBe(true);
  });

  it('a visit photo sent to one process is served by the other (files live in the database)', async () => {
    const r = await fetch(`${a!.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: visitorName, password: TEST_PASSWORD }),
    });
    const { token } = (await r.json()) as { token: string };
    const at = new Date(Date.now() - 3600000);
    const sent = await fetch(`${a!.url}/api/visits`, {
      method: 'POST',
      headers: bearer(token),
      body: JSON.stringify({
        clientId: randomUUID(),
        personId,
        at: at.toISOString(),
        method: 'in_person',
        outcome: 'reached',
        answers: fineAnswers(CHECKLIST_V1, seasonFlags(chinaDate(at))),
        photos: [{ data: PNG.toString('base64') }],
      }),
    });
    expect(sent.status, await sent.clone().text()).toBe(201);
    const visit = (await sent.json()) as { id: number; photos: { url: string }[] };
    const photo = await fetch(`${b!.url}${visit.photos[0].url}`, { headers: bearer(token) });
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await photo.arrayBuffer()).equals(PNG)).toBe(true);
    // The visit itself reads the same on the other process.
    const onB = await fetch(`${b!.url}/api/visits/${visit.id}`, { headers: bearer(token) });
    expect(((await onB.json()) as { id: number }).id).toBe(visit.id);
  });

  it('an import run on one process reports its progress and its rejected rows on the other', async () => {
    const login = await fetch(`${a!.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: officerName, password: TEST_PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('花名册');
    ws.addRow(['姓名', '身份证号码', '所属镇（街道）', '村（社区）', '生活自理能力', '供养开始日期']);
    ws.addRow(['两进程', freshIdNumber('1944-02-02'), town.name, villageName, '自理', '2020-01-01']);
    ws.addRow(['坏号码', '150602194402021234', town.name, villageName, '自理', '2020-01-01']);
    const body = new FormData();
    body.set('file', new Blob([Buffer.from(await wb.xlsx.writeBuffer())]), 'roster.xlsx');
    const progressId = randomUUID();
    const res = await fetch(`${a!.url}/api/persons/import?progressId=${progressId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const result = (await res.json()) as { created: number; badRowsToken: string };
    expect(result.created).toBe(1);
    const progress = await fetch(`${b!.url}/api/persons/import/progress/${progressId}`, {
      headers: bearer(token),
    });
    expect(await progress.json()).toEqual({ rows: 2, done: true });
    const bad = await fetch(`${b!.url}/api/persons/import/bad-rows/${result.badRowsToken}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(bad.status).toBe(200);
    const read = new ExcelJS.Workbook();
    await read.xlsx.load(await bad.arrayBuffer());
    expect(read.worksheets[0].getRow(2).getCell(2).text).toBe('坏号码');
  });
});
