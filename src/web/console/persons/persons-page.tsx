import { DownloadOutlined, PlusOutlined, UploadOutlined } from '@ant-design/icons';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Checkbox, Input, Modal, Select, Space, Table, Tag, TreeSelect, Typography } from 'antd';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import type { QueryOf } from '../../../shared/api/contract';
import * as personsApi from '../../../shared/api/persons';
import {
  PERSON_FLAG_LABELS,
  PERSON_STATUS_LABELS,
  PERSON_STATUSES,
  SELF_CARE_SHORT,
  TIER_LABELS,
  TIERS,
} from '../../../shared/person';
import { AREA_LEVEL_LABELS, can } from '../../../shared/roles';
import { call, hrefOf } from '../../lib/api';
import { toTreeData, useAreaTree } from '../../lib/areas';
import { useSession } from '../../lib/session';
import { FullNumbersModal, withReason } from '../common/full-numbers';
import { PersonFormModal } from './person-form';
import { FlagTags, StatusTag, TierTag } from './tags';

const PAGE = 50;

export function PersonsPage() {
  const { me } = useSession();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const areas = useAreaTree();
  const [selected, setSelected] = useState<number[]>([]);
  const [reassignOpen, setReassignOpen] = useState(false);
  const [creating, setCreating] = useState(false);
  const filters = {
    areaId: params.get('areaId') ?? '',
    tier: params.get('tier') ?? '',
    status: params.get('status') ?? '',
    flags: params.get('flags') ?? '',
    unassigned: params.get('unassigned') ?? '',
    visitorId: params.get('visitorId') ?? '',
    q: params.get('q') ?? '',
  };
  const set = (k: keyof typeof filters, v: string | undefined) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next, { replace: true });
    setSelected([]);
  };
  // The URL's filters as the list takes them (empty ones are left out of the request).
  const query = filters as QueryOf<typeof personsApi.listPersons>;
  const list = useInfiniteQuery({
    queryKey: ['persons', filters],
    initialPageParam: null as number | null,
    queryFn: ({ pageParam }) =>
      call(personsApi.listPersons, { query: { ...query, limit: PAGE, cursor: pageParam ?? undefined } }),
    getNextPageParam: (last) => last.nextCursor,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const writable = !!me && can(me.roles, 'persons.write');
  const exportUrl = hrefOf(personsApi.exportRoster, { query: { areaId: filters.areaId } });

  return (
    <div>
      <Space style={{ marginBottom: 12, justifyContent: 'space-between', width: '100%' }} wrap>
        <Typography.Title level={4} style={{ margin: 0 }}>
          对象档案（一人一档）
        </Typography.Title>
        <Space wrap>
          {writable && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
              新建档案
            </Button>
          )}
          {writable && (
            <Button icon={<UploadOutlined />} onClick={() => navigate('/persons/import')}>
              导入花名册
            </Button>
          )}
          {me && can(me.roles, 'persons.export') && (
            <Button icon={<DownloadOutlined />} href={exportUrl}>
              导出花名册
            </Button>
          )}
          {me && can(me.roles, 'persons.sensitive') && <FullExportButton url={exportUrl} />}
        </Space>
      </Space>
      <Space wrap style={{ marginBottom: 12 }}>
        <TreeSelect
          style={{ width: 220 }}
          aria-label="辖区"
          placeholder="辖区"
          allowClear
          treeDefaultExpandAll={false}
          value={filters.areaId ? Number(filters.areaId) : undefined}
          treeData={toTreeData(areas.data ?? [])}
          onChange={(v) => set('areaId', v ? String(v) : undefined)}
          data-testid="filter-area"
        />
        <Select
          style={{ width: 130 }}
          aria-label="探访类别"
          placeholder="探访类别"
          allowClear
          value={filters.tier || undefined}
          options={TIERS.map((t) => ({ value: t, label: TIER_LABELS[t] }))}
          onChange={(v) => set('tier', v)}
        />
        <Select
          style={{ width: 110 }}
          aria-label="状态"
          placeholder="状态"
          allowClear
          value={filters.status || undefined}
          options={PERSON_STATUSES.map((s) => ({ value: s, label: PERSON_STATUS_LABELS[s] }))}
          onChange={(v) => set('status', v)}
        />
        <Select
          mode="multiple"
          style={{ minWidth: 200 }}
          aria-label="标识（同时具备）"
          placeholder="标识（同时具备）"
          allowClear
          value={filters.flags ? filters.flags.split(',') : []}
          options={Object.entries(PERSON_FLAG_LABELS).map(([value, label]) => ({ value, label }))}
          onChange={(v: string[]) => set('flags', v.join(','))}
        />
        <Checkbox
          checked={filters.unassigned === 'true'}
          onChange={(e) => set('unassigned', e.target.checked ? 'true' : undefined)}
          data-testid="filter-unassigned"
        >
          未指定探访责任人
        </Checkbox>
        <Input.Search
          style={{ width: 260 }}
          placeholder="姓名、身份证号码（完整或后 4 位）或电话"
          allowClear
          defaultValue={filters.q}
          onSearch={(v) => set('q', v.trim() || undefined)}
          data-testid="person-search"
        />
        {filters.visitorId && (
          <Tag closable onClose={() => set('visitorId', undefined)}>
            仅看某探访责任人的对象
          </Tag>
        )}
      </Space>
      {writable && selected.length > 0 && (
        <Space style={{ marginBottom: 8 }}>
          <Typography.Text>已选 {selected.length} 人</Typography.Text>
          <Button onClick={() => setReassignOpen(true)}>批量指定探访责任人</Button>
        </Space>
      )}
      <Table<personsApi.PersonListItem>
        rowKey="id"
        size="middle"
        loading={list.isLoading}
        dataSource={rows}
        pagination={false}
        rowSelection={
          writable
            ? { selectedRowKeys: selected, onChange: (keys) => setSelected(keys as number[]) }
            : undefined
        }
        locale={{ emptyText: list.error ? (list.error as Error).message : '没有符合条件的对象' }}
        columns={[
          {
            title: '姓名',
            render: (_, p) => <Link to={`/persons/${p.id}`}>{p.name}</Link>,
          },
          { title: '身份证号码', dataIndex: 'idNumberMasked', render: (v) => <code>{v}</code> },
          { title: '性别', render: (_, p) => (p.sex === 'male' ? '男' : '女'), width: 60 },
          { title: '年龄', dataIndex: 'age', width: 60 },
          { title: AREA_LEVEL_LABELS.town, dataIndex: 'townName' },
          { title: AREA_LEVEL_LABELS.village, dataIndex: 'villageName' },
          { title: '自理能力', render: (_, p) => SELF_CARE_SHORT[p.selfCare] },
          { title: '探访类别', render: (_, p) => <TierTag tier={p.tier} /> },
          { title: '标识', render: (_, p) => <FlagTags flags={p.flags} /> },
          {
            title: '探访责任人',
            render: (_, p) => p.visitorName ?? (p.status === 'active' ? <Tag color="red">未指定</Tag> : '—'),
          },
          { title: '状态', render: (_, p) => <StatusTag status={p.status} /> },
        ]}
      />
      <div style={{ textAlign: 'center', marginTop: 12 }}>
        {list.hasNextPage ? (
          <Button
            onClick={() => list.fetchNextPage()}
            loading={list.isFetchingNextPage}
            data-testid="load-more"
          >
            加载更多
          </Button>
        ) : (
          rows.length > 0 && (
            <Typography.Text type="secondary">共 {rows.length} 人，已全部显示</Typography.Text>
          )
        )}
      </div>
      <ReassignModal
        open={reassignOpen}
        personIds={selected}
        onClose={() => setReassignOpen(false)}
        onDone={(n) => {
          message.success(`已为 ${n} 人指定探访责任人`);
          setSelected([]);
          setReassignOpen(false);
          qc.invalidateQueries({ queryKey: ['persons'] });
        }}
      />
      <PersonFormModal
        open={creating}
        onClose={() => setCreating(false)}
        onSaved={(id) => {
          setCreating(false);
          qc.invalidateQueries({ queryKey: ['persons'] });
          navigate(`/persons/${id}`);
        }}
      />
    </div>
  );
}

