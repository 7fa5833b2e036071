import { chinaDate, chinaDateTime, daysBetween } from '../../shared/china-time';
import { getState } from './state';
import type { BundleTask, QueuedVisit } from './types';

/**
 * Now, corrected by the server's clock as seen at the last bundle download (cheap phones often have
 * a wrong clock; task windows and "days since" follow the server's calendar).
 */
export function serverNow(): Date {
  const s = getState();
  if (!s.bundle || !s.bundleFetchedAt) return new Date();
  const skew = Date.parse(s.bundle.generatedAt) - Date.parse(s.bundleFetchedAt);
  return new Date(Date.now() + (Math.abs(skew) > 120000 ? skew : 0));
}

export const today = () => chinaDate(serverNow());
export const fmtDateTime = (iso: string) => chinaDateTime(new Date(iso));
export const fmtDate = (iso: string) => chinaDate(new Date(iso));

/** Whole days since an instant, on the China calendar. */
export const daysSince = (iso: string) => daysBetween(chinaDate(new Date(iso)), today());

export function daysLeftLabel(due: string): { text: string; tone: 'late' | 'soon' | 'ok' } {
  const left = daysBetween(today(), due);
  if (left < 0) return { text: `已逾期 ${-left} 天`, tone: 'late' };
  if (left === 0) return { text: '今天到期', tone: 'soon' };
  return { text: `还剩 ${left} 天`, tone: left <= 3 ? 'soon' : 'ok' };
}

/** A queued (not yet sent) reached visit inside the task's window: the task will be done on upload. */
export function queuedFor(task: BundleTask, queue: QueuedVisit[]): QueuedVisit | undefined {
  const s = Date.parse(task.windowStart);
  const e = Date.parse(task.windowEnd);
  return queue.find((q) => {
    const at = Date.parse(q.draft.at);
    return q.draft.personId === task.personId && q.draft.outcome === 'reached' && at >= s && at < e;
  });
}

export const TASK_KIND_LABELS: Record<BundleTask['kind'], string> = {
  regular: '定期',
  follow_up: '跟进',
  campaign: '专项',
};
