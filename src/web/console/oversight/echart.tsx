import * as echarts from 'echarts';
import { useEffect, useRef } from 'react';

/** An ECharts chart in a div; `onClick` gets the clicked item's name and series. */
export function EChart({
  option,
  height = 300,
  onClick,
  testId,
}: {
  option: echarts.EChartsOption;
  height?: number;
  onClick?: (p: { name: string; seriesName?: string; dataIndex: number }) => void;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
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
