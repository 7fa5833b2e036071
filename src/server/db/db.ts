import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { ConfigError } from '../config.js';

/** Anything that runs SQL: the database itself or a transaction. Repositories take this. */
export interface Queryable {
  query<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
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
  exec(sql: string): Promise<void>;
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

async function openPostgres(url: string): Promise<Db> {
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
  });
  pool.on('error', () => {
    /* a dropped idle client is replaced on next use */
  });
  try {
    const c = await pool.connect();
    c.release();
  } catch (e) {
    await pool.end().catch(() => {});
    throw new ConfigError(
      `无法连接 DATABASE_URL（${(e as Error).message}）：请检查地址、端口、用户和数据库是否正确`,
    );
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
        await c.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        c.release();
      }
    },
    session: async (fn) => {
      const c = await pool.connect();
      try {
        const r = await fn({ query: async (sql, params) => (await c.query(statement(sql, params))).rows });
        c.release();
        return r;
      } catch (e) {
        // Whatever fn left behind (an open transaction, a session setting) leaves with the connection.
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

/**
 * Statements worth preparing: the few run on every request or every visit, whose plan does not
 * depend on their parameters (a lookup by key). Planning them cost more than running them (about
 * 1 ms of PostgreSQL's CPU each, measured at 1,000,000 persons); prepared, PostgreSQL plans them
 * once per connection (after 5 custom plans it keeps the generic one, its default `auto` mode).
 * Every other statement stays unnamed and is planned for its parameters each time, as before.
 */
const preparedTexts = new Set<string>();
const MAX_PREPARED = 500;

/** Marks a statement text as prepared on PostgreSQL (see `preparedTexts`); returns it unchanged. */
export function prepared(sql: string): string {
  if (preparedTexts.size < MAX_PREPARED) preparedTexts.add(sql);
  return sql;
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
