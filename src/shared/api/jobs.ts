import { z } from 'zod';
import { endpoint } from './contract.js';

const TAGS = ['系统'];

export const JobState = z.object({
  name: z.string(),
  everyMinutes: z.number(),
  lastStartedAt: z.string().nullable(),
  lastFinishedAt: z.string().nullable(),
  lastError: z.string().nullable(),
});
export type JobState = z.output<typeof JobState>;

export const listJobs = endpoint({
  method: 'GET',
  path: '/api/jobs',
  operationId: 'listJobs',
  summary: '定时任务及其最近一次运行',
  tags: TAGS,
  permission: 'config.manage',
  responses: { 200: z.object({ items: z.array(JobState) }) },
});

export const runJob = endpoint({
  method: 'POST',
  path: '/api/jobs/:name/run',
  operationId: 'runJob',
  summary: '立即运行一个定时任务（另一进程正在运行时 ran=false）',
  tags: TAGS,
  permission: 'config.manage',
  params: z.object({ name: z.string().max(100) }),
  responses: { 200: z.object({ ran: z.boolean(), result: z.record(z.string(), z.unknown()).nullable() }) },
});
