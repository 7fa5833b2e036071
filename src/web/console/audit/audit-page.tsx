import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Alert, App, Button, DatePicker, Form, Input, Select, Space, Table, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import type { AuditQuery, AuditRow, AuditVerifyResult } from '../../../shared/api/audit';
import * as auditApi from '../../../shared/api/audit';
import * as personsApi from '../../../shared/api/persons';
import { chinaDateTime } from '../../../shared/china-time';
import { AUDIT_ENTITY_LABELS, auditActionLabel, auditEntityLabel } from '../../../shared/labels';
import { call } from '../../lib/api';

/** A select that finds a record by name as one types (actor, person): the filter keeps its id. */
function NamePicker({
  value,
  onChange,
  search,
  placeholder,
  ariaLabel,
}: {
  value?: number;
  onChange?: (v: number | undefined) => void;
  search: (text: string) => Promise<{ value: number; label: string }[]>;
  placeholder: string;
  ariaLabel: string;
}) {
  const [text, setText] = useState('');
  const found = useQuery({
    queryKey: ['audit-picker', ariaLabel, text],
    enabled: text.length > 0,
    queryFn: () => search(text),
  });
  return (
    <Select
      allowClear
      showSearch
      filterOption={false}
      style={{ width: 180 }}
      placeholder={placeholder}
      aria-label={ariaLabel}
      value={value}
      onChange={(v) => onChange?.(v)}
      onSearch={setText}
      notFoundContent={text ? (found.isLoading ? '查找中…' : '没有找到') : '输入姓名查找'}
      options={found.data ?? []}
    />
  );
}

interface Filter {
  actorId?: number;
  action?: string;
  entity?: string;
  entityId?: string;
  personId?: number;
  range?: [Dayjs, Dayjs];
}

