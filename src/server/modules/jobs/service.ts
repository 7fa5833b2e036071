import type { JobState } from '../../../shared/api/jobs.js';
import type { Ctx } from '../../context.js';
import { notFound } from '../../http/errors.js';
import type { Actor } from '../../http/scope.js';
import { jobRuns, listJobs, runJob } from '../../jobs/runner.js';
import { appendAudit } from '../audit/index.js';

/** Every registered job, by name, with its last run. */
export async function jobStates(ctx: Ctx): Promise<JobState[]> {
  const rows = await jobRuns(ctx);
  const byName = new Map(rows.map((r) => [r.name, r]));
  return [...listJobs(ctx)]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((j) => {
      const run = byName.get(j.name);
      return {
        name: j.name,
        everyMinutes: j.everyMinutes,
        lastStartedAt: run?.last_started_at ? new Date(run.last_started_at).toISOString() : null,
        lastFinishedAt: run?.last_finished_at ? new Date(run.last_finished_at).toISOString() : null,
        lastError: run?.last_error ?? null,
      };
    });
}

/**
 * Runs a job now, logged first. On PostgreSQL a job another server process is running answers
 * `ran: false` (the advisory lock).
 */
export async function runNow(ctx: Ctx, actor: Actor, name: string) {
  if (!listJobs(ctx).some((j) => j.name === name)) throw notFound('定时任务');
  await appendAudit(ctx.db, {
    at: ctx.clock.now(),
    actorId: actor.userId,
    action: 'job.run',
    entity: 'job',
    entityId: name,
    detail: {},
  });
  const result = await runJob(ctx, name);
  return { ran: result !== null, result };
}
