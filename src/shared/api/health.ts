import { z } from 'zod';
import { endpoint } from './contract.js';

const Probe = z.enum(['live', 'ready']);
const Database = z.enum(['pglite', 'postgresql']);

export const HealthOk = z.object({
  status: z.literal('ok'),
  probe: Probe,
  database: Database,
  time: z.string(),
});
/** The 503 answer (not the ApiError shape: load balancers and monitors read `status`). */
export const HealthFailure = z.object({
  status: z.literal('error'),
  probe: Probe,
  database: Database,
  message: z.string(),
});
export type HealthFailure = z.output<typeof HealthFailure>;

export const getHealth = endpoint({
  method: 'GET',
  path: '/api/health',
  operationId: 'getHealth',
  summary: '健康检查：probe=live 进程存活；probe=ready（默认）数据库可用、迁移已完成、未在停机',
  description:
    '不可用时应答 503：`{ "status": "error", "probe", "database", "message" }`（message 说明原因）。' +
    'probe=live 不访问数据库，失败时应重启进程；probe=ready 成功时才应分配流量。',
  tags: ['系统'],
  public: true,
  query: z.object({ probe: Probe.default('ready') }),
  responses: { 200: HealthOk },
});
