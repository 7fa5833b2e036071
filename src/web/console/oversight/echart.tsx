import type { EChartsOption } from 'echarts';
import { lazy, Suspense } from 'react';

// ECharts is ~155 KB compressed whatever few charts are registered: it is fetched after the page's
// figures and tables are shown, and only by pages with a chart. The space is kept meanwhile, so
// nothing moves when the chart arrives.
const EChartView = lazy(() => import('./echart-view').then((m) => ({ default: m.EChartView })));

/** An ECharts chart in a div; `onClick` gets the clicked item's name and series. */
export function EChart(props: {
  option: EChartsOption;
  height?: number;
  onClick?: (p: { name: string; seriesName?: string; dataIndex: number }) => void;
  testId?: string;
}) {
  return (
    <Suspense fallback={<div style={{ width: '100%', height: props.height ?? 300 }} aria-busy="true" />}>
      <EChartView {...props} />
    </Suspense>
  );
}
