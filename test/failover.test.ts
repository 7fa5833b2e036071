/**
 * What the app does when its database goes away under it — a Patroni failover or switchover, seen
 * from one server process (the whole cluster is exercised by ops/ha/drill.ts): the request fails
 * cleanly with 503 and Retry-After, nothing of it is kept, the connection is discarded and the next
 * request connects again; reads that may lag go to DATABASE_READ_URL and fall back to the primary;
 * a job cut short runs again at the next tick. The connection losses here are real ones
 * (pg_terminate_backend, a read-only session, a closed port), on PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import Fastify from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, isDbUnavailable, openDb, openReadDb } from '../src/server/db/db.js';
import { sql } from '../src/server/db/sql.js';
import { registerErrorHandler } from '../src/server/http/errors.js';
import { type Job, startScheduler } from '../src/server/jobs/runner.js';
import { CHECKLIST_V1, fineAnswers } from '../src/shared/checklist.js';
import { chinaDate } from '../src/shared/china-time.js';
import { seasonFlags } from '../src/shared/schedule.js';
import { type TestEnv, testEnv } from './context.js';
import { actorClient, buildPerson, buildTown, freshIdNumber } from './factories.js';
import { freePort } from './free-port.js';
import { insertVisitRow } from './oversight-fixtures.js';

const URL_ = process.env.DATABASE_URL;

let env: TestEnv;
beforeAll(async () => {
  env = await testEnv();
});

/** The URL with extra connection parameters (application_name, options). */
function withParams(url: string, params: Record<string, string>) {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

describe('isDbUnavailable', () => {
  it('is true for a refused connection, false for errors of the request itself', async () => {
    const port = await freePort();
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'x', database: 'x' });
    const refused = await c.connect().then(
      () => null,
      (e) => e,
    );
    expect(refused?.code).toBe('ECONNREFUSED');
    expect(isDbUnavailable(refused)).toBe(true);
    const bad = await env.ctx.db.query(sql('select 1/0')).catch((e) => e);
    expect(isDbUnavailable(bad)).toBe(false);
    const dup = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(isDbUnavailable(dup)).toBe(false);
    expect(isDbUnavailable('Connection terminated')).toBe(false);
  });
});

