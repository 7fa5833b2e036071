import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Db, Queryable } from '../src/server/db/db.js';
import { sql } from '../src/server/db/sql.js';
import { SYSTEM_SCOPE } from '../src/server/http/scope.js';

/** Warm-up requests before timing: 10, or a tenth of the timed ones when that is more (the work
 * lists' 2,000 requests would otherwise put the first JIT-cold requests into their p95). */
export function warmUps(n: number): number {
  return Math.min(n, Math.max(10, Math.floor(n / 10)));
}

/** p50 / p95 / max of a list of milliseconds. */
export function percentiles(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
  return { p50: at(50), p95: at(95), max: s[s.length - 1] ?? 0, n: s.length };
}

export interface Recorded {
  sql: string;
  params: unknown[];
}

/**
 * Wraps a Db so the SQL an API request runs can be captured and then replayed on its own: the
 * "raw SQL behind it" of each benchmark is literally what the repositories sent.
 */
export function recordingDb(
  db: Db,
): Db & { record<T>(fn: () => Promise<T>): Promise<{ result: T; log: Recorded[] }> } {
  let log: Recorded[] | null = null;
  const wrap =
    (q: Queryable): Queryable['query'] =>
    (sql, params) => {
      log?.push({ sql, params: params ?? [] });
      return q.query(sql, params);
    };
  return {
    kind: db.kind,
    query: wrap(db),
    tx: (fn) => db.tx((q) => fn({ query: wrap(q) })),
    session: (fn) => db.session((q) => fn({ query: wrap(q) })),
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
    async record(fn) {
      log = [];
      try {
        const result = await fn();
        return { result, log };
      } finally {
        log = null;
      }
    },
  };
}

