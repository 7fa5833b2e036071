import { useQuery } from '@tanstack/react-query';
import { Table, Tag } from 'antd';
import { Link } from 'react-router';
import type { Activity } from '../../../shared/api/outreach';
import * as outreachApi from '../../../shared/api/outreach';
import { ACTIVITY_TYPE_LABELS } from '../../../shared/outreach';
import { call } from '../../lib/api';

/** The activities that reached a person (the person page's 关爱活动 tab). */
export function PersonActivitiesTab({ personId }: { personId: number }) {
  const q = useQuery({
    queryKey: ['activities', 'person', personId],
    queryFn: () => call(outreachApi.listActivities, { query: { personId, pageSize: 200 } }),
  });
  return (
    <Table<Activity>
      rowKey="id"
      size="small"
      loading={q.isLoading}
      dataSource={q.data?.items}
      locale={{ emptyText: '尚未参加关爱活动' }}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      columns={[
        { title: '日期', dataIndex: 'heldOn', width: 110 },
        { title: '类型', width: 100, render: (_, a) => <Tag>{ACTIVITY_TYPE_LABELS[a.type]}</Tag> },
        {
          title: '组织方',
          render: (_, a) => <Link to={`/outreach/activities?id=${a.id}`}>{a.organiserName}</Link>,
        },
        { title: '地点', dataIndex: 'place' },
        { title: '服务内容', render: (_, a) => a.services.join('、') || '—' },
      ]}
    />
  );
}
