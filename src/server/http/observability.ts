import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Ctx } from '../context.js';
import { jobRuns } from '../jobs/runner.js';
import { authenticate } from '../modules/auth/index.js';
import { SESSION_COOKIE } from './auth.js';
import { AppError } from './errors.js';

/** Latency buckets (seconds) of the request histogram. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

interface Series {
  count: number;
  sum: number;
  buckets: number[];
}

/** In-process counters, one set per app, rendered in the Prometheus text format at /metrics. */
export class Metrics {
  readonly requests = new Map<string, Series>();
  readonly started = Date.now();

  observe(method: string, route: string, status: number, seconds: number) {
    const key = `${method}\u0000${route}\u0000${status}`;
    let s = this.requests.get(key);
    if (!s) {
      s = { count: 0, sum: 0, buckets: BUCKETS.map(() => 0) };
      this.requests.set(key, s);
    }
    s.count++;
    s.sum += seconds;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) s.buckets[i]++;
  }
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Renders the counters plus what is read at scrape time (pool, jobs). */
export async function renderMetrics(m: Metrics, ctx: Ctx): Promise<string> {
  const out: string[] = [];
  out.push('# HELP tanfang_http_requests_total HTTP requests by method, route and status.');
  out.push('# TYPE tanfang_http_requests_total counter');
  const rows = [...m.requests.entries()].map(([k, s]) => {
    const [method, route, status] = k.split('\u0000');
    return { labels: `method="${method}",route="${esc(route)}",status="${status}"`, s };
  });
  for (const r of rows) out.push(`tanfang_http_requests_total{${r.labels}} ${r.s.count}`);
  out.push('# HELP tanfang_http_request_duration_seconds Request latency by method, route and status.');
  out.push('# TYPE tanfang_http_request_duration_seconds histogram');
  for (const r of rows) {
    for (let i = 0; i < BUCKETS.length; i++) {
      out.push(
        `tanfang_http_request_duration_seconds_bucket{${r.labels},le="${BUCKETS[i]}"} ${r.s.buckets[i]}`,
      );
    }
    out.push(`tanfang_http_request_duration_seconds_bucket{${r.labels},le="+Inf"} ${r.s.count}`);
    out.push(`tanfang_http_request_duration_seconds_sum{${r.labels}} ${r.s.sum.toFixed(6)}`);
    out.push(`tanfang_http_request_duration_seconds_count{${r.labels}} ${r.s.count}`);
  }
  const pool = ctx.db.stats?.();
  if (pool) {
    out.push('# HELP tanfang_db_pool_connections Database pool connections by state.');
    out.push('# TYPE tanfang_db_pool_connections gauge');
    out.push(`tanfang_db_pool_connections{state="total"} ${pool.total}`);
    out.push(`tanfang_db_pool_connections{state="idle"} ${pool.idle}`);
    out.push(`tanfang_db_pool_connections{state="waiting"} ${pool.waiting}`);
  }
  const jobs = await jobRuns(ctx);
  // The job's name is `job_name`, not `job`: Prometheus sets `job` itself (the scrape job) and renames
  // a `job` label it finds to `exported_job`, so alerts written with job="…" would match nothing.
  out.push('# HELP tanfang_job_last_finished_timestamp_seconds When each job last finished.');
  out.push('# TYPE tanfang_job_last_finished_timestamp_seconds gauge');
  for (const j of jobs) {
    const t = j.last_finished_at ? new Date(j.last_finished_at).getTime() / 1000 : 0;
    out.push(`tanfang_job_last_finished_timestamp_seconds{job_name="${esc(j.name)}"} ${t}`);
  }
  out.push('# HELP tanfang_job_last_run_failed 1 when the last run of the job failed.');
  out.push('# TYPE tanfang_job_last_run_failed gauge');
  for (const j of jobs)
    out.push(`tanfang_job_last_run_failed{job_name="${esc(j.name)}"} ${j.last_error ? 1 : 0}`);
  out.push('# HELP tanfang_process_uptime_seconds Seconds since the app was built.');
  out.push('# TYPE tanfang_process_uptime_seconds gauge');
  out.push(`tanfang_process_uptime_seconds ${((Date.now() - m.started) / 1000).toFixed(0)}`);
  const mem = process.memoryUsage();
  out.push('# HELP tanfang_process_resident_memory_bytes Resident memory of the server process.');
  out.push('# TYPE tanfang_process_resident_memory_bytes gauge');
  out.push(`tanfang_process_resident_memory_bytes ${mem.rss}`);
  // Where the resident memory is: the JavaScript heap, or buffers outside it (zlib, sockets).
  out.push('# HELP tanfang_process_heap_used_bytes JavaScript heap in use.');
  out.push('# TYPE tanfang_process_heap_used_bytes gauge');
  out.push(`tanfang_process_heap_used_bytes ${mem.heapUsed}`);
  out.push('# HELP tanfang_process_heap_total_bytes JavaScript heap reserved.');
  out.push('# TYPE tanfang_process_heap_total_bytes gauge');
  out.push(`tanfang_process_heap_total_bytes ${mem.heapTotal}`);
  out.push(
    '# HELP tanfang_process_external_bytes Memory outside the JavaScript heap held by JavaScript objects (buffers).',
  );
  out.push('# TYPE tanfang_process_external_bytes gauge');
  out.push(`tanfang_process_external_bytes ${mem.external}`);
  return `${out.join('\n')}\n`;
}

