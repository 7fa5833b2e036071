import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { ConfigError } from '../config.js';
import { preparedTexts, type Sql } from './sql.js';

/** Anything that runs SQL: the database itself or a transaction. Repositories take this. */
export interface Queryable {
  query<T = any>(sql: Sql, params?: unknown[]): Promise<T[]>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgresql';
  /** Runs fn in one transaction; rolls back if it throws. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs fn on one connection of its own, without a transaction around it (session-level locks,
   * statements that cannot run in a transaction, such as `create index concurrently`).
   */
  session<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements without parameters (migrations). */
  exec(sql: Sql): Promise<void>;
  close(): Promise<void>;
  /** Connection pool figures for /metrics (PostgreSQL only). */
  stats?(): { total: number; idle: number; waiting: number };
}

// Same JS shapes from both engines: dates stay 'YYYY-MM-DD' strings, int8 and numeric become numbers.
const DATE = 1082;
const INT8 = 20;
const NUMERIC = 1700;

export async function openDb(opts: { databaseUrl?: string; dataDir?: string }): Promise<Db> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl) : openPglite(opts.dataDir);
}

// SQLSTATEs of a database that cannot take the statement now: connection exceptions (class 08), the
// server shutting down or starting (57P01 admin_shutdown on a switchover, 57P02 crash_shutdown,
// 57P03 cannot_connect_now), too many connections, and read_only_sql_transaction (25006: a primary
// just demoted, or a route not yet moved to the new leader).
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '25006']);
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
// node-postgres reports a dropped or timed-out connection without a code.
const UNAVAILABLE_MESSAGE =
  /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect)/;

/**
 * The database could not take the statement now — the connection broke or was refused, the server is
 * shutting down or restarting, or the node reached is read-only: what a failover or switchover looks
 * like from the app. Whatever the request had not committed was rolled back by the server; the
 * request may be tried again (the HTTP answer is 503 with Retry-After, http/errors.ts). A COMMIT cut
 * off before its answer may have happened: writes a client retries carry an idempotency key
 * (a visit's clientId), so the retry finds the stored row.
 */
export function isDbUnavailable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = String((e as { code?: unknown }).code ?? '');
  if (code.startsWith('08') || UNAVAILABLE_STATES.has(code) || UNAVAILABLE_ERRNOS.has(code)) return true;
  return !code && UNAVAILABLE_MESSAGE.test(e.message);
}

async function openPglite(dataDir?: string): Promise<Db> {
  if (dataDir) {
    try {
      mkdirSync(dataDir, { recursive: true });
      accessSync(dataDir, constants.W_OK);
    } catch (e) {
      throw new ConfigError(
        `数据目录 ${dataDir} 不可写（${(e as NodeJS.ErrnoException).code}）：请设置 TANFANG_DATA_DIR 为可写目录`,
      );
    }
  }
  const pgliteDir = dataDir ? `${dataDir}/pglite` : undefined;
  if (pgliteDir && !existsSync(pgliteDir)) mkdirSync(pgliteDir, { recursive: true });
  const db = await PGlite.create({
    dataDir: pgliteDir,
    parsers: {
      [DATE]: (v: string) => v,
      [INT8]: (v: string) => Number(v),
      [NUMERIC]: (v: string) => Number(v),
    },
  });
  const run = async (q: { query: PGlite['query'] }, sql: string, params?: unknown[]) =>
    (await q.query(sql, params as any[])).rows as any[];
  return {
    kind: 'pglite',
    query: (sql, params) => run(db, sql, params),
    tx: (fn) => db.transaction((t) => fn({ query: (sql, params) => run(t, sql, params) })),
    // One connection in all: the session is the database itself.
    session: (fn) => fn({ query: (sql, params) => run(db, sql, params) }),
    exec: async (sql) => {
      await db.exec(sql);
    },
    close: () => db.close(),
  };
}

/**
 * Reads that may lag behind the primary (DATABASE_READ_URL: HAProxy's replica port). A statement the
 * replicas cannot take (none reachable, a replica restarting, a recovery conflict 40001) runs on the
 * primary instead, so a lost replica slows reads down but fails none. Transactions run on the primary.
 */
export async function openReadDb(url: string, primary: Db, onFallback?: (e: Error) => void): Promise<Db> {
  const read = await openPostgres(url, { applicationName: 'tanfang-read', mustConnect: false });
  return {
    kind: read.kind,
    query: async (sql, params) => {
      try {
        return await read.query(sql, params);
      } catch (e) {
        if (!isDbUnavailable(e) && (e as { code?: string }).code !== '40001') throw e;
        onFallback?.(e as Error);
        return primary.query(sql, params);
      }
    },
    tx: (fn) => primary.tx(fn),
    session: (fn) => primary.session(fn),
    exec: (sql) => primary.exec(sql),
    close: () => read.close(),
    stats: read.stats,
  };
}

