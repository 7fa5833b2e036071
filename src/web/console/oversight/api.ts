import type { AnswerOf } from '../../../shared/api/contract';
import type * as oversight from '../../../shared/api/oversight';
import type { MetricId } from '../../../shared/metrics';

export type { Figures } from '../../../shared/api/oversight';
export type MetricsResponse = AnswerOf<typeof oversight.getMetrics>;
export type TrendsResponse = AnswerOf<typeof oversight.getTrends>;
export type RecordsResponse = AnswerOf<typeof oversight.getMetricRecords>;
export type RecordItem = RecordsResponse['items'][number];
export type Assessment = AnswerOf<typeof oversight.getAssessment>;

/** Query of a slice: only the keys that are set (for query keys and links). */
export function sliceQuery(s: Record<string, string | number | null | undefined>): string {
  return new URLSearchParams(
    Object.entries(s)
      .filter(([, v]) => v != null && v !== '')
      .map(([k, v]) => [k, String(v)]),
  ).toString();
}

/** Link to the records behind a figure. */
export function recordsLink(
  metric: MetricId,
  s: { period: string; areaId?: number | null; visitorId?: number | null; part?: 'base' | 'counted' },
): string {
  return `/oversight/records?${sliceQuery({ metric, ...s })}`;
}
