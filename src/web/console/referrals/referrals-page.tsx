import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
  Card,
  Form,
  Input,
  Modal,
  Popconfirm,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import type { Referral as ReferralRow } from '../../../shared/api/referrals';
import * as referralsApi from '../../../shared/api/referrals';
import {
  REFERRAL_DEFAULT_DEPARTMENT,
  REFERRAL_STATUS_LABELS,
  REFERRAL_STATUSES,
  REFERRAL_TARGET_LABELS,
  REFERRAL_TARGETS,
  REFERRAL_TRANSITIONS,
  type ReferralStatus,
  type ReferralTarget,
} from '../../../shared/incidents';
import { can, DEPARTMENT_LABELS, DEPARTMENTS } from '../../../shared/roles';
import { call } from '../../lib/api';
import { useSession } from '../../lib/session';
import { CaseDrawer, useCaseAction } from '../cases/case-drawer';
import { EmptyState } from '../common/empty-state';
import { fmt, PersonPicker } from '../incidents/shared';

type Referral = ReferralRow;
const STATUS_COLORS: Record<ReferralStatus, string> = {
  draft: 'gold',
  pending: 'orange',
  accepted: 'blue',
  rejected: 'red',
  completed: 'green',
  withdrawn: 'default',
};
const MOVE_LABELS: Partial<Record<ReferralStatus, string>> = {
  pending: '确认发送',
  accepted: '接收',
  rejected: '退回',
  completed: '办结',
  withdrawn: '撤回',
};

