import { useInfiniteQuery } from '@tanstack/react-query';
import {
  Button,
  DatePicker,
  Grid,
  List,
  Segmented,
  Select,
  Space,
  Table,
  Tag,
  TreeSelect,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { Link, useNavigate, useSearchParams } from 'react-router';
import * as visitsApi from '../../../shared/api/visits';
import { TIER_LABELS } from '../../../shared/person';
import { AREA_LEVEL_LABELS, can } from '../../../shared/roles';
import { call } from '../../lib/api';
import { toTreeData, useAreaTree } from '../../lib/areas';
import { useSession } from '../../lib/session';
import { TaskStatusTag } from './tags';
import { TASK_KIND_LABELS, TASK_STATUS_LABELS, type VisitTask } from './types';

const PAGE = 50;

/**
 * 探访任务: a visitor sees their own tasks (open, due soon, missed) by due date; town and bureau staff
 * filter by area, visitor, status and due dates. Lists page with the server's keyset cursor.
 */
export function TasksPage() {
  const { me } = useSession();
  const navigate = useNavigate();
  const screens = Grid.useBreakpoint();
  const [params, setParams] = useSearchParams();
  const areas = useAreaTree();
  const isVisitor = !!me?.roles.includes('visitor');
  const canRecord = !!me && can(me.roles, 'visits.record');
  const f = {
    assignee: params.get('assignee') ?? (isVisitor ? 'me' : ''),
    areaId: params.get('areaId') ?? '',
    status: params.get('status') ?? 'open',
    kind: params.get('kind') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
  };
  const set = (k: keyof typeof f, v: string | undefined) => {
    const next = new URLSearchParams(params);
    next.set(k, v ?? '');
    setParams(next, { replace: true });
  };
  const query = new URLSearchParams(Object.entries(f).filter(([, v]) => v) as [string, string][]).toString();
  const list = useInfiniteQuery({
    queryKey: ['visit-tasks', query],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      call(visitsApi.listVisitTasks, {
        query: {
          limit: PAGE,
          cursor: pageParam || undefined,
          assignee: f.assignee || undefined,
          areaId: f.areaId || undefined,
          status: (f.status || undefined) as visitsApi.TaskStatusFilter | undefined,
          kind: (f.kind || undefined) as VisitTask['kind'] | undefined,
          from: f.from || undefined,
          to: f.to || undefined,
        },
      }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const record = (t: VisitTask) => navigate(`/visits/new?personId=${t.personId}`);

  const filters = (
    <Space wrap>
      <Segmented
        value={f.status}
        onChange={(v) => set('status', String(v))}
        options={[
          { value: 'open', label: '待探访' },
          { value: 'due_soon', label: '即将到期' },
          { value: 'missed', label: '已逾期' },
          { value: 'done', label: '已完成' },
          { value: '', label: '全部' },
        ]}
      />
      {!isVisitor && (
        <TreeSelect
          allowClear
          aria-label="辖区"
          placeholder="辖区"
          style={{ width: 200 }}
          treeData={toTreeData(areas.data ?? [])}
          value={f.areaId ? Number(f.areaId) : undefined}
          onChange={(v) => set('areaId', v ? String(v) : '')}
          treeDefaultExpandAll
        />
      )}
      {isVisitor && me && me.roles.length > 1 && (
        <Select
          aria-label="任务范围"
          style={{ width: 140 }}
          value={f.assignee}
          onChange={(v) => set('assignee', v)}
          options={[
            { value: 'me', label: '我的任务' },
            { value: '', label: '可见的全部' },
          ]}
        />
      )}
      <Select
        allowClear
        aria-label="类型"
        placeholder="类型"
        style={{ width: 110 }}
        value={f.kind || undefined}
        onChange={(v) => set('kind', v)}
        options={Object.entries(TASK_KIND_LABELS).map(([value, label]) => ({ value, label }))}
      />
      <DatePicker.RangePicker
        placeholder={['截止日期从', '到']}
        onChange={(v: [Dayjs | null, Dayjs | null] | null) => {
          const next = new URLSearchParams(params);
          next.set('from', v?.[0]?.format('YYYY-MM-DD') ?? '');
          next.set('to', v?.[1]?.format('YYYY-MM-DD') ?? '');
          setParams(next, { replace: true });
        }}
      />
    </Space>
  );

  const more = list.hasNextPage && (
    <div style={{ textAlign: 'center', marginTop: 12 }}>
      <Button onClick={() => list.fetchNextPage()} loading={list.isFetchingNextPage}>
        加载更多
      </Button>
    </div>
  );

  // Phones: a card list a thumb can use; desktops: the table.
  if (!screens.md) {
    return (
      <div>
        <Typography.Title level={4}>{f.assignee === 'me' ? '我的探访任务' : '探访任务'}</Typography.Title>
        {filters}
        <List
          style={{ marginTop: 12 }}
          loading={list.isLoading}
          dataSource={rows}
          locale={{ emptyText: '没有任务' }}
          renderItem={(t) => (
            <List.Item
              actions={
                canRecord && (t.status === 'open' || t.status === 'missed')
                  ? [
                      <Button key="r" type="primary" size="small" onClick={() => record(t)}>
                        记录探访
                      </Button>,
                    ]
                  : []
              }
            >
              <List.Item.Meta
                title={<Link to={`/persons/${t.personId}`}>{t.personName}</Link>}
                description={
                  <span>
                    {t.periodLabel} · 截止 {t.dueDate} <TaskStatusTag t={t} />
                  </span>
                }
              />
            </List.Item>
          )}
        />
        {more}
      </div>
    );
  }

  return (
    <div>
      <Typography.Title level={4}>{f.assignee === 'me' ? '我的探访任务' : '探访任务'}</Typography.Title>
      {filters}
      <Table<VisitTask>
        style={{ marginTop: 12 }}
        rowKey="id"
        size="small"
        loading={list.isLoading}
        dataSource={rows}
        pagination={false}
        columns={[
          { title: '对象', render: (_, t) => <Link to={`/persons/${t.personId}`}>{t.personName}</Link> },
          { title: AREA_LEVEL_LABELS.village, dataIndex: 'villageName' },
          {
            title: '任务',
            render: (_, t) => (
              <>
                {t.kind !== 'regular' && <Tag color="purple">{TASK_KIND_LABELS[t.kind]}</Tag>}
                {t.periodLabel}
                {t.tier && <Typography.Text type="secondary">（{TIER_LABELS[t.tier]}）</Typography.Text>}
              </>
            ),
          },
          { title: '截止日期', dataIndex: 'dueDate' },
          { title: '探访责任人', render: (_, t) => t.visitorName ?? <Tag color="red">未分配</Tag> },
          { title: '状态', render: (_, t) => <TaskStatusTag t={t} /> },
          {
            title: '操作',
            render: (_, t) =>
              t.visitId ? (
                <Link to={`/visits/${t.visitId}`}>查看探访</Link>
              ) : canRecord && (t.status === 'open' || t.status === 'missed') ? (
                <Button size="small" type="link" onClick={() => record(t)}>
                  记录探访
                </Button>
              ) : (
                (t.statusReason && TASK_STATUS_LABELS[t.status]) || null
              ),
          },
        ]}
      />
      {more}
    </div>
  );
}