const isRead = (sql: string) =>
  /^\s*(select|with)\b/i.test(sql) &&
  !/\bfor update\b/i.test(sql) &&
  !/\b(insert|update|delete)\b/i.test(sql.replace(/'[^']*'/g, ''));

/** Relations a JSON plan reads sequentially. */
function seqScanned(plan: any, out: string[] = []): string[] {
  if (!plan || typeof plan !== 'object') return out;
  if (plan['Node Type'] === 'Seq Scan') out.push(plan['Relation Name']);
  for (const p of plan.Plans ?? []) seqScanned(p, out);
  return out;
}

/**
 * Sequential scans of big tables (1,000 rows or more) in a JSON plan. The size is the table's, not
 * the plan's row estimate: a filtered scan that returns one row of a million estimates 1 row (the
 * person file scanned 980,000 assignments for a year and was never listed here).
 */
async function seqScans(db: Queryable, plan: any): Promise<string[]> {
  const rels = [...new Set(seqScanned(plan))];
  if (!rels.length) return [];
  const rows = await db.query<{ relname: string; n: number }>(
    sql('select relname, reltuples::float8 as n from pg_class where relname = any($1::text[])'),
    [rels],
  );
  return rows
    .filter((r) => Number(r.n) >= 1000)
    .map((r) => `${r.relname} (~${Math.round(Number(r.n))} rows)`);
}

/**
 * The statements one request runs, each EXPLAINed (writes too: EXPLAIN without ANALYZE runs
 * nothing), and the sequential scans of big tables in their plans.
 */
export async function explainRequest(
  db: ReturnType<typeof recordingDb>,
  send: () => Promise<{ statusCode: number; body: string }>,
) {
  const { result, log } = await db.record(send);
  const scans: string[] = [];
  for (const r of log) {
    if (/^\s*(begin|commit|rollback|set|select pg_)/i.test(r.sql)) continue;
    try {
      const [row] = await db.query<any>(sql(`explain (format json) ${r.sql}`), r.params);
      const plan = row['QUERY PLAN'];
      const parsed = typeof plan === 'string' ? JSON.parse(plan) : plan;
      for (const s of await seqScans(db, parsed[0].Plan))
        scans.push(`${s} in: ${r.sql.replace(/\s+/g, ' ').slice(0, 140)}`);
    } catch {
      /* not explainable with its parameters */
    }
  }
  return { status: result.statusCode, statements: log.length, scans: [...new Set(scans)], log };
}

export interface EndpointResult {
  name: string;
  url: string;
  queries: number;
  reads: number;
  writes: number;
  api: ReturnType<typeof percentiles>;
  sql: ReturnType<typeof percentiles>;
  ratioP50: number;
  ratioP95: number;
  seqScans: string[];
  status: number;
  /** Rows in the answer's `items` (a list that came back empty measured only the round trips). */
  items?: number;
  note?: string;
}

/**
 * Times one GET endpoint through real HTTP against the in-process server, and the read statements it
 * ran, replayed one after another on the same database. Writes the request makes (audit rows of a
 * person view) are counted but not replayed.
 */
export async function measureEndpoint(o: {
  name: string;
  app: FastifyInstance;
  db: ReturnType<typeof recordingDb>;
  baseUrl: string;
  url: string;
  token: string;
  n: number;
}): Promise<EndpointResult> {
  const headers = { authorization: `Bearer ${o.token}` };
  const { result: first, log } = await o.db.record(() =>
    o.app.inject({ method: 'GET', url: o.url, headers }),
  );
  if (first.statusCode !== 200) {
    return {
      name: o.name,
      url: o.url,
      queries: log.length,
      reads: 0,
      writes: 0,
      api: percentiles([]),
      sql: percentiles([]),
      ratioP50: 0,
      ratioP95: 0,
      seqScans: [],
      status: first.statusCode,
      note: first.body.slice(0, 200),
    };
  }
  const reads = log.filter((r) => isRead(r.sql));
  const scans: string[] = [];
  if (o.db.kind === 'postgresql' || o.db.kind === 'pglite') {
    for (const r of reads) {
      try {
        const [row] = await o.db.query<any>(sql(`explain (format json) ${r.sql}`), r.params);
        const plan = row['QUERY PLAN'];
        const parsed = typeof plan === 'string' ? JSON.parse(plan) : plan;
        for (const s of await seqScans(o.db, parsed[0].Plan))
          scans.push(`${s} in: ${r.sql.replace(/\s+/g, ' ').slice(0, 120)}`);
      } catch {
        /* some statements (set-returning helpers) cannot be explained with parameters */
      }
    }
  }
  // API and SQL alternate, so both meet the same cache: timed one after the other, the first of the
  // two paid for a cold copy of the database (a 1,000,000-person copy is read from disk at first).
  const warm = warmUps(o.n);
  const api: number[] = [];
  const sqlMs: number[] = [];
  for (let i = 0; i < o.n + warm; i++) {
    let t = performance.now();
    const status = await httpGet(`${o.baseUrl}${o.url}`, headers);
    if (status !== 200) throw new Error(`${o.url} answered ${status}`);
    if (i >= warm) api.push(performance.now() - t);
    t = performance.now();
    for (const r of reads) await o.db.query(sql(r.sql), r.params);
    if (i >= warm) sqlMs.push(performance.now() - t);
  }
  const a = percentiles(api);
  const s = percentiles(sqlMs);
  return {
    name: o.name,
    url: o.url,
    queries: log.length,
    reads: reads.length,
    writes: log.length - reads.length,
    api: a,
    sql: s,
    ratioP50: s.p50 ? a.p50 / s.p50 : 0,
    ratioP95: s.p95 ? a.p95 / s.p95 : 0,
    seqScans: [...new Set(scans)],
    status: 200,
    items: itemsOf(first.body),
  };
}

/**
 * What HTTP, the framework and this system's code each add to the same statements. Two bare routes run
 * the reads the real route ran for `url`, through the same database one after the other, and answer
 * the last one's rows as they came (JSON.stringify): one on node:http alone, one on Fastify without
 * hooks, login, validation, response schema or presenting. Each round times the three routes (the
 * order rotating) and the replayed SQL, so all meet the same moment of the machine: node:http's time
 * above the SQL is HTTP's, bare Fastify's above node:http's is the framework's, and the real route's
 * above bare Fastify's (per round) is this system's code.
 */
export async function measureFloor(o: Omit<Parameters<typeof measureEndpoint>[0], 'name'>) {
  const headers = { authorization: `Bearer ${o.token}` };
  const { log } = await o.db.record(() => o.app.inject({ method: 'GET', url: o.url, headers }));
  const reads = log.filter((r) => isRead(r.sql));
  const run = async () => {
    let rows: unknown[] = [];
    for (const r of reads) rows = await o.db.query(sql(r.sql), r.params);
    return { items: rows };
  };
  const bare = Fastify();
  bare.get('/floor', run);
  const bareUrl = `${await bare.listen({ port: 0, host: '127.0.0.1' })}/floor`;
  const plain = http.createServer((_req, res) => {
    run().then(
      (body) => {
        const json = JSON.stringify(body);
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(json),
        });
        res.end(json);
      },
      () => {
        res.writeHead(500);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const plainUrl = `http://127.0.0.1:${(plain.address() as { port: number }).port}/floor`;
  const urls = [plainUrl, bareUrl, `${o.baseUrl}${o.url}`];
  const warm = warmUps(o.n);
  const times: number[][] = [[], [], []];
  const [sqlMs, framework, added] = [[], [], []] as number[][];
  const time = async (url: string) => {
    const t = performance.now();
    const status = await httpGet(url, headers);
    if (status !== 200) throw new Error(`${url} answered ${status}`);
    return performance.now() - t;
  };
  try {
    for (let i = 0; i < o.n + warm; i++) {
      const t3 = [0, 0, 0];
      for (let k = 0; k < 3; k++) {
        const which = (i + k) % 3;
        t3[which] = await time(urls[which]);
      }
      const t = performance.now();
      for (const q of reads) await o.db.query(sql(q.sql), q.params);
      if (i < warm) continue;
      sqlMs.push(performance.now() - t);
      for (let k = 0; k < 3; k++) times[k].push(t3[k]);
      framework.push(t3[1] - t3[0]);
      added.push(t3[2] - t3[1]);
    }
  } finally {
    await bare.close();
    await new Promise((resolve) => plain.close(resolve));
  }
  return {
    sql: percentiles(sqlMs),
    plain: percentiles(times[0]),
    bare: percentiles(times[1]),
    real: percentiles(times[2]),
    framework: percentiles(framework),
    added: percentiles(added),
  };
}

function itemsOf(body: string): number | undefined {
  try {
    const items = (JSON.parse(body) as { items?: unknown }).items;
    return Array.isArray(items) ? items.length : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One kept-alive HTTP/1.1 connection, written and read as bytes: the request is one write, the answer
 * is complete when its headers and `content-length` bytes of body are in. This is what load testers do
 * (autocannon, wrk), and it keeps the measuring client's own work out of the API's time: the client runs
 * in the server's process, and node:http's client cost ~0.1–0.15 ms of that process per request in a
 * CPU profile of the work lists (agent, request object, header parsing, stream events), which the API's
 * time then carried. The bare routes of `measureFloor` are read with the same client.
 */
class Connection {
  private socket: net.Socket | null = null;
  private chunks: Buffer[] = [];
  private received = 0;
  private waiting: { resolve: (status: number) => void; reject: (e: Error) => void } | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  private connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.port, this.host);
      socket.setNoDelay(true);
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
      socket.on('data', (d) => this.onData(d));
      socket.on('close', () => {
        if (this.socket === socket) this.socket = null;
        this.fail(new Error('the server closed the connection'));
      });
    });
  }

  private fail(e: Error) {
    const w = this.waiting;
    this.waiting = null;
    this.chunks = [];
    this.received = 0;
    w?.reject(e);
  }

  private onData(d: Buffer) {
    this.chunks.push(d);
    this.received += d.length;
    const buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [buf];
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = buf.toString('latin1', 0, end);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) return this.fail(new Error(`an answer without content-length: ${head.slice(0, 200)}`));
    const total = end + 4 + Number(length[1]);
    if (this.received < total) return;
    if (this.received > total) return this.fail(new Error('more bytes than the answer announced'));
    const w = this.waiting;
    this.waiting = null;
    this.chunks = [];
    this.received = 0;
    w?.resolve(Number(head.slice(9, 12)));
  }

  async get(path: string, headers: Record<string, string>): Promise<number> {
    if (this.waiting) throw new Error('one request at a time on a connection');
    this.socket ??= await this.connect();
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
    const request = `GET ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\n${lines.join('')}\r\n`;
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket!.write(request);
    });
  }
}

