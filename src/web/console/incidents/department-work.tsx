import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Empty, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type * as incidentsApi from '../../../shared/api/incidents';
import type * as referralsApi from '../../../shared/api/referrals';
import { INCIDENT_TYPE_LABELS } from '../../../shared/incidents';
import { DEPARTMENT_LABELS, type Department } from '../../../shared/roles';
import { call } from '../../lib/api';
import { ACKNOWLEDGE_INCIDENT, INCIDENTS, REFERRALS } from '../shell-ops';
import { fmt, TimeLeft } from './shared';

/**
 * Where a department liaison (卫健, 公安 …) lands: the incidents waiting for the department's
 * acknowledgement, most urgent first, with each deadline and the button to acknowledge; then the
 * referrals waiting for the department (issue 25: weijian landed on a page with only a name).
 */
export function DepartmentWork({ departments }: { departments: Department[] }) {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30000);
    return () => clearInterval(t);
  }, []);
  const incidents = useQuery({
    queryKey: ['incidents', 'department-work'],
    queryFn: () =>
      call<typeof incidentsApi.listIncidents>(INCIDENTS, { query: { status: 'open', pageSize: 200 } }),
    refetchInterval: 60000,
  });
  const referrals = useQuery({
    queryKey: ['referrals', 'department-work'],
    queryFn: () =>
      call<typeof referralsApi.listReferrals>(REFERRALS, { query: { status: 'pending', pageSize: 200 } }),
  });
  const waiting = (incidents.data?.items ?? [])
    .filter((i) => i.myPendingParties.length > 0)
    .sort((a, b) => Date.parse(a.ackDueAt ?? '') - Date.parse(b.ackDueAt ?? ''));
  const names = departments.map((d) => DEPARTMENT_LABELS[d]).join('、');
  const acknowledge = async (id: number) => {
    try {
      await call<typeof incidentsApi.acknowledgeIncident>(ACKNOWLEDGE_INCIDENT, { params: { id }, body: {} });
      message.success('已确认收到');
      qc.invalidateQueries({ queryKey: ['incidents'] });
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={4} style={{ margin: 0 }} data-testid="dashboard-title">
        {names}工作台
      </Typography.Title>
      <Card
        title={`待本部门确认的应急事件（${waiting.length}）`}
        extra={<Link to="/incidents">全部应急事件</Link>}
        data-testid="department-incidents"
      >
        <Table
          rowKey="id"
          size="middle"
          loading={incidents.isLoading}
          dataSource={waiting}
          pagination={false}
          scroll={{ x: 720 }}
          locale={{
            emptyText: (
              <Empty
                image={Empty.PRESENTED_IMAGE_SIMPLE}
                description="没有等待本部门确认的应急事件。新的事件发给本部门时，会出现在这里并通知您。"
              />
            ),
          }}
          onRow={(r) => ({ onClick: () => navigate(`/incidents?id=${r.id}`), style: { cursor: 'pointer' } })}
          columns={[
            {
              title: '事件',
              render: (_, r) => (
                <Space>
                  {r.critical && <Tag color="red">紧急</Tag>}
                  <Typography.Text strong>{INCIDENT_TYPE_LABELS[r.type]}</Typography.Text>
                </Space>
              ),
            },
            {
              title: '对象',
              render: (_, r) => (
                <span>
                  {r.person.name}
                  <Typography.Text type="secondary" style={{ marginLeft: 6 }}>
                    {r.town.name} {r.village.name}
                  </Typography.Text>
                </span>
              ),
            },
            { title: '情况', dataIndex: 'description', ellipsis: true },
            {
              title: '确认时限',
              width: 230,
              render: (_, r) => {
                const mine = r.parties.filter((p) => r.myPendingParties.includes(p.party));
                const due = mine.map((p) => p.dueAt).sort()[0] ?? r.ackDueAt;
                return (
                  <Space direction="vertical" size={2}>
                    <TimeLeft until={due} now={now} />
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      时限 {fmt(due)}
                    </Typography.Text>
                  </Space>
                );
              },
            },
            {
              title: '',
              width: 110,
              render: (_, r) => (
                <Button
                  size="small"
                  type="primary"
                  onClick={(e) => {
                    e.stopPropagation();
                    acknowledge(r.id);
                  }}
                >
                  确认收到
                </Button>
              ),
            },
          ]}
        />
      </Card>
      <Card
        title={`待本部门接收的转介（${referrals.data?.items.length ?? 0}）`}
        extra={<Link to="/referrals">全部转介</Link>}
      >
        {(referrals.data?.items ?? []).length === 0 ? (
          <Typography.Text type="secondary">没有待接收的转介。</Typography.Text>
        ) : (
          (referrals.data?.items ?? []).map((r) => (
            <div key={r.id}>
              <Link to={`/referrals?id=${r.id}`}>
                {r.person.name}（{r.town.name} {r.village.name}）：{r.reason}
              </Link>{' '}
              <Typography.Text type="secondary">{fmt(r.createdAt)}</Typography.Text>
            </div>
          ))
        )}
      </Card>
    </Space>
  );
}