async function openPostgres(
  url: string,
  o: { applicationName?: string; mustConnect?: boolean } = {},
): Promise<Db> {
  const types = {
    getTypeParser: (oid: number, format?: any) => {
      if (oid === DATE) return (v: string) => v;
      if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
      return pg.types.getTypeParser(oid, format);
    },
  };
  // jit=off: our statements are short reads and grouped counts; PostgreSQL's JIT compiles any plan
  // estimated above jit_above_cost and spent 0.8–1.8 s compiling queries that then ran in 20 ms
  // (measured by the bench, see docs/SCALING.md).
  const pool = new pg.Pool({
    connectionString: url,
    max: Number(process.env.TANFANG_PG_POOL || 10),
    types,
    options: '-c jit=off',
    // Named in pg_stat_activity (a name in the URL wins).
    application_name: o.applicationName ?? 'tanfang',
    // A connection attempt that hangs (a host gone from the network) fails after this instead of
    // holding the request; TCP keepalive finds a dead peer of an idle or waiting connection.
    connectionTimeoutMillis: Number(process.env.TANFANG_PG_CONNECT_TIMEOUT_MS || 10000),
    keepAlive: true,
    keepAliveInitialDelayMillis: 10000,
  });
  pool.on('error', () => {
    /* a dropped idle client is removed by the pool and replaced on next use */
  });
  if (o.mustConnect !== false) {
    try {
      const c = await pool.connect();
      c.release();
    } catch (e) {
      await pool.end().catch(() => {});
      throw new ConfigError(
        `无法连接 DATABASE_URL（${(e as Error).message}）：请检查地址、端口、用户和数据库是否正确`,
      );
    }
  }
  const prepared = preparedNames();
  const statement = (sql: string, params?: unknown[]) => {
    const name = params ? prepared(sql) : undefined;
    const values = params?.map(arrayLiteral);
    return name ? { name, text: sql, values } : { text: sql, values };
  };
  return {
    kind: 'postgresql',
    query: async (sql, params) => (await pool.query(statement(sql, params))).rows,
    tx: async (fn) => {
      const c = await pool.connect();
      // A connection that broke, or reached a node that cannot write, goes back to the pool only to be
      // discarded: the next transaction connects again (through HAProxy, to the leader of now).
      let discard: Error | undefined;
      // A checked-out client whose connection drops also emits 'error'; unheard, that event would be
      // an uncaught exception and end the process (the statement waiting on it rejects as well).
      const onError = (e: Error) => {
        discard ??= e;
      };
      c.on('error', onError);
      try {
        await c.query('BEGIN');
        // One client runs one statement at a time: queue the transaction's queries, so a
        // Promise.all over `q` in a service is safe (and identical to PGlite's behaviour).
        let tail: Promise<unknown> = Promise.resolve();
        const query = (sql: string, params?: unknown[]) => {
          const run = tail.then(() => c.query(statement(sql, params)));
          tail = run.catch(() => {});
          return run.then((r) => r.rows);
        };
        const r = await fn({ query });
        await c.query('COMMIT');
        return r;
      } catch (e) {
        if (isDbUnavailable(e)) discard = e as Error;
        await c.query('ROLLBACK').catch((r) => {
          discard ??= r as Error;
        });
        throw e;
      } finally {
        c.removeListener('error', onError);
        c.release(discard);
      }
    },
    session: async (fn) => {
      const c = await pool.connect();
      let broken: Error | undefined;
      const onError = (e: Error) => {
        broken ??= e; // as in tx: an unheard 'error' of a checked-out client would end the process
      };
      c.on('error', onError);
      try {
        const r = await fn({ query: async (sql, params) => (await c.query(statement(sql, params))).rows });
        c.removeListener('error', onError);
        c.release(broken);
        return r;
      } catch (e) {
        // Whatever fn left behind (an open transaction, a session setting) leaves with the connection.
        c.removeListener('error', onError);
        c.release(e as Error);
        throw e;
      }
    },
    exec: async (sql) => {
      await pool.query(sql);
    },
    close: () => pool.end(),
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

/** The statement names of one pool (each connection prepares a name the first time it runs it). */
function preparedNames(): (sql: string) => string | undefined {
  const names = new Map<string, string>();
  return (sql) => {
    if (!preparedTexts.has(sql)) return undefined;
    let name = names.get(sql);
    if (name === undefined) {
      name = `p${names.size}`;
      names.set(sql, name);
    }
    return name;
  };
}

/**
 * An array of integers as PostgreSQL's array literal, made in one join. pg's own conversion quotes and
 * escapes every element with two regular expressions and grows the text one piece at a time: for a
 * town's ~250-village scope, sent with every request, that was ~57 kB of garbage a request (a heap
 * profile of the town's work list). Other values go to pg as they are; the text is the same array.
 */
function arrayLiteral(v: unknown): unknown {
  return Array.isArray(v) && v.length > 0 && v.every((x) => Number.isSafeInteger(x)) ? `{${v.join(',')}}` : v;
}