/** 安全审计: search by actor, action, record, person and date; newest first, loaded page by page. */
export function AuditPage() {
  const { message } = App.useApp();
  const [filter, setFilter] = useState<Filter>({});
  const [verify, setVerify] = useState<AuditVerifyResult | null>(null);
  const [verifying, setVerifying] = useState(false);
  const actions = useQuery({
    queryKey: ['audit-actions'],
    queryFn: () => call(auditApi.listAuditActions),
  });
  const query = (before?: number): AuditQuery => ({
    limit: 50,
    actorId: filter.actorId || undefined,
    action: filter.action || undefined,
    entity: filter.entity || undefined,
    entityId: filter.entityId || undefined,
    personId: filter.personId || undefined,
    from: filter.range?.[0].format('YYYY-MM-DD'),
    to: filter.range?.[1].format('YYYY-MM-DD'),
    before: before || undefined,
  });
  const rows = useInfiniteQuery({
    queryKey: ['audit', filter],
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam }) => call(auditApi.searchAudit, { query: query(pageParam) }),
    getNextPageParam: (last) => last.nextBefore ?? undefined,
  });
  const items = rows.data?.pages.flatMap((p) => p.items) ?? [];
  const runVerify = async () => {
    setVerifying(true);
    try {
      setVerify(await call(auditApi.verifyAudit, { body: {} }));
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setVerifying(false);
    }
  };
  return (
    <div>
      <Space style={{ marginBottom: 12, justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          安全审计
        </Typography.Title>
        <Button onClick={runVerify} loading={verifying} data-testid="audit-verify">
          校验审计链
        </Button>
      </Space>
      {verify && (
        <Alert
          style={{ marginBottom: 12 }}
          type={verify.ok ? 'success' : 'error'}
          showIcon
          closable
          onClose={() => setVerify(null)}
          title={
            verify.ok
              ? `审计日志完整：已校验 ${verify.checked} 行，未发现改写、删除或调换顺序的行`
              : `发现 ${verify.problems.length} 处问题（已校验 ${verify.checked} 行）`
          }
          description={
            verify.ok ? (
              <Typography.Text type="secondary" copyable={{ text: verify.lastHash ?? '' }}>
                链尾：第 {verify.lastId} 行，哈希 {verify.lastHash?.slice(0, 16)}
                …（请另行记录，用于发现末尾行被删除）
              </Typography.Text>
            ) : (
              <ul style={{ margin: 0 }}>
                {verify.problems.slice(0, 20).map((p) => (
                  <li key={`${p.id}-${p.kind}`}>{p.message}</li>
                ))}
              </ul>
            )
          }
        />
      )}
      <Form<Filter> layout="inline" onFinish={(v) => setFilter(v)} style={{ marginBottom: 16, rowGap: 8 }}>
        <Form.Item name="actorId" label="操作人">
          <NamePicker
            ariaLabel="操作人"
            placeholder="输入姓名或用户名"
            search={async (q) =>
              (await call(auditApi.searchAuditActors, { query: { q } })).items.map((u) => ({
                value: u.id,
                label: `${u.displayName}（${u.username}）`,
              }))
            }
          />
        </Form.Item>
        <Form.Item name="action" label="操作">
          <Select
            allowClear
            showSearch
            style={{ width: 220 }}
            placeholder="全部"
            options={(actions.data?.items ?? []).map((a) => ({
              value: a,
              label: auditActionLabel(a),
            }))}
          />
        </Form.Item>
        <Form.Item name="entity" label="记录类型">
          <Select
            allowClear
            style={{ width: 150 }}
            placeholder="全部"
            options={Object.entries(AUDIT_ENTITY_LABELS)
              .filter(([k]) => k !== 'test' && k !== 'setting')
              .map(([value, label]) => ({ value, label }))}
          />
        </Form.Item>
        <Form.Item name="entityId" label="记录编号">
          <Input allowClear style={{ width: 100 }} />
        </Form.Item>
        <Form.Item name="personId" label="涉及对象">
          <NamePicker
            ariaLabel="涉及对象"
            placeholder="输入对象姓名"
            search={async (q) =>
              (await call(personsApi.listPersons, { query: { limit: 20, q } })).items.map((p) => ({
                value: p.id,
                label: `${p.name}（${p.villageName}）`,
              }))
            }
          />
        </Form.Item>
        <Form.Item name="range" label="日期">
          <DatePicker.RangePicker />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          查询
        </Button>
      </Form>
      <Table<AuditRow>
        rowKey="id"
        size="small"
        loading={rows.isLoading}
        dataSource={items}
        pagination={false}
        expandable={{
          expandedRowRender: (r) => (
            <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{JSON.stringify(r.detail, null, 2)}</pre>
          ),
          rowExpandable: (r) => Object.keys(r.detail).length > 0,
        }}
        columns={[
          { title: '序号', dataIndex: 'id', width: 80 },
          {
            title: '时间',
            dataIndex: 'at',
            width: 170,
            render: (v: string) => chinaDateTime(new Date(v)),
          },
          {
            title: '操作人',
            render: (_, r) =>
              r.actorId ? `${r.actorName ?? ''}（${r.actorUsername ?? r.actorId}）` : '系统',
          },
          {
            title: '操作',
            dataIndex: 'action',
            render: (a: string) => <span title={a}>{auditActionLabel(a)}</span>,
          },
          {
            title: '记录',
            render: (_, r) =>
              r.subjectName
                ? `${auditEntityLabel(r.entity)}：${r.subjectName}`
                : `${auditEntityLabel(r.entity)}${r.entityId ? ` 第 ${r.entityId} 号` : ''}`,
          },
          { title: '来源地址', dataIndex: 'ip', width: 130 },
        ]}
      />
      <div style={{ textAlign: 'center', marginTop: 12 }}>
        {rows.hasNextPage ? (
          <Button onClick={() => rows.fetchNextPage()} loading={rows.isFetchingNextPage}>
            加载更早的记录
          </Button>
        ) : (
          items.length > 0 && <Typography.Text type="secondary">没有更早的记录了</Typography.Text>
        )}
      </div>
    </div>
  );
}