const connections = new Map<string, Connection>();

/** One GET of `url` (the whole answer read); its status. */
function httpGet(url: string, headers: Record<string, string>): Promise<number> {
  const u = new URL(url);
  let c = connections.get(u.host);
  if (!c) {
    c = new Connection(u.hostname, Number(u.port));
    connections.set(u.host, c);
  }
  return c.get(u.pathname + u.search, headers);
}

/** Peak resident memory of a process, sampled while fn runs (own process when pid is omitted). */
export async function withPeakRss<T>(
  fn: () => Promise<T>,
  pid?: number,
): Promise<{ result: T; baseMb: number; peakMb: number }> {
  const rss = () => {
    if (!pid) return process.memoryUsage().rss / 1048576;
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  };
  const baseMb = rss();
  let peakMb = baseMb;
  const timer = setInterval(() => {
    peakMb = Math.max(peakMb, rss());
  }, 50);
  try {
    const result = await fn();
    peakMb = Math.max(peakMb, rss());
    return { result, baseMb, peakMb };
  } finally {
    clearInterval(timer);
  }
}

/**
 * The bureau dashboard's figures counted the plain way: every figure of the period by its grouped
 * query over the base tables, split by town (oversight repo `countFigures`, the same predicates the
 * figure cells are computed with). What the dashboard would cost without its kept cells.
 */
