import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Col,
  Empty,
  Row,
  Segmented,
  Skeleton,
  Space,
  Table,
  Tag,
  Tooltip,
  TreeSelect,
  Typography,
} from 'antd';
import type { EChartsOption } from 'echarts';
import { lazy, Suspense, useMemo } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import type { getMetricRecords, getMetrics, getTrends } from '../../../shared/api/oversight';
import {
  compareWorstFirst,
  FIGURE_RULES,
  figureState,
  formatMetric,
  METRICS,
  type MetricId,
  type MetricValue,
  ruleOf,
} from '../../../shared/metrics';
import { RISK_LABELS, type RiskCode } from '../../../shared/risks';
import { can, type Permission } from '../../../shared/roles';
import { periodLabel } from '../../../shared/schedule';
import { call } from '../../lib/api';
import { toTreeData, useAreaTree } from '../../lib/areas';
import { useSession } from '../../lib/session';
import { OVERSIGHT_METRICS, OVERSIGHT_RECORDS, OVERSIGHT_TRENDS } from '../shell-ops';
import { recordsLink, sliceQuery } from './api';
import { EChart } from './echart';
import { PeriodPicker, thisMonth } from './period-picker';

// The outreach card comes after the figures in a chunk of its own (like ECharts): the first screen
// after login stays within its budget (test/e2e/delivery.test.ts).
const OutreachFiguresCard = lazy(() =>
  import('../outreach/figures').then((m) => ({ default: m.OutreachFiguresCard })),
);

/** Figure groups, each shown to the roles that may read the records behind it. */
const GROUPS: { key: (typeof METRICS)[MetricId]['group']; title: string; permission: Permission }[] = [
  { key: 'visits', title: '探访', permission: 'visits.read' },
  { key: 'incidents', title: '应急处置', permission: 'incidents.read' },
  { key: 'rectification', title: '问题整改', permission: 'concerns.read' },
  { key: 'care', title: '委托照料', permission: 'care.read' },
  { key: 'authenticity', title: '真实性核查', permission: 'authenticity.read' },
];
/** Columns of the side-by-side table, in order. */
const TABLE_METRICS: MetricId[] = [
  'activePersons',
  'coverage',
  'onTime',
  'inPersonShare',
  'dueSoon',
  'missed',
  'incidentsOpen',
  'incidentAckWithin',
  'rectificationOverdue',
  'rectificationOnTime',
  'agreementCoverage',
  'agreementsExpiring',
  'reviewPassRate',
];
// Text colours with at least 4.5:1 contrast on white (WCAG AA): antd's green-8, orange-8, red-7.
const COLOR = { good: '#237804', warn: '#ad4e00', bad: '#cf1322' };

/** Colour of a ratio by how good it is (≥ 95 % green, ≥ 80 % amber, else red), counts red when > 0 and bad. */
function tone(id: MetricId, v: MetricValue | undefined, inProgress = false): string | undefined {
  // A figure that grows through the period (coverage) is not judged before the period ends.
  if (inProgress && METRICS[id].accrues) return undefined;
  // No records or a small sample: not known to be good or bad, so not coloured (FIGURE_RULES).
  if (v?.value == null || figureState(id, v) !== 'ok') return undefined;
  const m = METRICS[id];
  if (m.unit === 'ratio') {
    const x = m.good === 'up' ? v.value : 1 - v.value;
    return x >= 0.95 ? COLOR.good : x >= 0.8 ? COLOR.warn : COLOR.bad;
  }
  if (m.unit === 'count' && m.good === 'down') return v.value > 0 ? COLOR.bad : COLOR.good;
  return undefined;
}

/** A ratio in percent for a chart; null (no point, no bar) without records or with a small sample. */
function pct(id: MetricId, v: MetricValue | undefined): number | null {
  return v?.value == null || figureState(id, v) !== 'ok' ? null : Math.round(v.value * 1000) / 10;
}

const TREND_COLORS = ['#5470c6', '#91cc75', '#3b4a6b'];
const trendLabel = (p: { period: string; inProgress: boolean }) =>
  `${periodLabel(p.period).replace(/^\d{4}年/, '')}${p.inProgress ? '（至今）' : ''}`;

