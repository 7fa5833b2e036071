import { useInfiniteQuery } from '@tanstack/react-query';
import { Button, Empty, Space, Table, Tag, Typography } from 'antd';
import { Link, useNavigate } from 'react-router';
import * as visitsApi from '../../../shared/api/visits';
import { can } from '../../../shared/roles';
import { call } from '../../lib/api';
import { useSession } from '../../lib/session';
import { chinaDateTimeOf, OutcomeTag, TaskStatusTag } from './tags';
import { TASK_KIND_LABELS, type VisitBrief, type VisitTask } from './types';

/** The person page's 探访记录 tab: visits (attempts included) and the task history, newest first. */
export function PersonVisitsTab({ personId, active }: { personId: number; active: boolean }) {
  const { me } = useSession();
  const navigate = useNavigate();
  const visits = useInfiniteQuery({
    queryKey: ['person-visits', personId],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      call(visitsApi.listPersonVisits, {
        params: { id: personId },
        query: { limit: 20, cursor: pageParam || undefined },
      }),
    getNextPageParam: (l) => l.nextCursor ?? undefined,
  });
  const tasks = useInfiniteQuery({
    queryKey: ['person-visit-tasks', personId],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      call(visitsApi.listPersonVisitTasks, {
        params: { id: personId },
        query: { limit: 24, cursor: pageParam || undefined },
      }),
    getNextPageParam: (l) => l.nextCursor ?? undefined,
  });
  const visitRows = visits.data?.pages.flatMap((p) => p.items) ?? [];
  const taskRows = tasks.data?.pages.flatMap((p) => p.items) ?? [];
  const inPerson = visitRows.filter((v) => v.qualifying && v.method === 'in_person').length;
  const qualifying = visitRows.filter((v) => v.qualifying).length;
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="large">
      <Space wrap>
        {me && can(me.roles, 'visits.record') && active && (
          <Button type="primary" onClick={() => navigate(`/visits/new?personId=${personId}`)}>
            记录探访
          </Button>
        )}
        {qualifying > 0 && (
          <Typography.Text type="secondary">
            已加载的有效探访 {qualifying} 次，其中上门 {inPerson} 次（上门率{' '}
            {Math.round((inPerson / qualifying) * 100)}%）
          </Typography.Text>
        )}
      </Space>
      <div>
        <Typography.Title level={5}>探访记录</Typography.Title>
        <Table<VisitBrief>
          rowKey="id"
          size="small"
          pagination={false}
          loading={visits.isLoading}
          dataSource={visitRows}
          locale={{ emptyText: <Empty description="还没有探访记录" /> }}
          scroll={{ x: true }}
          columns={[
            { title: '时间', render: (_, v) => <Link to={`/visits/${v.id}`}>{chinaDateTimeOf(v.at)}</Link> },
            { title: '方式与结果', render: (_, v) => <OutcomeTag method={v.method} outcome={v.outcome} /> },
            { title: '探访责任人', dataIndex: 'visitorName' },
            { title: '备注', dataIndex: 'notes', ellipsis: true },
          ]}
        />
        {visits.hasNextPage && <Button onClick={() => visits.fetchNextPage()}>更多记录</Button>}
      </div>
      <div>
        <Typography.Title level={5}>探访任务</Typography.Title>
        <Table<VisitTask>
          rowKey="id"
          size="small"
          pagination={false}
          loading={tasks.isLoading}
          dataSource={taskRows}
          scroll={{ x: true }}
          columns={[
            {
              title: '任务',
              render: (_, t) => (
                <>
                  {t.kind !== 'regular' && <Tag color="purple">{TASK_KIND_LABELS[t.kind]}</Tag>}
                  {t.periodLabel}
                </>
              ),
            },
            { title: '截止日期', dataIndex: 'dueDate' },
            { title: '探访责任人', dataIndex: 'visitorName' },
            { title: '状态', render: (_, t) => <TaskStatusTag t={t} /> },
            {
              title: '',
              render: (_, t) => (t.visitId ? <Link to={`/visits/${t.visitId}`}>查看探访</Link> : null),
            },
          ]}
        />
        {tasks.hasNextPage && <Button onClick={() => tasks.fetchNextPage()}>更多任务</Button>}
      </div>
    </Space>
  );
}
