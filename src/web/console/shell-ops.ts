import type { OperationOf } from '../../shared/api/contract';
import type * as incidents from '../../shared/api/incidents';
import type * as notifications from '../../shared/api/notifications';
import type * as oversight from '../../shared/api/oversight';
import type * as referrals from '../../shared/api/referrals';

/**
 * The operations the console's frame and home page call (the header's unread count, the dashboard's
 * figures, a department's waiting incidents; sign-in ones are web/lib/auth-ops.ts), without their schemas: the first screen
 * after login then loads no zod and no contract schemas (test/e2e/delivery.test.ts holds it to
 * 450 KB of script). Typed by the contract, so a path or method that drifts does not compile; call
 * them as `call<typeof api.x>(OP, …)`. dependency-cruiser `home-stays-light` keeps the contract's
 * runtime out of these files.
 */
export const UNREAD_COUNT: OperationOf<typeof notifications.getUnreadCount> = {
  method: 'GET',
  path: '/api/inbox/unread-count',
  operationId: 'getUnreadCount',
};
export const OVERSIGHT_METRICS: OperationOf<typeof oversight.getMetrics> = {
  method: 'GET',
  path: '/api/oversight/metrics',
  operationId: 'getOversightMetrics',
};
export const OVERSIGHT_TRENDS: OperationOf<typeof oversight.getTrends> = {
  method: 'GET',
  path: '/api/oversight/trends',
  operationId: 'getOversightTrends',
};
export const OVERSIGHT_RECORDS: OperationOf<typeof oversight.getMetricRecords> = {
  method: 'GET',
  path: '/api/oversight/metrics/:metric/records',
  operationId: 'getOversightMetricRecords',
};
export const INCIDENTS: OperationOf<typeof incidents.listIncidents> = {
  method: 'GET',
  path: '/api/incidents',
  operationId: 'listIncidents',
};
export const ACKNOWLEDGE_INCIDENT: OperationOf<typeof incidents.acknowledgeIncident> = {
  method: 'POST',
  path: '/api/incidents/:id/acknowledge',
  operationId: 'acknowledgeIncident',
};
export const REFERRALS: OperationOf<typeof referrals.listReferrals> = {
  method: 'GET',
  path: '/api/referrals',
  operationId: 'listReferrals',
};