export async function plainDashboardSql(db: Db, now: Date, period: string, n: number) {
  const repo = await import('../src/server/modules/oversight/repo.js');
  const service = await import('../src/server/modules/oversight/service.js');
  const root = await repo.rootArea(db);
  const metrics = await service.availableMetrics(db);
  const opts = await service.figureOptions(db);
  const slice = {
    area: { id: root.id, level: root.level },
    scope: SYSTEM_SCOPE,
  };
  const ms: number[] = [];
  for (let i = 0; i < n + 1; i++) {
    const t = performance.now();
    await repo.countFigures(db, metrics, slice, service.periodBounds(period, now), 'town_id', opts);
    if (i > 0) ms.push(performance.now() - t);
  }
  return { metrics: metrics.length, ...percentiles(ms) };
}

/**
 * What the machine did over a window, from /proc/stat (all cores): the share of time busy (user,
 * system, interrupts: this process, PostgreSQL and anything else), waiting for I/O, and stolen by the
 * hypervisor for other guests. Read once at the start and once at the end, nothing in between: the
 * timings inside the window are not disturbed. Null where /proc/stat cannot be read.
 */
export function machineWindow(): () => { busy: number; iowait: number; steal: number; load: string } | null {
  const read = () => {
    try {
      const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
      return {
        busy: user + nice + system + irq + softirq,
        idle,
        iowait,
        steal,
        total: f.slice(0, 8).reduce((a, b) => a + b, 0),
      };
    } catch {
      return null;
    }
  };
  const a = read();
  return () => {
    const b = read();
    if (!a || !b || b.total === a.total) return null;
    const t = b.total - a.total;
    const pct = (k: 'busy' | 'iowait' | 'steal') => (100 * (b[k] - a[k])) / t;
    return {
      busy: pct('busy'),
      iowait: pct('iowait'),
      steal: pct('steal'),
      load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    };
  };
}
