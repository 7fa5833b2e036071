import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Input, Space, Table, Tag, TreeSelect, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { listPersons, listVisitors, type VisitorWorkload } from '../../../shared/api/persons';
import { can, VISITOR_TYPE_LABELS } from '../../../shared/roles';
import { call } from '../../lib/api';
import { toTreeData, useAreaTree } from '../../lib/areas';
import { useSession } from '../../lib/session';
import { EmptyState } from '../common/empty-state';
import { ReassignModal } from './persons-page';

/** Visitors with their workload; move all of one visitor's persons to another. */
export function VisitorsPage() {
  const { me } = useSession();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const areas = useAreaTree();
  const [areaId, setAreaId] = useState<number>();
  const [q, setQ] = useState('');
  const [moving, setMoving] = useState<VisitorWorkload | null>(null);
  const list = useQuery({
    queryKey: ['visitors', areaId ?? '', q],
    queryFn: () => call(listVisitors, { query: { areaId, q } }),
  });
  const unassigned = useQuery({
    queryKey: ['persons', 'unassigned-count', areaId ?? ''],
    queryFn: () => call(listPersons, { query: { unassigned: 'true', limit: 500, areaId } }),
  });
  const writable = !!me && can(me.roles, 'persons.write');
  const items = list.data?.items ?? [];
  const total = items.reduce((s, v) => s + v.activePersons, 0);
  const n = unassigned.data?.items.length ?? 0;
  return (
    <div>
      <Space style={{ marginBottom: 12, justifyContent: 'space-between', width: '100%' }} wrap>
        <Typography.Title level={4} style={{ margin: 0 }}>
          探访责任人
        </Typography.Title>
        <Space wrap>
          <TreeSelect
            style={{ width: 220 }}
            aria-label="辖区"
            placeholder="辖区"
            allowClear
            value={areaId}
            treeData={toTreeData(areas.data ?? [])}
            onChange={setAreaId}
          />
          <Input.Search placeholder="姓名或用户名" allowClear onSearch={setQ} style={{ width: 200 }} />
        </Space>
      </Space>
      <Space style={{ marginBottom: 12 }} wrap>
        <Tag color="blue">探访责任人 {items.length} 名</Tag>
        <Tag color="blue">负责在册对象 {total} 人</Tag>
        {n === 0 ? (
          <Tag color="green" data-testid="coverage">
            全覆盖：所有在册对象都有探访责任人
          </Tag>
        ) : (
          <Link to={`/persons?unassigned=true${areaId ? `&areaId=${areaId}` : ''}`}>
            <Tag color="red" data-testid="coverage">
              {n >= 500 ? '500+' : n} 名在册对象未指定探访责任人
            </Tag>
          </Link>
        )}
      </Space>
      <Table<VisitorWorkload>
        locale={{
          emptyText: (
            <EmptyState
              title="还没有探访责任人"
              hint="探访责任人负责定期上门或电话探访对象。请在“用户管理”中新建角色为探访责任人的账户，再在对象档案中指定。"
            />
          ),
        }}
        rowKey="id"
        size="middle"
        loading={list.isLoading}
        dataSource={items}
        pagination={{ pageSize: 50, showSizeChanger: false }}
        columns={[
          { title: '姓名', dataIndex: 'displayName' },
          { title: '用户名', dataIndex: 'username' },
          { title: '类型', render: (_, v) => (v.visitorType ? VISITOR_TYPE_LABELS[v.visitorType] : '—') },
          { title: '所属组织', render: (_, v) => v.organization ?? '—' },
          { title: '负责村（社区）/ 镇街', render: (_, v) => v.areas.map((a) => a.name).join('、') },
          {
            title: '在册对象',
            dataIndex: 'activePersons',
            sorter: (a, b) => a.activePersons - b.activePersons,
            render: (n, v) => <Link to={`/persons?visitorId=${v.id}`}>{n}</Link>,
          },
          { title: '其中重点探访', dataIndex: 'keyPersons', sorter: (a, b) => a.keyPersons - b.keyPersons },
          { title: '备用', dataIndex: 'backupPersons' },
          {
            title: '状态',
            render: (_, v) => (v.disabled ? <Tag>已停用</Tag> : <Tag color="green">在岗</Tag>),
          },
          ...(writable
            ? [
                {
                  title: '操作',
                  render: (_: unknown, v: VisitorWorkload) =>
                    v.activePersons > 0 ? <a onClick={() => setMoving(v)}>移交全部对象</a> : null,
                },
              ]
            : []),
        ]}
      />
      <ReassignModal
        open={!!moving}
        fromVisitorId={moving?.id}
        areaId={moving?.areas[0]?.id}
        onClose={() => setMoving(null)}
        onDone={(m) => {
          message.success(`已移交 ${m} 名对象`);
          setMoving(null);
          qc.invalidateQueries({ queryKey: ['visitors'] });
          qc.invalidateQueries({ queryKey: ['persons'] });
        }}
      />
    </div>
  );
}
