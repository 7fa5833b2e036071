import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Ctx } from '../../context.js';
import { requirePermission } from '../../http/auth.js';
import { notFound } from '../../http/errors.js';
import { jobRuns, listJobs, runJob } from '../../jobs/runner.js';
import { appendAudit } from '../audit/index.js';

const JobState = z.object({
  name: z.string(),
  everyMinutes: z.number(),
  lastStartedAt: z.string().nullable(),
  lastFinishedAt: z.string().nullable(),
  lastError: z.string().nullable(),
});

/**
 * The periodic jobs, for the bureau admin: their last runs, and "run now". On PostgreSQL a job
 * started here while another server process runs it answers `ran: false` (the advisory lock).
 */
export function jobRoutes(app: FastifyInstance, ctx: Ctx) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/jobs',
    {
      schema: {
        tags: ['系统'],
        summary: '定时任务及其最近一次运行',
        response: { 200: z.object({ items: z.array(JobState) }) },
      },
    },
    async (req) => {
      requirePermission(req, 'config.manage');
      const rows = await jobRuns(ctx);
      const byName = new Map(rows.map((r) => [r.name, r]));
      return {
        items: [...listJobs(ctx)]
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
          }),
      };
    },
  );

  r.post(
    '/api/jobs/:name/run',
    {
      schema: {
        tags: ['系统'],
        summary: '立即运行一个定时任务（另一进程正在运行时 ran=false）',
        params: z.object({ name: z.string().max(100) }),
        response: {
          200: z.object({ ran: z.boolean(), result: z.record(z.string(), z.unknown()).nullable() }),
        },
      },
    },
    async (req) => {
      const actor = requirePermission(req, 'config.manage');
      const { name } = req.params;
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
    },
  );
}