/** A figure as a clickable number: goes to the records behind it. */
function FigureLink({
  id,
  v,
  to,
  big,
  inProgress,
}: {
  id: MetricId;
  v: MetricValue | undefined;
  to: string;
  big?: boolean;
  inProgress?: boolean;
}) {
  const text = formatMetric(id, v);
  if (big && figureState(id, v) === 'small')
    return (
      <Link to={to} data-testid={`figure-${id}`} style={{ color: 'inherit' }}>
        <span style={{ fontSize: 18, fontWeight: 600 }}>样本不足</span>
        <Typography.Text type="secondary" style={{ marginLeft: 6 }}>
          n={v?.denominator}
        </Typography.Text>
      </Link>
    );
  return (
    <Link to={to} data-testid={`figure-${id}`} style={{ color: tone(id, v, inProgress) ?? 'inherit' }}>
      <span style={{ fontSize: big ? 26 : undefined, fontWeight: big ? 600 : undefined }}>{text}</span>
      {big && v?.denominator != null && METRICS[id].unit === 'ratio' && figureState(id, v) === 'ok' && (
        <Typography.Text type="secondary" style={{ marginLeft: 6 }}>
          {v.numerator}/{v.denominator}
        </Typography.Text>
      )}
    </Link>
  );
}

/**
 * The oversight dashboard for whoever is looking: the bureau sees all towns side by side (worst first),
 * a town its villages (or visitors), a village its visitors, a visitor their own progress. Every number
 * links to the records behind it. Slice and period live in the URL, so a view can be shared.
 */
