import { useQuery } from '@tanstack/react-query';
import { Button, Card, Modal, Select, Space, Table, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import type { OperationOf } from '../../../shared/api/contract';
import { urlOf } from '../../../shared/api/contract';
import type * as outreachApi from '../../../shared/api/outreach';
import { formatMetric, METRICS, OUTREACH_METRICS, type OutreachMetricId } from '../../../shared/metrics';
import { outreachPeriodLabel, quarterOf } from '../../../shared/outreach';
import { AREA_LEVEL_LABELS } from '../../../shared/roles';
import { call } from '../../lib/api';

// The card is also drawn on the dashboard (a chunk after the figures): its operations without their
// schemas, so it loads no zod (dependency-cruiser home-stays-light).
const OUTREACH_FIGURES: OperationOf<typeof outreachApi.getOutreachFigures> = {
  method: 'GET',
  path: '/api/outreach/figures',
  operationId: 'getOutreachFigures',
};
const OUTREACH_RECORDS: OperationOf<typeof outreachApi.listOutreachFigureRecords> = {
  method: 'GET',
  path: '/api/outreach/figures/records',
  operationId: 'listOutreachFigureRecords',
};
const OUTREACH_LEDGER: OperationOf<typeof outreachApi.activitiesLedger> = {
  method: 'GET',
  path: '/api/outreach/activities.xlsx',
  operationId: 'downloadActivitiesLedger',
};

type Figures = outreachApi.OutreachFiguresAnswer['figures'];

/** The current and the three previous quarters, then the months of the current quarter. */
export function outreachPeriods(today: string): string[] {
  const q = quarterOf(today);
  let y = Number(q.slice(0, 4));
  let n = Number(q[6]);
  const quarters = [q];
  for (let i = 0; i < 3; i++) {
    n -= 1;
    if (n === 0) {
      n = 4;
      y -= 1;
    }
    quarters.push(`${y}-Q${n}`);
  }
  const first = (Number(q[6]) - 1) * 3 + 1;
  const months = [0, 1, 2]
    .map((i) => `${q.slice(0, 4)}-${String(first + i).padStart(2, '0')}`)
    .filter((m) => m <= today.slice(0, 7));
  return [...quarters, ...months];
}

const chinaToday = () => new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);

/**
 * 关爱活动 figures of an area and period (shared/metrics.ts OUTREACH_METRICS), with 政策知晓率 from
 * visits beside them; each count opens the records behind it; the period's ledger downloads here.
 */
export function OutreachFiguresCard({ areaId }: { areaId?: number }) {
  const [period, setPeriod] = useState(() => quarterOf(chinaToday()));
  const [drill, setDrill] = useState<{ figure: OutreachMetricId; areaId: number; name: string } | null>(null);
  const q = useQuery({
    queryKey: ['outreach-figures', period, areaId],
    queryFn: () =>
      call<typeof outreachApi.getOutreachFigures>(OUTREACH_FIGURES, { query: { period, areaId } }),
  });
  const d = q.data;
  const count = (figure: OutreachMetricId, id: number, name: string, n: number) => (
    <a
      onClick={() => setDrill({ figure, areaId: id, name })}
      aria-label={`${name}${OUTREACH_METRICS[figure].label}明细`}
    >
      {n}
    </a>
  );
  const rows = d
    ? [{ id: d.area.id, name: `${d.area.name}（合计）`, figures: d.figures }, ...d.children]
    : [];
  return (
    <Card
      size="small"
      style={{ marginBottom: 16 }}
      title={
        <Space wrap>
          <span>关爱活动与政策宣传</span>
          <Select
            size="small"
            aria-label="期间"
            style={{ width: 140 }}
            value={period}
            onChange={setPeriod}
            options={outreachPeriods(chinaToday()).map((p) => ({ value: p, label: outreachPeriodLabel(p) }))}
          />
        </Space>
      }
      extra={
        <Button size="small" href={urlOf(OUTREACH_LEDGER, { query: { period, areaId } })}>
          下载活动台账
        </Button>
      }
      data-testid="outreach-figures"
    >
      <Table<{ id: number; name: string; figures: Figures }>
        rowKey="id"
        size="small"
        loading={q.isLoading}
        pagination={false}
        scroll={{ x: 480 }}
        dataSource={rows}
        columns={[
          { title: '辖区', dataIndex: 'name' },
          {
            title: <Tooltip title={OUTREACH_METRICS.outreachActivities.definition}>活动场次</Tooltip>,
            width: 100,
            render: (_, r) => count('outreachActivities', r.id, r.name, r.figures.activities),
          },
          {
            title: (
              <Tooltip title={OUTREACH_METRICS.outreachPersonsReached.definition}>覆盖对象（人）</Tooltip>
            ),
            width: 120,
            render: (_, r) => count('outreachPersonsReached', r.id, r.name, r.figures.personsReached),
          },
          {
            title: <Tooltip title={METRICS.policyAwareness.definition}>政策知晓率（探访）</Tooltip>,
            width: 150,
            render: (_, r) =>
              `${formatMetric('policyAwareness', r.figures.policyAwareness)}${
                r.figures.policyAwareness.denominator
                  ? `（${r.figures.policyAwareness.numerator}/${r.figures.policyAwareness.denominator}）`
                  : ''
              }`,
          },
        ]}
      />
      {drill && (
        <FigureRecords
          figure={drill.figure}
          areaId={drill.areaId}
          title={`${drill.name} · ${OUTREACH_METRICS[drill.figure].label}（${outreachPeriodLabel(period)}）`}
          period={period}
          onClose={() => setDrill(null)}
        />
      )}
    </Card>
  );
}

function FigureRecords(p: {
  figure: OutreachMetricId;
  areaId: number;
  period: string;
  title: string;
  onClose: () => void;
}) {
  const [page, setPage] = useState(1);
  const q = useQuery({
    queryKey: ['outreach-records', p.figure, p.areaId, p.period, page],
    queryFn: () =>
      call<typeof outreachApi.listOutreachFigureRecords>(OUTREACH_RECORDS, {
        query: { figure: p.figure, areaId: p.areaId, period: p.period, page, pageSize: 20 },
      }),
  });
  const persons = p.figure === 'outreachPersonsReached';
  return (
    <Modal open title={p.title} footer={null} onCancel={p.onClose} width={720}>
      <Typography.Paragraph type="secondary">{OUTREACH_METRICS[p.figure].definition}</Typography.Paragraph>
      <Table
        rowKey="id"
        size="small"
        loading={q.isLoading}
        dataSource={q.data?.items}
        pagination={{
          current: page,
          pageSize: 20,
          total: q.data?.total,
          onChange: setPage,
          showSizeChanger: false,
        }}
        columns={[
          {
            title: persons ? '对象' : '活动',
            render: (_, r) =>
              persons ? (
                <Link to={`/persons/${r.id}`}>{r.name}</Link>
              ) : (
                <Link to={`/outreach/activities?id=${r.id}`}>{r.name}</Link>
              ),
          },
          { title: AREA_LEVEL_LABELS.town, dataIndex: 'town' },
          { title: AREA_LEVEL_LABELS.village, render: (_, r) => r.village ?? '—' },
          { title: persons ? '最近一次' : '日期', dataIndex: 'date' },
          ...(persons ? [{ title: '参加次数', dataIndex: 'detail' }] : []),
        ]}
      />
    </Modal>
  );
}
