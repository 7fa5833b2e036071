import type { EChartsOption } from 'echarts';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

// Only the charts and parts the console draws (bar, line, pie; grid, legend, tooltip; SVG): the whole
// of ECharts is ~370 KB compressed, these ~130 KB. A chart type used elsewhere is added here.
echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

/** An ECharts chart in a div (loaded through `EChart` in echart.tsx); `onClick` gets the clicked item's name and series. */
export function EChartView({
  option,
  height = 300,
  onClick,
  testId,
}: {
  option: EChartsOption;
  height?: number;
  onClick?: (p: { name: string; seriesName?: string; dataIndex: number }) => void;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.EChartsType | null>(null);
  const click = useRef(onClick);
  click.current = onClick;
  useEffect(() => {
    if (!ref.current) return;
    const c = echarts.init(ref.current, null, { renderer: 'svg', locale: 'ZH' });
    chart.current = c;
    c.on('click', (p: any) =>
      click.current?.({ name: p.name, seriesName: p.seriesName, dataIndex: p.dataIndex }),
    );
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(ref.current);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, true);
  }, [option]);
  return <div ref={ref} style={{ width: '100%', height }} data-testid={testId} />;
}