export function OversightDashboard() {
  const { me } = useSession();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const areas = useAreaTree();
  const period = params.get('period') ?? thisMonth();
  const areaId = params.get('areaId') ? Number(params.get('areaId')) : undefined;
  const groupBy = params.get('groupBy') === 'visitor' ? 'visitor' : undefined;
  const set = (k: string, v: string | undefined) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next, { replace: true });
  };
  const q = sliceQuery({ period, areaId, groupBy });
  const metrics = useQuery({
    queryKey: ['oversight-metrics', q],
    queryFn: () => call<typeof getMetrics>(OVERSIGHT_METRICS, { query: { period, areaId, groupBy } }),
  });
  const trendQ = sliceQuery({ period, areaId });
  const trends = useQuery({
    queryKey: ['oversight-trends', trendQ],
    queryFn: () => call<typeof getTrends>(OVERSIGHT_TRENDS, { query: { period, areaId } }),
  });
  const m = metrics.data;
  const available = (id: MetricId) => !!m && !m.unavailable.includes(id);
  const openIncidents = useQuery({
    queryKey: ['oversight-incidents-open', trendQ],
    enabled: !!m && available('incidentsOpen') && (m.figures.incidentsOpen?.value ?? 0) > 0,
    queryFn: () =>
      call<typeof getMetricRecords>(OVERSIGHT_RECORDS, {
        params: { metric: 'incidentsOpen' },
        query: { period, areaId, limit: 1000 },
      }),
  });
  const slice = { period, areaId: m?.area?.id, visitorId: m?.visitorId };
  const children = useMemo(
    () =>
      [...(m?.children ?? [])].sort(
        (a, b) =>
          compareWorstFirst('coverage', a.figures.coverage, b.figures.coverage) ||
          a.name.localeCompare(b.name, 'zh'),
      ),
    [m],
  );
  const childWord = m?.childLabel ?? '';
  const childSlice = (id: number | null) =>
    m?.childKind === 'visitor' ? { ...slice, visitorId: id } : { ...slice, areaId: id };

  const barOption = useMemo<EChartsOption>(() => {
    const rows = [...children].reverse(); // worst at the top of a horizontal bar chart
    const series = (['coverage', 'onTime', 'inPersonShare'] as MetricId[]).map((id) => ({
      name: METRICS[id].label,
      type: 'bar' as const,
      data: rows.map((c) => pct(id, c.figures[id])),
      label: { show: rows.length <= 16, position: 'right' as const, formatter: '{c}%', fontSize: 10 },
    }));
    return {
      tooltip: { trigger: 'axis', valueFormatter: (v: any) => (v == null ? '—' : `${v}%`) },
      legend: { top: 0 },
      grid: { left: 8, right: 48, top: 28, bottom: 8, containLabel: true },
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'category', data: rows.map((c) => c.name) },
      series,
    };
  }, [children]);

  // Periods before the first one with any visit task (the schedule was not in use yet) are left
  // out: their coverage would draw as 0 % although nobody was asked to visit.
  const trendPeriods = useMemo(() => {
    const all = trends.data?.periods ?? [];
    const first = all.findIndex(
      (p) => (p.figures.onTime?.denominator ?? 0) > 0 || (p.figures.missed?.value ?? 0) > 0,
    );
    return first > 0 ? all.slice(first) : all;
  }, [trends.data]);
  const trendOption = useMemo<EChartsOption>(() => {
    const ps = trendPeriods;
    return {
      tooltip: { trigger: 'axis', valueFormatter: (v: any) => (v == null ? '—' : `${v}%`) },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: ps.map(trendLabel) },
      yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      // The period in progress is a figure to date: drawn dashed from the last closed period, with a
      // hollow point, so a month barely started does not read as a fall.
      series: (['coverage', 'onTime', 'inPersonShare'] as MetricId[]).flatMap((id, i) => {
        const color = TREND_COLORS[i];
        const closed = ps.map((p) => (p.inProgress ? null : pct(id, p.figures[id])));
        const open = ps.map((p, j) =>
          p.inProgress || ps[j + 1]?.inProgress ? pct(id, p.figures[id]) : null,
        );
        return [
          { name: METRICS[id].label, type: 'line' as const, color, connectNulls: false, data: closed },
          {
            name: METRICS[id].label,
            type: 'line' as const,
            color,
            connectNulls: false,
            symbol: 'emptyCircle',
            symbolSize: 8,
            lineStyle: { type: 'dashed' as const },
            tooltip: { show: false },
            data: open,
          },
        ];
      }),
    };
  }, [trendPeriods]);

  const byType = useMemo(() => {
    const counts = new Map<string, number>();
    for (const r of openIncidents.data?.items ?? [])
      counts.set(r.label ?? '', (counts.get(r.label ?? '') ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1]);
  }, [openIncidents.data]);

  if (!me) return null;
  const isAreaUser = me.roles.some((r) => r !== 'visitor' && r !== 'department_liaison');
  const title = m
    ? m.area
      ? `${m.area.name} · ${periodLabel(m.period)}`
      : `我的探访进度 · ${periodLabel(m.period)}`
    : '监督工作台';

  return (
    <div data-testid="oversight-dashboard">
      <Space wrap style={{ marginBottom: 12, width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={4} style={{ margin: 0 }} data-testid="dashboard-title">
          {title}
        </Typography.Title>
        <Space wrap>
          <PeriodPicker value={period} onChange={(p) => set('period', p)} />
          {isAreaUser && (
            <TreeSelect
              style={{ minWidth: 200 }}
              placeholder="辖区"
              treeData={toTreeData(areas.data ?? [])}
              value={m?.area?.id}
              onChange={(v) => set('areaId', v ? String(v) : undefined)}
              treeDefaultExpandAll
              aria-label="辖区"
            />
          )}
          {m?.area && m.area.level === 'town' && (
            <Segmented
              value={groupBy ?? 'area'}
              onChange={(v) => set('groupBy', v === 'visitor' ? 'visitor' : undefined)}
              options={[
                { label: '按下级辖区', value: 'area' },
                { label: '按探访责任人', value: 'visitor' },
              ]}
            />
          )}
          {m?.area && params.has('areaId') && isAreaUser && (
            <Button
              onClick={() => {
                const next = new URLSearchParams(params);
                next.delete('areaId');
                next.delete('groupBy');
                setParams(next);
              }}
            >
              返回我的辖区
            </Button>
          )}
        </Space>
      </Space>
      {metrics.error && <Alert type="error" showIcon title={(metrics.error as Error).message} />}
      {!m ? (
        <Skeleton active />
      ) : (
        <>
          <Row gutter={[12, 12]}>
            {GROUPS.filter((g) => can(me.roles, g.permission)).map((g) => {
              const ids = (Object.keys(METRICS) as MetricId[]).filter(
                (id) => METRICS[id].group === g.key && available(id),
              );
              if (!ids.length) return null;
              return (
                <Col key={g.key} xs={24} lg={g.key === 'visits' ? 24 : 8}>
                  <Card size="small" title={g.title}>
                    <Row gutter={[12, 12]}>
                      {ids.map((id) => (
                        <Col key={id} xs={12} sm={8} md={g.key === 'visits' ? 4 : 8}>
                          <Tooltip title={ruleOf(id)}>
                            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                              {METRICS[id].label}
                            </Typography.Text>
                          </Tooltip>
                          <div>
                            <FigureLink
                              id={id}
                              v={m.figures[id]}
                              to={recordsLink(id, slice)}
                              big
                              inProgress={m.inProgress}
                            />
                          </div>
                        </Col>
                      ))}
                    </Row>
                  </Card>
                </Col>
              );
            })}
          </Row>
          <Typography.Paragraph
            type="secondary"
            style={{ marginTop: 8, fontSize: 12 }}
            data-testid="figure-rules"
          >
            {m.inProgress && (
              <Tag color="blue" data-testid="in-progress">
                本期进行中
              </Tag>
            )}
            口径说明：{FIGURE_RULES.none}；{FIGURE_RULES.small}；{FIGURE_RULES.inProgress}
            。将鼠标移到指标名称上可查看各项口径。
          </Typography.Paragraph>
          {m.unavailable.length > 0 && (
            <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
              尚未启用：{m.unavailable.map((id) => METRICS[id].label).join('、')}
            </Typography.Paragraph>
          )}
          {m.children.length > 0 && (
            <Card
              size="small"
              style={{ marginTop: 12 }}
              title={`各${childWord}对比（按探访覆盖率由低到高）`}
              extra={
                m.childKind === 'area' ? (
                  <Typography.Text type="secondary">点击柱条查看该辖区</Typography.Text>
                ) : null
              }
            >
              <EChart
                testId="children-chart"
                option={barOption}
                height={Math.max(220, 40 + children.length * 34)}
                onClick={(p) => {
                  const row = [...children].reverse()[p.dataIndex];
                  if (!row || row.id == null) return;
                  if (m.childKind === 'area') {
                    const next = new URLSearchParams(params);
                    next.set('areaId', String(row.id));
                    next.delete('groupBy');
                    setParams(next);
                  } else navigate(recordsLink('coverage', childSlice(row.id)));
                }}
              />
              <Table
                data-testid="children-table"
                size="small"
                rowKey={(r) => String(r.id)}
                dataSource={children}
                pagination={children.length > 30 ? { pageSize: 30 } : false}
                scroll={{ x: 'max-content' }}
                columns={[
                  {
                    title: childWord,
                    fixed: 'left',
                    render: (_: unknown, r) =>
                      m.childKind === 'area' && r.id != null ? (
                        <a
                          onClick={() => {
                            const next = new URLSearchParams(params);
                            next.set('areaId', String(r.id));
                            next.delete('groupBy');
                            setParams(next);
                          }}
                        >
                          {r.name}
                        </a>
                      ) : (
                        r.name
                      ),
                  },
                  ...TABLE_METRICS.filter(available).map((id) => ({
                    title: <Tooltip title={ruleOf(id)}>{METRICS[id].label}</Tooltip>,
                    key: id,
                    align: 'right' as const,
                    sorter: (a: (typeof children)[number], b: (typeof children)[number]) =>
                      compareWorstFirst(id, a.figures[id], b.figures[id]),
                    render: (_: unknown, r: (typeof children)[number]) => (
                      <FigureLink
                        id={id}
                        v={r.figures[id]}
                        to={recordsLink(id, childSlice(r.id))}
                        inProgress={m.inProgress}
                      />
                    ),
                  })),
                ]}
              />
            </Card>
          )}
          <Row gutter={[12, 12]} style={{ marginTop: 12 }}>
            <Col xs={24} lg={available('incidentsOpen') ? 16 : 24}>
              <Card
                size="small"
                title={`近 ${trendPeriods.length || 12} 期走势（${trends.data?.frequency === 'half_month' ? '半月' : '月'}）`}
              >
                {trends.data ? (
                  <EChart testId="trend-chart" option={trendOption} height={260} />
                ) : (
                  <Skeleton active />
                )}
              </Card>
            </Col>
            {available('incidentsOpen') && (
              <Col xs={24} lg={8}>
                <Card size="small" title="未结应急事件（按类型）">
                  {byType.length === 0 ? (
                    <Empty description="无未结应急事件" image={Empty.PRESENTED_IMAGE_SIMPLE} />
                  ) : (
                    <EChart
                      height={260}
                      option={{
                        tooltip: { trigger: 'item' },
                        series: [
                          {
                            type: 'pie',
                            radius: ['28%', '52%'],
                            data: byType.map(([code, n]) => ({
                              name: RISK_LABELS[code as RiskCode] ?? code,
                              value: n,
                            })),
                            // Names like 外出流浪乞讨 were cut to "外…" at the card's edge: wrap instead.
                            label: { formatter: '{b}\n{c} 件', overflow: 'break', width: 56, lineHeight: 16 },
                          },
                        ],
                      }}
                      onClick={() => navigate(recordsLink('incidentsOpen', slice))}
                    />
                  )}
                </Card>
              </Col>
            )}
          </Row>
          {m.area && can(me.roles, 'outreach.read') && (
            <div style={{ marginTop: 12 }}>
              <Suspense fallback={null}>
                <OutreachFiguresCard areaId={m.area.id} />
              </Suspense>
            </div>
          )}
          {!m.area && can(me.roles, 'visits.record') && (
            <Space style={{ marginTop: 12 }}>
              <Link to="/visit-tasks">
                <Button type="primary">查看我的探访任务</Button>
              </Link>
            </Space>
          )}
        </>
      )}
    </div>
  );
}