/** Picks a visitor and moves the persons (or all of one visitor's persons) to them. */
export function ReassignModal(props: {
  open: boolean;
  personIds?: number[];
  fromVisitorId?: number;
  areaId?: number;
  onClose: () => void;
  onDone: (moved: number) => void;
}) {
  const { message, modal } = App.useApp();
  const [to, setTo] = useState<number>();
  const [busy, setBusy] = useState(false);
  const visitors = useQuery({
    queryKey: ['visitors', props.areaId ?? ''],
    queryFn: () => call(personsApi.listVisitors, { query: { areaId: props.areaId } }),
    enabled: props.open,
  });
  const submit = async () => {
    if (!to) return;
    const target = visitors.data?.items.find((v) => v.id === to);
    const who = props.fromVisitorId
      ? `${visitors.data?.items.find((v) => v.id === props.fromVisitorId)?.displayName ?? '原责任人'}负责的全部对象`
      : `选中的 ${props.personIds?.length ?? 0} 名对象`;
    const ok = await modal.confirm({
      title: `把${who}交给 ${target?.displayName ?? ''}？`,
      content: `${who}的探访责任人将改为 ${target?.displayName ?? ''}，其未完成的探访任务一并转给他（她）；原责任人不再负责这些对象。`,
      okText: '确认移交',
      cancelText: '取消',
    });
    if (!ok) return;
    setBusy(true);
    try {
      const r = await call(personsApi.reassignPersons, {
        body: { personIds: props.personIds, fromVisitorId: props.fromVisitorId, toVisitorId: to },
      });
      props.onDone(r.moved);
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      title={props.fromVisitorId ? '移交全部对象' : `为 ${props.personIds?.length ?? 0} 人指定探访责任人`}
      open={props.open}
      onCancel={props.onClose}
      onOk={submit}
      okButtonProps={{ disabled: !to, loading: busy }}
      destroyOnHidden
    >
      <Select
        showSearch
        style={{ width: '100%' }}
        aria-label="选择新的探访责任人（须负责对象所在村或镇）"
        placeholder="选择新的探访责任人（须负责对象所在村或镇）"
        optionFilterProp="label"
        value={to}
        onChange={setTo}
        options={(visitors.data?.items ?? [])
          .filter((v) => !v.disabled && v.id !== props.fromVisitorId)
          .map((v) => ({
            value: v.id,
            label: `${v.displayName}（${v.areas.map((a) => a.name).join('、')}，现负责 ${v.activePersons} 人）`,
          }))}
      />
    </Modal>
  );
}

/** Full ID numbers and phones: only with a stated purpose, which is logged and printed in the file. */
function FullExportButton({ url }: { url: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button icon={<DownloadOutlined />} onClick={() => setOpen(true)}>
        导出完整号码
      </Button>
      <FullNumbersModal
        open={open}
        title="导出含完整身份证号和电话的花名册"
        onOk={(reason) => {
          setOpen(false);
          window.location.assign(withReason(url, reason));
        }}
        onCancel={() => setOpen(false)}
      />
    </>
  );
}
