import type { ChecklistAnswers, VisitMethod, VisitOutcome } from '../../../shared/checklist';

export type TaskStatus = 'open' | 'done' | 'missed' | 'cancelled';

export interface VisitTask {
  id: number;
  personId: number;
  personName: string;
  kind: 'regular' | 'follow_up' | 'campaign';
  period: string;
  periodLabel: string;
  tier: 'general' | 'key' | null;
  windowStart: string;
  windowEnd: string;
  dueDate: string;
  daysLeft: number;
  dueSoon: boolean;
  visitorId: number | null;
  visitorName: string | null;
  villageName: string | null;
  status: TaskStatus;
  statusReason: string | null;
  visitId: number | null;
  campaignId: number | null;
  reason: string | null;
}

export interface VisitBrief {
  id: number;
  clientId: string;
  personId: number;
  personName: string;
  visitorId: number;
  visitorName: string;
  at: string;
  method: VisitMethod;
  outcome: VisitOutcome;
  qualifying: boolean;
  durationMinutes: number | null;
  notes: string | null;
  checklistVersion: number;
  seasons: string[];
  location: { latitude: number; longitude: number } | null;
  recordedBy: number;
  recordedAt: string;
}

export interface VisitDetail extends VisitBrief {
  answers: ChecklistAnswers;
  photos: { id: number; url: string; size: number }[];
  signatureUrl: string | null;
  completedTasks: VisitTask[];
  notice?: string | null;
}

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
