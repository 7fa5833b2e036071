import { useInfiniteQuery } from '@tanstack/react-query';
import { Alert, Button, Descriptions, Segmented, Space, Table, Tag, Typography } from 'antd';
import { Link, useSearchParams } from 'react-router';
import { getMetricRecords } from '../../../shared/api/oversight';
import { RISK_LABELS, VISIT_METHOD_LABELS, VISIT_OUTCOME_LABELS } from '../../../shared/checklist';
import { chinaDateTime } from '../../../shared/china-time';
import { CONCERN_STATUS_LABELS, INCIDENT_STATUS_LABELS } from '../../../shared/incidents';
import { METRIC_IDS, METRICS, type MetricId, ruleOf } from '../../../shared/metrics';
import { PERSON_STATUS_LABELS, SELF_CARE_LABELS } from '../../../shared/person';
import { AREA_LEVEL_LABELS } from '../../../shared/roles';
import { periodLabel } from '../../../shared/schedule';
import { call } from '../../lib/api';
import { EmptyState } from '../common/empty-state';
import { type RecordItem, type RecordsResponse, sliceQuery } from './api';

const TASK_STATUS: Record<string, string> = {
  open: '待完成',
  done: '已完成',
  missed: '逾期未访',
  cancelled: '已取消',
};
const lookup = (m: Record<string, string>, k: string | null) => (k == null ? '' : (m[k] ?? k));
const time = (s: string | null) => (s ? chinaDateTime(new Date(s)) : '');

/** Columns that make sense for each kind of record. */
function kindColumns(kind: RecordsResponse['recordKind']) {
  switch (kind) {
    case 'person':
      return [
        { title: '状态', render: (r: RecordItem) => lookup(PERSON_STATUS_LABELS, r.status) },
        { title: '自理能力', render: (r: RecordItem) => lookup(SELF_CARE_LABELS, r.extra) },
      ];
    case 'task':
      return [
        { title: '期间', render: (r: RecordItem) => periodLabel(r.extra ?? '') },
        { title: '截止日期', render: (r: RecordItem) => r.dueDate },
        { title: '任务状态', render: (r: RecordItem) => lookup(TASK_STATUS, r.status) },
      ];
    case 'visit':
      return [
        { title: '探访时间', render: (r: RecordItem) => <Link to={`/visits/${r.id}`}>{time(r.at)}</Link> },
        { title: '方式', render: (r: RecordItem) => lookup(VISIT_METHOD_LABELS, r.label) },
        { title: '结果', render: (r: RecordItem) => lookup(VISIT_OUTCOME_LABELS, r.status) },
      ];
    case 'incident':
      return [
        { title: '类型', render: (r: RecordItem) => lookup(RISK_LABELS, r.label) },
        { title: '发起时间', render: (r: RecordItem) => time(r.at) },
        { title: '确认用时（分钟）', render: (r: RecordItem) => r.detail ?? '未确认' },
        { title: '状态', render: (r: RecordItem) => lookup(INCIDENT_STATUS_LABELS, r.status) },
      ];
    case 'concern':
      return [
        { title: '问题', render: (r: RecordItem) => r.detail },
        { title: '期限', render: (r: RecordItem) => r.dueDate },
        { title: '状态', render: (r: RecordItem) => lookup(CONCERN_STATUS_LABELS, r.status) },
        { title: '办结时间', render: (r: RecordItem) => time(r.at) },
      ];
    case 'agreement':
      return [
        { title: '照料关系', render: (r: RecordItem) => r.label },
        { title: '到期日期', render: (r: RecordItem) => r.dueDate },
      ];
    case 'review':
      return [
        { title: '考核期止', render: (r: RecordItem) => r.dueDate },
        { title: '得分', render: (r: RecordItem) => r.label },
        { title: '结论', render: (r: RecordItem) => (r.status === 'passed' ? '合格' : '不合格') },
      ];
  }
}

/** The records behind one figure: exactly those its number counts (ratios show the numerator's mark). */
export function RecordsPage() {
  const [params, setParams] = useSearchParams();
  const metric = params.get('metric') as MetricId;
  const part = params.get('part') === 'counted' ? 'counted' : 'base';
  const slice = {
    period: params.get('period') ?? undefined,
    areaId: params.get('areaId') ?? undefined,
    visitorId: params.get('visitorId') ?? undefined,
    part,
  } as const;
  const q = sliceQuery(slice);
  const list = useInfiniteQuery({
    queryKey: ['oversight-records', metric, q],
    enabled: METRIC_IDS.includes(metric),
    initialPageParam: 0,
    queryFn: ({ pageParam }) =>
      call(getMetricRecords, {
        params: { metric },
        query: { ...slice, limit: 200, after: pageParam },
      }),
    getNextPageParam: (last) => last.nextAfter ?? undefined,
  });
  if (!METRIC_IDS.includes(metric)) return <Alert type="error" title="未知的指标" />;
  const def = METRICS[metric];
  const first = list.data?.pages[0];
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const isRatio = def.unit === 'ratio';
  return (
    <div>
      <Typography.Title level={4}>{def.label} · 明细</Typography.Title>
      <Descriptions size="small" column={{ xs: 1, md: 3 }} style={{ marginBottom: 12 }}>
        <Descriptions.Item label="口径">{ruleOf(metric)}</Descriptions.Item>
        <Descriptions.Item label="期间">{first ? periodLabel(first.period) : ''}</Descriptions.Item>
        <Descriptions.Item label="记录数">
          <span data-testid="records-total">{first?.total ?? '…'}</span>
        </Descriptions.Item>
      </Descriptions>
      {isRatio && (
        <Segmented
          style={{ marginBottom: 12 }}
          value={part}
          onChange={(v) => {
            const next = new URLSearchParams(params);
            next.set('part', String(v));
            setParams(next, { replace: true });
          }}
          options={[
            { label: `全部（${def.denominatorLabel}）`, value: 'base' },
            { label: `仅${def.numeratorLabel}`, value: 'counted' },
          ]}
        />
      )}
      {list.error && <Alert type="error" showIcon title={(list.error as Error).message} />}
      <Table<RecordItem>
        locale={{
          emptyText: (
            <EmptyState
              title="这个指标在本期没有记录"
              hint="指标明细列出数字背后的每一条记录；可在工作台换一个期间或辖区再点开。"
            />
          ),
        }}
        size="small"
        rowKey="id"
        loading={list.isLoading}
        dataSource={items}
        pagination={false}
        scroll={{ x: 'max-content' }}
        columns={[
          {
            title: '对象',
            render: (_: unknown, r) => <Link to={`/persons/${r.personId}`}>{r.personName}</Link>,
          },
          { title: AREA_LEVEL_LABELS.town, dataIndex: 'townName' },
          { title: AREA_LEVEL_LABELS.village, dataIndex: 'villageName' },
          { title: '探访责任人', render: (_: unknown, r) => r.visitorName ?? '未分配' },
          ...kindColumns(first?.recordKind ?? def.records),
          ...(isRatio && part === 'base'
            ? [
                {
                  title: def.numeratorLabel,
                  render: (_: unknown, r: RecordItem) =>
                    r.counted ? <Tag color="green">是</Tag> : <Tag color="red">否</Tag>,
                },
              ]
            : []),
        ]}
      />
      <Space style={{ marginTop: 12 }}>
        {list.hasNextPage && (
          <Button onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage}>
            加载更多
          </Button>
        )}
        <Typography.Text type="secondary">
          已显示 {items.length} / {first?.total ?? 0}
        </Typography.Text>
      </Space>
    </div>
  );
}