describe.runIf(!!URL_)('the app across a lost database connection (PostgreSQL)', () => {
  const url = URL_!;
  let locker: pg.Client;
  beforeAll(async () => {
    locker = new pg.Client({ connectionString: url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker.end();
  });

  /**
   * Holds every audit chain's tail (every write appends an audit row, so it waits here), starts the
   * request, kills the backend that waits behind the lock, and returns the request's answer.
   */
  async function cutOff<T>(request: () => Promise<T>): Promise<T> {
    await locker.query('begin');
    await locker.query('select * from audit_chain_tails for update');
    const pending = request();
    let victim: number | undefined;
    for (let i = 0; i < 100 && victim === undefined; i++) {
      const r = await locker.query<{ pid: number }>(
        'select pid from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))',
      );
      victim = r.rows[0]?.pid;
      if (victim === undefined) await new Promise((res) => setTimeout(res, 50));
    }
    expect(victim, 'the request waits behind the held audit tails').toBeDefined();
    await locker.query('select pg_terminate_backend($1)', [victim]);
    const answer = await pending;
    await locker.query('rollback');
    return answer;
  }

  it('a visit whose connection is cut answers 503 with Retry-After, keeps nothing, and is stored once when sent again', async () => {
    const { town, villages } = await buildTown(env);
    const visitor = await actorClient(env, 'visitor', villages[0].id);
    const person = await buildPerson(env, {
      townId: town.id,
      villageId: villages[0].id,
      visitorId: visitor.id,
    });
    const at = new Date(Date.now() - 3600_000);
    const body = {
      clientId: randomUUID(),
      personId: person.id,
      at: at.toISOString(),
      method: 'in_person',
      outcome: 'reached',
      answers: fineAnswers(CHECKLIST_V1, seasonFlags(chinaDate(at))),
    };
    const stored = async () =>
      (
        await env.ctx.db.query<{ n: number }>(
          sql('select count(*)::int as n from visits where client_id = $1'),
          [body.clientId],
        )
      )[0].n;

    const res = await cutOff(() => visitor.http.post('/api/visits', body));
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toMatchObject({
      code: 'DB_UNAVAILABLE',
      message: expect.stringContaining('稍后重试'),
    });
    expect(await stored()).toBe(0);

    // No restart: the pool connects again, the phone's retry stores it once, a repeat finds it.
    const again = await visitor.http.post('/api/visits', body);
    expect(again.statusCode).toBe(201);
    expect((await visitor.http.post('/api/visits', body)).statusCode).toBe(200);
    expect(await stored()).toBe(1);
  });

  it('a transaction cut off half-way (a new person file) answers 503 and leaves no part of it', async () => {
    const { town, villages } = await buildTown(env);
    const officer = await actorClient(env, 'town_officer', town.id);
    const name = `切换测试${randomUUID().slice(0, 6)}`;
    const body = {
      name,
      idNumber: freshIdNumber(),
      villageId: villages[0].id,
      supportStart: '2025-01-01',
      selfCare: 'capable',
    };
    const res = await cutOff(() => officer.http.post('/api/persons', body));
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    const [left] = await env.ctx.db.query<{ persons: number; audit: number }>(
      sql(`select (select count(*)::int from persons where name = $1) as persons,
              (select count(*)::int from audit_log where action = 'person.create' and detail->>'name' = $1) as audit`),
      [name],
    );
    expect(left).toEqual({ persons: 0, audit: 0 });
    const again = await officer.http.post('/api/persons', body);
    expect(again.statusCode, again.body).toBe(201);
  });

  it('a transaction that reaches a read-only node (a demoted primary) discards its connection', async () => {
    const readOnly = await openDb({
      databaseUrl: withParams(url, { options: '-c default_transaction_read_only=on' }),
    });
    try {
      const pid = async () => (await readOnly.query<{ p: number }>(sql('select pg_backend_pid() as p')))[0].p;
      const before = await pid();
      const err = await readOnly
        .tx((q) => q.query(sql(`insert into job_runs (name) values ('failover.test')`)))
        .catch((e) => e);
      expect(err.code).toBe('25006');
      expect(isDbUnavailable(err)).toBe(true);
      // The pool hands out its last idle connection first: it is a new one, not the read-only one.
      expect(await pid()).not.toBe(before);

      const app = Fastify();
      registerErrorHandler(app);
      app.post('/write', async () =>
        readOnly.query(sql(`insert into job_runs (name) values ('failover.test')`)),
      );
      const res = await app.inject({ method: 'POST', url: '/write' });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      await app.close();
    } finally {
      await readOnly.close();
    }
  });

  it('ledgers read from DATABASE_READ_URL, and from the primary when no replica answers', async () => {
    const { town, villages } = await buildTown(env, 1);
    const visitor = await actorClient(env, 'visitor', villages[0].id);
    const person = await buildPerson(env, {
      townId: town.id,
      villageId: villages[0].id,
      visitorId: visitor.id,
    });
    await insertVisitRow(env.ctx.db, {
      townId: town.id,
      villageId: villages[0].id,
      visitorId: visitor.id,
      personId: person.id,
      at: new Date(),
      method: 'in_person',
      outcome: 'reached',
    });
    const officer = await actorClient(env, 'town_officer', town.id);
    const ledger = () => officer.http.get(`/api/ledger/visits.xlsx?areaId=${town.id}`);
    const appName = `tanfang-read-${randomUUID().slice(0, 8)}`;
    const readers = async () =>
      (
        await locker.query<{ n: number }>(
          'select count(*)::int as n from pg_stat_activity where application_name = $1',
          [appName],
        )
      ).rows[0].n;
    // A replica is read-only: so is this "replica" session.
    const replica = await openReadDb(
      withParams(url, { application_name: appName, options: '-c default_transaction_read_only=on' }),
      env.ctx.db,
    );
    const fallbacks: Error[] = [];
    const closed = await openReadDb(`postgres://x@127.0.0.1:${await freePort()}/x`, env.ctx.db, (e) =>
      fallbacks.push(e),
    );
    // The rows, not the bytes: the workbook's time stamps (and so its compressed size) move between calls.
    const rowsOf = async (body: Buffer) => {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(body as never);
      return JSON.stringify(wb.worksheets[0].getSheetValues());
    };
    const primaryAnswer = await rowsOf((await ledger()).rawPayload);
    try {
      expect(await readers()).toBe(0);
      env.ctx.readDb = replica;
      const res = await ledger();
      expect(res.statusCode).toBe(200);
      expect(await rowsOf(res.rawPayload)).toBe(primaryAnswer);
      expect(await readers()).toBeGreaterThan(0);

      env.ctx.readDb = closed;
      const fallen = await ledger();
      expect(fallen.statusCode).toBe(200);
      expect(await rowsOf(fallen.rawPayload)).toBe(primaryAnswer);
      expect(fallbacks.length).toBeGreaterThan(0);
      expect(isDbUnavailable(fallbacks[0])).toBe(true);
    } finally {
      env.ctx.readDb = undefined;
      await replica.close();
      await closed.close();
    }
  });

  it('a job cut short by a lost connection runs again at the next tick, not after its interval', async () => {
    let runs = 0;
    const job: Job = {
      name: `failover.test.${randomUUID().slice(0, 8)}`,
      everyMinutes: 60,
      run: async (ctx) => {
        runs++;
        // The first run loses its connection the way a failover cuts it.
        if (runs === 1) await ctx.db.query(sql('select pg_terminate_backend(pg_backend_pid())'));
        return { runs };
      },
    };
    const errors: unknown[] = [];
    const stop = startScheduler(env.ctx, (_m, e) => errors.push(e), { tickMs: 50, jobs: [job] });
    try {
      for (let i = 0; i < 100 && runs < 2; i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await stop();
    }
    expect(errors.length).toBe(1);
    expect(isDbUnavailable(errors[0])).toBe(true);
    expect(runs).toBe(2);
    const [row] = await env.ctx.db.query<{ last_error: string | null; last_result: { runs: number } }>(
      sql('select last_error, last_result from job_runs where name = $1'),
      [job.name],
    );
    expect(row).toMatchObject({ last_error: null, last_result: { runs: 2 } });
  });
});

// PGlite is one in-process database: there is no connection to lose and no replica.
describe.runIf(!URL_)('PGlite', () => {
  it('has no read replicas: reads that may lag use the one database', async () => {
    const { replicaDb } = await import('../src/server/context.js');
    expect(replicaDb(env.ctx)).toBe(env.ctx.db as Db);
  });
});
