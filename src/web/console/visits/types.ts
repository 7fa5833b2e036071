import type { VisitTask } from '../../../shared/api/visits';

// The API's shapes come from the contract (src/shared/api/visits.ts); only labels live here.
export type { VisitBrief, VisitDetail, VisitTask } from '../../../shared/api/visits';
export type TaskStatus = VisitTask['status'];

export const TASK_STATUS_LABELS: Record<TaskStatus, string> = {
  open: '待探访',
  done: '已完成',
  missed: '已逾期',
  cancelled: '已取消',
};
export const TASK_STATUS_COLORS: Record<TaskStatus, string> = {
  open: 'blue',
  done: 'green',
  missed: 'red',
  cancelled: 'default',
};
export const TASK_KIND_LABELS: Record<VisitTask['kind'], string> = {
  regular: '定期',
  follow_up: '跟进',
  campaign: '专项',
};
