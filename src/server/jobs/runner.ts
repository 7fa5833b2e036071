import type { Ctx } from '../context.js';
import { isDbUnavailable } from '../db/db.js';
import { sql } from '../db/sql.js';

/**
 * Named periodic jobs. Each run takes a PostgreSQL advisory lock named after the job, so on several
 * server processes a job runs once at a time; jobs themselves must be idempotent (running twice does
 * no more than running once), because a crash can always cut one short.
 */
export interface Job {
  name: string;
  /** How often the scheduler starts it. */
  everyMinutes: number;
  run(ctx: Ctx): Promise<Record<string, unknown> | undefined>;
}

/** What the job table says of each job's last run. */
export function jobRuns(ctx: Ctx) {
  return ctx.db.query<{
    name: string;
    last_started_at: Date | null;
    last_finished_at: Date | null;
    last_error: string | null;
  }>(sql('select name, last_started_at, last_finished_at, last_error from job_runs order by name'));
}

/** The jobs of the running system: the modules' jobs, as the registry lists them (modules/registry.ts). */
export function listJobs(ctx: Ctx): readonly Job[] {
  return ctx.registry.jobs;
}

function lockKey(name: string): number {
  let h = 7261;
  for (const ch of name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return h;
}

/**
 * Runs one job now unless another process (or this one) is running it. Returns its result, or null
 * when skipped. On PostgreSQL the lock is a transaction-level advisory lock held on a dedicated
 * connection for the job's whole run.
 */
export async function runJob(ctx: Ctx, name: string): Promise<Record<string, unknown> | null> {
  const job = ctx.registry.jobs.find((j) => j.name === name);
  if (!job) throw new Error(`未知任务 ${name}`);
  return runOne(ctx, job);
}

async function runOne(ctx: Ctx, job: Job): Promise<Record<string, unknown> | null> {
  const name = job.name;
  if (running.has(name)) return null;
  running.add(name);
  try {
    // PGlite is single-process (its folder cannot be opened twice) and single-connection: a lock
    // transaction would block the job's own queries, so the in-process guard above is the lock.
    if (ctx.db.kind === 'pglite') return await execute(ctx, job);
    return await ctx.db.tx(async (q) => {
      const [{ got }] = await q.query<{ got: boolean }>(sql('select pg_try_advisory_xact_lock($1) as got'), [
        lockKey(name),
      ]);
      return got ? execute(ctx, job) : null;
    });
  } finally {
    running.delete(name);
  }
}

const running = new Set<string>();

async function execute(ctx: Ctx, job: Job): Promise<Record<string, unknown>> {
  const { db } = ctx;
  await db.query(
    sql(`insert into job_runs (name, last_started_at) values ($1, $2)
     on conflict (name) do update set last_started_at = excluded.last_started_at`),
    [job.name, ctx.clock.now()],
  );
  try {
    const result = (await job.run(ctx)) ?? {};
    await db.query(
      sql('update job_runs set last_finished_at = $2, last_result = $3, last_error = null where name = $1'),
      [job.name, ctx.clock.now(), JSON.stringify(result)],
    );
    return result;
  } catch (e) {
    await db.query(sql('update job_runs set last_finished_at = $2, last_error = $3 where name = $1'), [
      job.name,
      ctx.clock.now(),
      (e as Error).message,
    ]);
    throw e;
  }
}

/**
 * Starts the in-process scheduler: every 30 s, each job whose interval has passed runs. A run cut
 * short by a lost database (a failover) is tried again at the next tick, not after its interval:
 * the jobs are idempotent, and the lock connection it held died with it. The returned stop function
 * starts no further job and resolves once the job running now has finished.
 */
export function startScheduler(
  ctx: Ctx,
  log: (msg: string, err?: unknown) => void,
  o: { tickMs?: number; jobs?: readonly Job[] } = {},
): () => Promise<void> {
  const lastRun = new Map<string, number>();
  let busy: Promise<void> | null = null;
  let stopped = false;
  const tick = async () => {
    if (busy || stopped) return;
    let done = () => {};
    busy = new Promise<void>((r) => {
      done = r;
    });
    try {
      for (const job of o.jobs ?? ctx.registry.jobs) {
        if (stopped) break;
        const now = ctx.clock.now().getTime();
        if (now - (lastRun.get(job.name) ?? 0) < job.everyMinutes * 60000) continue;
        lastRun.set(job.name, now);
        await runOne(ctx, job).catch((e) => {
          if (isDbUnavailable(e)) lastRun.delete(job.name);
          log(`任务 ${job.name} 失败`, e);
        });
      }
    } finally {
      busy = null;
      done();
    }
  };
  const timer = setInterval(() => void tick(), o.tickMs ?? 30000);
  void tick();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await busy;
  };
}
