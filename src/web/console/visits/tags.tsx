import { Tag } from 'antd';
import {
  VISIT_METHOD_LABELS,
  VISIT_OUTCOME_LABELS,
  type VisitMethod,
  type VisitOutcome,
} from '../../../shared/checklist';
import { TASK_STATUS_COLORS, TASK_STATUS_LABELS, type VisitTask } from './types';

/** Status of a task; open tasks show the days left and turn orange when due soon. */
export function TaskStatusTag({ t }: { t: VisitTask }) {
  if (t.status === 'open') {
    if (t.dueSoon) return <Tag color="orange">{t.daysLeft === 0 ? '今日到期' : `剩 ${t.daysLeft} 天`}</Tag>;
    return <Tag color="blue">待探访（剩 {t.daysLeft} 天）</Tag>;
  }
  return <Tag color={TASK_STATUS_COLORS[t.status]}>{TASK_STATUS_LABELS[t.status]}</Tag>;
}

export function OutcomeTag({ method, outcome }: { method: VisitMethod; outcome: VisitOutcome }) {
  return (
    <>
      <Tag color={method === 'in_person' ? 'geekblue' : 'cyan'}>{VISIT_METHOD_LABELS[method]}</Tag>
      <Tag color={outcome === 'reached' ? 'green' : 'volcano'}>{VISIT_OUTCOME_LABELS[outcome]}</Tag>
    </>
  );
}

/** 'YYYY-MM-DD HH:mm' in China time, whatever the browser's zone. */
export function chinaDateTimeOf(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 8 * 3600000);
  return d.toISOString().slice(0, 16).replace('T', ' ');
}
