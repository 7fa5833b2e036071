import type { MetricId, MetricValue } from '../../../shared/metrics';

export type Figures = Partial<Record<MetricId, MetricValue>>;

export interface MetricsResponse {
  period: string;
  area: { id: number; name: string; level: 'district' | 'town' | 'village' } | null;
  visitorId: number | null;
  childKind: 'area' | 'visitor' | null;
  figures: Figures;
  children: { id: number | null; name: string; figures: Figures }[];
  unavailable: MetricId[];
  computedAt: string;
}

export interface TrendsResponse {
  frequency: 'month' | 'half_month';
  periods: { period: string; figures: Figures }[];
}

export interface RecordItem {
  id: number;
  personId: number;
  personName: string;
  townName: string;
  villageName: string;
  visitorName: string | null;
  status: string | null;
  label: string | null;
  extra: string | null;
  at: string | null;
  dueDate: string | null;
  detail: string | null;
  counted: boolean;
}

export interface RecordsResponse {
  metric: MetricId;
  period: string;
  part: 'base' | 'counted';
  recordKind: 'person' | 'task' | 'visit' | 'incident' | 'concern' | 'agreement' | 'review';
  total: number;
  nextAfter: number | null;
  items: RecordItem[];
}

/** Query string of a slice (only the keys that are set). */
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
