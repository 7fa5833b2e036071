import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
  Card,
  Descriptions,
  Drawer,
  Form,
  Input,
  Modal,
  Select,
  Space,
  Table,
  Tag,
  Timeline,
  Typography,
} from 'antd';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
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
import { can, DEPARTMENT_LABELS, DEPARTMENTS, type Department } from '../../../shared/roles';
import { api } from '../../lib/api';
import { useSession } from '../../lib/session';
import { EmptyState } from '../common/empty-state';
import { fmt, PersonPicker } from '../incidents/shared';

interface Referral {
  id: number;
  person: {
    id: number;
    name: string;
    idNumberMasked: string;
    address: string | null;
    phoneMasked: string | null;
  };
  town: { id: number; name: string };
  village: { id: number; name: string };
  target: ReferralTarget;
  department: Department | null;
  institution: string | null;
  reason: string;
  source: 'visit' | 'manual' | 'incident';
  visitId: number | null;
  status: ReferralStatus;
  response: string | null;
  respondedAt: string | null;
  respondedBy: string | null;
  createdAt: string;
  createdBy: string | null;
  version: number;
}
interface Detail extends Referral {
  entries: { id: number; at: string; status: string | null; note: string; actor: string | null }[];
}
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
    queryFn: () =>
      api<{ items: Referral[]; total: number }>(
        `/api/referrals?page=${page}&pageSize=20${status ? `&status=${status}` : ''}${target ? `&target=${target}` : ''}`,
      ),
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
  const [busy, setBusy] = useState(false);
  const q = useQuery({ queryKey: ['referral', id], queryFn: () => api<Detail>(`/api/referrals/${id}`) });
  const d = q.data;
  const move = async (status: ReferralStatus, extra: object = {}) => {
    setBusy(true);
    try {
      await api(`/api/referrals/${id}`, {
        method: 'PATCH',
        body: { version: d!.version, status, response: text.trim() || undefined, ...extra },
      });
      message.success(`已${MOVE_LABELS[status] ?? REFERRAL_STATUS_LABELS[status]}`);
      setText('');
      qc.invalidateQueries({ queryKey: ['referral', id] });
      onChanged();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  if (!d || !me) return <Drawer open onClose={onClose} title="转介" />;
  const isTown = can(me.roles, 'referrals.manage');
  const isReceiver = !!d.department && me.grants.some((g) => g.department === d.department);
  const moves = REFERRAL_TRANSITIONS[d.status].filter((s) => {
    const receiverMove = s === 'accepted' || s === 'rejected' || s === 'completed';
    return receiverMove ? (d.department ? isReceiver : isTown) : isTown;
  });
  return (
    <Drawer
      open
      width={560}
      onClose={onClose}
      title={`${REFERRAL_TARGET_LABELS[d.target]} · ${d.person.name}`}
    >
      <Space direction="vertical" style={{ width: '100%' }} size="middle">
        <Descriptions size="small" column={1} bordered>
          <Descriptions.Item label="状态">
            <Tag color={STATUS_COLORS[d.status]}>{REFERRAL_STATUS_LABELS[d.status]}</Tag>
          </Descriptions.Item>
          <Descriptions.Item label="对象">
            {can(me.roles, 'persons.read') ? (
              <Link to={`/persons/${d.person.id}`}>{d.person.name}</Link>
            ) : (
              d.person.name
            )}
            （{d.town.name} {d.village.name}）
          </Descriptions.Item>
          <Descriptions.Item label="身份证号">{d.person.idNumberMasked}</Descriptions.Item>
          <Descriptions.Item label="住址">{d.person.address ?? '—'}</Descriptions.Item>
          <Descriptions.Item label="电话">{d.person.phoneMasked ?? '—'}</Descriptions.Item>
          <Descriptions.Item label="接收方">
            {d.department ? DEPARTMENT_LABELS[d.department] : '民政部门'}
            {d.institution ? ` · ${d.institution}` : ''}
          </Descriptions.Item>
          <Descriptions.Item label="原因">{d.reason}</Descriptions.Item>
          {d.response && <Descriptions.Item label="答复">{d.response}</Descriptions.Item>}
        </Descriptions>
        <Timeline
          items={d.entries.map((e) => ({
            color: e.status === 'rejected' ? 'red' : e.status === 'completed' ? 'green' : 'blue',
            children: (
              <div>
                {e.note}
                <div>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {fmt(e.at)}
                    {e.actor ? ` · ${e.actor}` : ''}
                  </Typography.Text>
                </div>
              </div>
            ),
          }))}
        />
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
                  api(`/api/referrals/${id}`, {
                    method: 'PATCH',
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
              {moves.map((s) => (
                <Button
                  key={s}
                  loading={busy}
                  type={s === 'pending' || s === 'accepted' || s === 'completed' ? 'primary' : 'default'}
                  danger={s === 'rejected' || s === 'withdrawn'}
                  disabled={s === 'rejected' && !text.trim()}
                  onClick={() => move(s)}
                >
                  {MOVE_LABELS[s]}
                </Button>
              ))}
            </Space>
            {d.target === 'centralized' && moves.includes('completed') && (
              <Typography.Paragraph type="warning" style={{ marginTop: 8, marginBottom: 0 }}>
                办结后该对象转为集中供养，分散供养自今日终止，未完成的探访任务取消。
              </Typography.Paragraph>
            )}
          </Card>
        )}
      </Space>
    </Drawer>
  );
}

function CreateReferral({ onClose, onCreated }: { onClose: () => void; onCreated: (id: number) => void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      const r = await api<{ id: number }>('/api/referrals', {
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