export function ReferralsPage() {
  const { me } = useSession();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const [status, setStatus] = useState<ReferralStatus | undefined>();
  const [target, setTarget] = useState<ReferralTarget | undefined>();
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const openId = params.get('id') ? Number(params.get('id')) : null;
  const list = useQuery({
    queryKey: ['referrals', status, target, page],
    queryFn: () => call(referralsApi.listReferrals, { query: { page, pageSize: 20, status, target } }),
  });
  const reload = () => qc.invalidateQueries({ queryKey: ['referrals'] });
  const liaison = me?.grants.find((g) => g.department)?.department;
  return (
    <div>
      <Space style={{ marginBottom: 16, justifyContent: 'space-between', width: '100%' }} wrap>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {liaison && me?.roles.length === 1 ? `转介（${DEPARTMENT_LABELS[liaison]}）` : '转介'}
        </Typography.Title>
        <Space wrap>
          <Select
            style={{ width: 140 }}
            allowClear
            aria-label="状态"
            placeholder="状态"
            value={status}
            onChange={(v) => {
              setStatus(v);
              setPage(1);
            }}
            options={REFERRAL_STATUSES.map((s) => ({ value: s, label: REFERRAL_STATUS_LABELS[s] }))}
          />
          <Select
            style={{ width: 200 }}
            allowClear
            aria-label="转介去向"
            placeholder="转介去向"
            value={target}
            onChange={(v) => {
              setTarget(v);
              setPage(1);
            }}
            options={REFERRAL_TARGETS.map((t) => ({ value: t, label: REFERRAL_TARGET_LABELS[t] }))}
          />
          {me && can(me.roles, 'referrals.manage') && (
            <Button type="primary" onClick={() => setCreating(true)}>
              发起转介
            </Button>
          )}
        </Space>
      </Space>
      <Table<Referral>
        locale={{
          emptyText: (
            <EmptyState
              title="没有符合条件的转介"
              hint="探访中发现需要集中供养、医疗救助等情况时会生成转介草稿，由镇（街道）确认后送相关部门办理。"
            />
          ),
        }}
        rowKey="id"
        size="middle"
        loading={list.isLoading}
        dataSource={list.data?.items}
        data-testid="referral-list"
        pagination={{
          current: page,
          pageSize: 20,
          total: list.data?.total,
          onChange: setPage,
          showSizeChanger: false,
        }}
        onRow={(r) => ({ onClick: () => setParams({ id: String(r.id) }), style: { cursor: 'pointer' } })}
        columns={[
          { title: '去向', width: 190, render: (_, r) => REFERRAL_TARGET_LABELS[r.target] },
          {
            title: '接收方',
            width: 150,
            render: (_, r) => (r.department ? DEPARTMENT_LABELS[r.department] : r.institution || '民政部门'),
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
          { title: '原因', dataIndex: 'reason', ellipsis: true },
          {
            title: '状态',
            width: 110,
            render: (_, r) => <Tag color={STATUS_COLORS[r.status]}>{REFERRAL_STATUS_LABELS[r.status]}</Tag>,
          },
          { title: '发起', width: 150, render: (_, r) => fmt(r.createdAt) },
        ]}
      />
      {openId && <ReferralDrawer id={openId} onClose={() => setParams({})} onChanged={reload} />}
      {creating && (
        <CreateReferral
          onClose={() => setCreating(false)}
          onCreated={(id) => {
            setCreating(false);
            reload();
            setParams({ id: String(id) });
          }}
        />
      )}
    </div>
  );
}

function ReferralDrawer({
  id,
  onClose,
  onChanged,
}: {
  id: number;
  onClose: () => void;
  onChanged: () => void;
}) {
  const { me } = useSession();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [text, setText] = useState('');
  const { busy, act } = useCaseAction(['referral', id], onChanged);
  const q = useQuery({
    queryKey: ['referral', id],
    queryFn: () => call(referralsApi.getReferral, { params: { id } }),
  });
  const d = q.data;
  const move = (status: ReferralStatus) =>
    act(
      () =>
        call(referralsApi.updateReferral, {
          params: { id },
          body: { version: d!.version, status, response: text.trim() || undefined },
        }),
      `已${MOVE_LABELS[status] ?? REFERRAL_STATUS_LABELS[status]}`,
      setText,
    );
  if (!d || !me) return <CaseDrawer title="转介" onClose={onClose} status={null} facts={[]} timeline={[]} />;
  const isTown = can(me.roles, 'referrals.manage');
  const isReceiver = !!d.department && me.grants.some((g) => g.department === d.department);
  const moves = REFERRAL_TRANSITIONS[d.status].filter((s) => {
    const receiverMove = s === 'accepted' || s === 'rejected' || s === 'completed';
    return receiverMove ? (d.department ? isReceiver : isTown) : isTown;
  });
  return (
    <CaseDrawer
      width={560}
      title={`${REFERRAL_TARGET_LABELS[d.target]} · ${d.person.name}`}
      onClose={onClose}
      status={<Tag color={STATUS_COLORS[d.status]}>{REFERRAL_STATUS_LABELS[d.status]}</Tag>}
      person={{ id: d.person.id, name: d.person.name, place: `${d.town.name} ${d.village.name}` }}
      facts={[
        { label: '身份证号', children: d.person.idNumberMasked },
        { label: '住址', children: d.person.address ?? '—' },
        { label: '电话', children: d.person.phoneMasked ?? '—' },
        {
          label: '接收方',
          children: `${d.department ? DEPARTMENT_LABELS[d.department] : '民政部门'}${d.institution ? ` · ${d.institution}` : ''}`,
        },
        { label: '原因', children: d.reason },
        !!d.response && { label: '答复', children: d.response },
      ]}
      timeline={d.entries.map((e) => ({
        id: e.id,
        at: e.at,
        kind: e.status ?? 'note',
        text: e.note,
        actor: e.actor,
      }))}
    >
      {d.status === 'draft' && isTown && (
        <Card size="small" title="确认草稿">
          <Space direction="vertical" style={{ width: '100%' }}>
            <Select
              style={{ width: '100%' }}
              allowClear
              aria-label="接收部门（不选则由民政部门办理）"
              placeholder="接收部门（不选则由民政部门办理）"
              value={d.department ?? undefined}
              onChange={(v) =>
                call(referralsApi.updateReferral, {
                  params: { id },
                  body: { version: d.version, department: v ?? null },
                })
                  .then(() => qc.invalidateQueries({ queryKey: ['referral', id] }))
                  .catch((e) => message.error((e as Error).message))
              }
              options={DEPARTMENTS.map((x) => ({ value: x, label: DEPARTMENT_LABELS[x] }))}
            />
          </Space>
        </Card>
      )}
      {moves.length > 0 && (
        <Card size="small" title="办理">
          <Input.TextArea
            rows={2}
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="答复或说明（退回时必填）"
          />
          <Space style={{ marginTop: 8 }} wrap>
            {moves.map((s) => {
              const button = (
                <Button
                  key={s}
                  loading={busy}
                  type={s === 'pending' || s === 'accepted' || s === 'completed' ? 'primary' : 'default'}
                  danger={s === 'rejected' || s === 'withdrawn'}
                  disabled={s === 'rejected' && !text.trim()}
                  onClick={CONFIRM[s] ? undefined : () => move(s)}
                >
                  {MOVE_LABELS[s]}
                </Button>
              );
              const confirm = CONFIRM[s];
              return confirm ? (
                <Popconfirm
                  key={s}
                  title={confirm(d)}
                  okText={MOVE_LABELS[s]}
                  cancelText="取消"
                  onConfirm={() => move(s)}
                >
                  {button}
                </Popconfirm>
              ) : (
                button
              );
            })}
          </Space>
          {d.target === 'centralized' && moves.includes('completed') && (
            <Typography.Paragraph type="warning" style={{ marginTop: 8, marginBottom: 0 }}>
              办结后该对象转为集中供养，分散供养自今日终止，未完成的探访任务取消。
            </Typography.Paragraph>
          )}
        </Card>
      )}
    </CaseDrawer>
  );
}

/** Moves that cannot be taken back ask first, naming what will happen. */
const CONFIRM: Partial<Record<ReferralStatus, (d: referralsApi.ReferralDetail) => string>> = {
  withdrawn: () => '撤回后该转介结束，不能恢复。确定撤回？',
  rejected: () => '退回后该转介结束，发起方会收到退回原因。确定退回？',
  completed: (d) =>
    d.target === 'centralized'
      ? '办结后该对象转为集中供养，分散供养自今日终止，未完成的探访任务取消。确定办结？'
      : '办结后该转介结束。确定办结？',
};

function CreateReferral({ onClose, onCreated }: { onClose: () => void; onCreated: (id: number) => void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      const r = await call(referralsApi.createReferral, {
        body: { ...v, department: v.department ?? null },
      });
      message.success('已发起转介');
      onCreated(r.id);
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title="发起转介" onCancel={onClose} onOk={submit} confirmLoading={busy} okText="发起">
      <Form
        form={form}
        layout="vertical"
        onValuesChange={(ch) => {
          if (ch.target)
            form.setFieldValue(
              'department',
              REFERRAL_DEFAULT_DEPARTMENT[ch.target as ReferralTarget] ?? undefined,
            );
        }}
      >
        <Form.Item name="personId" label="对象" rules={[{ required: true, message: '请选择对象' }]}>
          <PersonPicker />
        </Form.Item>
        <Form.Item name="target" label="转介去向" rules={[{ required: true, message: '请选择去向' }]}>
          <Select options={REFERRAL_TARGETS.map((t) => ({ value: t, label: REFERRAL_TARGET_LABELS[t] }))} />
        </Form.Item>
        <Form.Item name="department" label="接收部门（不选则由民政部门办理）">
          <Select allowClear options={DEPARTMENTS.map((x) => ({ value: x, label: DEPARTMENT_LABELS[x] }))} />
        </Form.Item>
        <Form.Item name="institution" label="机构名称">
          <Input maxLength={200} placeholder="如 东胜区社会福利院" />
        </Form.Item>
        <Form.Item name="reason" label="原因" rules={[{ required: true, message: '请填写原因' }]}>
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