function sameSecret(a: string, b: string) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** /metrics answers the bearer TANFANG_METRICS_TOKEN, or a bureau_admin's session. */
async function authorizeMetrics(req: FastifyRequest, ctx: Ctx) {
  const header = req.headers.authorization;
  const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  const expected = process.env.TANFANG_METRICS_TOKEN;
  if (bearer && expected && sameSecret(bearer, expected)) return;
  const token = bearer ?? req.cookies?.[SESSION_COOKIE];
  if (!token) throw new AppError(401, 'UNAUTHORIZED', '需要监控令牌（TANFANG_METRICS_TOKEN）或管理员登录');
  const actor = await authenticate(ctx, token, !bearer);
  if (!actor.roles.includes('bureau_admin'))
    throw new AppError(403, 'FORBIDDEN', '只有管理员可以查看监控指标');
}

/**
 * Request metrics, and the refusal of NUL characters, which PostgreSQL text cannot store: a 400
 * naming the field instead of a 500 from the database. (Request ids: `http/security-headers.ts`.)
 * The hooks are plain callbacks: they run on every request and have nothing to wait for.
 */
export function registerObservability(app: FastifyInstance, ctx: Ctx) {
  const metrics = new Metrics();
  app.addHook('preValidation', (req, _reply, done) => {
    for (const [part, value] of [
      ['querystring', req.query],
      ['params', req.params],
      ['body', req.body],
    ] as const) {
      const where = nulWhere(value, part);
      if (where)
        return done(
          new AppError(400, 'VALIDATION', `字段 ${where.label}：不能包含空字符（\\u0000）`, where.field),
        );
      const big = findHugeId(value);
      if (big) {
        const label = big[big.length - 1];
        return done(new AppError(400, 'VALIDATION', `字段 ${label}：编号超出范围`, [part, ...big].join('.')));
      }
    }
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const url = req.routeOptions.url;
    // Static files are one series: their hashed names would multiply the label set.
    const route = !url ? 'unmatched' : url.startsWith('/api/') || url === '/metrics' ? url : 'static';
    metrics.observe(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    await authorizeMetrics(req, ctx);
    reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    return renderMetrics(metrics, ctx);
  });
  return metrics;
}

/**
 * The first string (or key) holding a NUL, as the keys leading to it (the key itself last when it is
 * the key that holds it). Walked with for…in and the path built only on a hit: this runs over every
 * request's body, and `Object.entries` with a path string per node cost ~12 KB of garbage a visit.
 */
function findNul(v: unknown, depth = 0): { keys: string[]; inKey: boolean } | null {
  if (depth > 20 || v == null) return null;
  if (typeof v === 'string') return v.includes('\u0000') ? { keys: [], inKey: false } : null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = findNul(v[i], depth + 1);
      if (r) {
        r.keys.unshift(String(i));
        return r;
      }
    }
    return null;
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k in o) {
      if (!Object.hasOwn(o, k)) continue;
      if (k.includes('\u0000')) return { keys: [k.split('\u0000').join('')], inKey: true };
      const r = findNul(o[k], depth + 1);
      if (r) {
        r.keys.unshift(k);
        return r;
      }
    }
  }
  return null;
}

/** findNul's answer as the field (with its part) and the label the message names. */
function nulWhere(v: unknown, part: string): { field: string; label: string } | null {
  const r = findNul(v);
  if (!r) return null;
  const field = [part, ...r.keys].join('.');
  return { field, label: r.inKey ? r.keys[r.keys.length - 1] : r.keys.join('.') || part };
}

const INT4_MAX = 2147483647;
const ID_KEY = /Id$/;
const INTEGER = /^-?\d+$/;

/**
 * Ids are 32-bit in the database: an `id` / `…Id` value beyond that is refused here, naming the field,
 * before a query fails on it. Walked as findNul is (for…in, the path only on a hit).
 */
function findHugeId(v: unknown, depth = 0): string[] | null {
  if (depth > 6 || v == null || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    const x = o[k];
    if (k === 'id' || ID_KEY.test(k)) {
      const n =
        typeof x === 'number' ? x : typeof x === 'string' && INTEGER.test(x.trim()) ? Number(x) : null;
      if (n !== null && Math.abs(n) > INT4_MAX) return [k];
    }
    if (typeof x === 'object') {
      const r = findHugeId(x, depth + 1);
      if (r) {
        r.unshift(k);
        return r;
      }
    }
  }
  return null;
}
