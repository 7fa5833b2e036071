import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Descriptions,
  Drawer,
  Empty,
  Form,
  Input,
  Modal,
  Popconfirm,
  Radio,
  Select,
  Space,
  Table,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import * as authApi from '../../../shared/api/authenticity';
import {
  AUTHENTICITY_RULE_LABELS,
  REVIEW_STATE_LABELS,
  REVIEW_STATES,
  type ReviewState,
  SPOT_CHECK_RESULT_LABELS,
  SPOT_CHECK_RESULTS,
  type SpotCheckResult,
} from '../../../shared/authenticity';
import { chinaDateTime, chinaMonth } from '../../../shared/china-time';
import { AREA_LEVEL_LABELS, can } from '../../../shared/roles';
import { call } from '../../lib/api';
import { useSession } from '../../lib/session';
import { ThresholdsTab } from './thresholds-tab';

const STATE_COLORS: Record<ReviewState, string> = {
  pending: 'orange',
  confirmed: 'green',
  explained: 'blue',
  rejected: 'red',
};
const fmt = (iso: string | null) => (iso ? chinaDateTime(new Date(iso)) : '');
const lastMonths = (n: number) => {
  const out: string[] = [];
  const d = new Date();
  for (let i = 0; i < n; i++) {
    out.push(chinaMonth(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - i, 15))));
  }
  return out;
};

/** 真实性核查: the town's queue of flagged visits, and the bureau's spot checks (回访抽查). */
export function AuthenticityPage() {
  const { me } = useSession();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'reviews';
  const showChecks = !!me && can(me.roles, 'spotchecks.read');
  return (
    <div>
      <Typography.Title level={4}>真实性核查</Typography.Title>
      <Tabs
        activeKey={tab}
        onChange={(k) => setParams({ tab: k })}
        items={[
          { key: 'reviews', label: '疑点探访核查', children: <ReviewQueue /> },
          ...(showChecks ? [{ key: 'spot', label: '回访抽查', children: <SpotChecks /> }] : []),
          { key: 'rules', label: '规则设置', children: <ThresholdsTab /> },
        ]}
      />
    </div>
  );
}

function ReviewQueue() {
  const [state, setState] = useState<ReviewState>('pending');
  const [open, setOpen] = useState<number | null>(null);
  const list = useQuery({
    queryKey: ['auth-reviews', state],
    queryFn: () => call(authApi.listReviews, { query: { state, limit: 200 } }),
  });
  return (
    <>
      <Space style={{ marginBottom: 12 }} wrap>
        <Radio.Group
          value={state}
          onChange={(e) => setState(e.target.value)}
          optionType="button"
          options={REVIEW_STATES.map((s) => ({ value: s, label: REVIEW_STATE_LABELS[s] }))}
        />
      </Space>
      <Table<authApi.ReviewItem>
        rowKey="visitId"
        size="middle"
        loading={list.isLoading}
        dataSource={list.data?.items}
        data-testid="review-list"
        scroll={{ x: 640 }}
        pagination={false}
        locale={{ emptyText: <Empty description={state === 'pending' ? '没有待核查的探访' : '没有记录'} /> }}
        onRow={(r) => ({ onClick: () => setOpen(r.visitId), style: { cursor: 'pointer' } })}
        columns={[
          { title: '探访时间', width: 150, render: (_, r) => fmt(r.at) },
          {
            title: '对象',
            render: (_, r) => (
              <span>
                {r.personName}
                <Typography.Text type="secondary" style={{ marginLeft: 6 }}>
                  {r.townName} {r.villageName}
                </Typography.Text>
              </span>
            ),
          },
          { title: '探访人', dataIndex: 'visitorName', width: 110 },
          {
            title: '疑点',
            render: (_, r) => (
              <Space size={2} wrap>
                {r.signals.map((s) => (
                  <Tag key={s.rule} color="orange">
                    {AUTHENTICITY_RULE_LABELS[s.rule]}
                  </Tag>
                ))}
              </Space>
            ),
          },
          {
            title: '状态',
            width: 100,
            render: (_, r) => (
              <Space size={2} wrap>
                <Tag color={STATE_COLORS[r.reviewState]}>{REVIEW_STATE_LABELS[r.reviewState]}</Tag>
                {r.signalsChangedAt && (
                  <Tag title={`住址坐标等变更后于 ${fmt(r.signalsChangedAt)} 重新计算`}>核查后疑点有变化</Tag>
                )}
              </Space>
            ),
          },
        ]}
      />
      {open != null && <ReviewDrawer visitId={open} onClose={() => setOpen(null)} />}
    </>
  );
}

function ReviewDrawer({ visitId, onClose }: { visitId: number; onClose: () => void }) {
  const { me } = useSession();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [deciding, setDeciding] = useState<'explained' | 'rejected' | null>(null);
  const [form] = Form.useForm<{ note: string }>();
  const detail = useQuery({
    queryKey: ['auth-review', visitId],
    queryFn: () => call(authApi.getReview, { params: { id: visitId } }),
  });
  const mayReview = !!me && can(me.roles, 'authenticity.review');
  const decide = async (decision: 'confirmed' | 'explained' | 'rejected', note?: string) => {
    await call(authApi.decideReview, { params: { id: visitId }, body: { decision, note } });
    message.success(decision === 'rejected' ? '已不予认定，相关任务已重新打开或记为未完成' : '已核查');
    await qc.invalidateQueries({ queryKey: ['auth-reviews'] });
    await qc.invalidateQueries({ queryKey: ['auth-review', visitId] });
    setDeciding(null);
    form.resetFields();
  };
  const d = detail.data;
  const sideBy = d
    ? [
        { label: '本次探访', visit: d.visit },
        ...d.related.map((r) => ({
          label: `相关：${AUTHENTICITY_RULE_LABELS[r.rule as keyof typeof AUTHENTICITY_RULE_LABELS] ?? r.rule}`,
          visit: r.visit,
        })),
      ]
    : [];
  const answerRows = d ? answerTable(sideBy.map((x) => x.visit.answers)) : [];
  return (
    <Drawer open onClose={onClose} width={Math.min(900, window.innerWidth)} title="疑点探访核查">
      {detail.isLoading || !d ? (
        <Typography.Text>加载中…</Typography.Text>
      ) : (
        <Space direction="vertical" style={{ width: '100%' }} size="middle">
          <Descriptions size="small" column={{ xs: 1, sm: 2 }} bordered>
            <Descriptions.Item label="对象">
              <Link to={`/persons/${d.item.personId}`}>{d.item.personName}</Link>
            </Descriptions.Item>
            <Descriptions.Item label="探访人">{d.item.visitorName}</Descriptions.Item>
            <Descriptions.Item label="探访时间">{fmt(d.item.at)}</Descriptions.Item>
            <Descriptions.Item label="录入时间">{fmt(d.visit.recordedAt)}</Descriptions.Item>
            <Descriptions.Item label="表单打开→保存">
              {d.visit.openedAt && d.visit.submittedAt
                ? `${fmt(d.visit.openedAt)} → ${fmt(d.visit.submittedAt)}`
                : '未测量'}
            </Descriptions.Item>
            <Descriptions.Item label="定位">
              {d.visit.location
                ? `${d.visit.location.latitude.toFixed(5)}, ${d.visit.location.longitude.toFixed(5)}（精度 ${d.visit.location.accuracy ?? '?'} 米）`
                : '无'}
            </Descriptions.Item>
            <Descriptions.Item label="住址坐标">
              {d.home
                ? `${d.home.latitude.toFixed(5)}, ${d.home.longitude.toFixed(5)}`
                : '未设置（不作位置比对）'}
            </Descriptions.Item>
            <Descriptions.Item label="状态">
              <Tag color={STATE_COLORS[d.item.reviewState]}>{REVIEW_STATE_LABELS[d.item.reviewState]}</Tag>
              {d.item.reviewNote && <span>{d.item.reviewNote}</span>}
            </Descriptions.Item>
          </Descriptions>
          <div data-testid="review-signals">
            {d.item.signals.map((s) => (
              <Alert
                key={s.rule}
                type="warning"
                showIcon
                style={{ marginBottom: 8 }}
                message={AUTHENTICITY_RULE_LABELS[s.rule]}
                description={s.reason}
              />
            ))}
          </div>
          {answerRows.length > 0 && (
            <Table
              size="small"
              rowKey="key"
              pagination={false}
              scroll={{ x: 480 }}
              dataSource={answerRows}
              columns={[
                { title: '项目', dataIndex: 'key', width: 160 },
                ...sideBy.map((x, i) => ({
                  title: `${x.label}（${fmt(x.visit.at)}）`,
                  render: (_: unknown, r: (typeof answerRows)[number]) => (
                    <span style={r.same ? undefined : { color: '#d4380d' }}>{r.values[i]}</span>
                  ),
                })),
              ]}
            />
          )}
          {mayReview && d.item.reviewState === 'pending' && (
            <Space wrap>
              <Popconfirm
                title="确认该探访真实有效？"
                okText="确认"
                cancelText="取消"
                onConfirm={() => decide('confirmed')}
              >
                <Button type="primary">核实无误</Button>
              </Popconfirm>
              <Button onClick={() => setDeciding('explained')}>说明情况</Button>
              <Button danger onClick={() => setDeciding('rejected')} data-testid="reject-visit">
                不予认定
              </Button>
            </Space>
          )}
        </Space>
      )}
      <Modal
        open={deciding != null}
        title={deciding === 'rejected' ? '不予认定：该探访将不再计入，任务重新打开或记为未完成' : '说明情况'}
        okText={deciding === 'rejected' ? '确认不予认定' : '保存'}
        okButtonProps={{ danger: deciding === 'rejected' }}
        cancelText="取消"
        onCancel={() => setDeciding(null)}
        onOk={async () => {
          const v = await form.validateFields();
          if (deciding) await decide(deciding, v.note);
        }}
      >
        <Form form={form} layout="vertical">
          <Form.Item
            name="note"
            label={deciding === 'rejected' ? '理由' : '情况说明'}
            rules={[
              {
                required: true,
                whitespace: true,
                message: deciding === 'rejected' ? '不予认定须写明理由' : '请填写情况说明',
              },
              { max: 1000, message: '不超过 1000 字' },
            ]}
          >
            <Input.TextArea rows={3} aria-label="说明" />
          </Form.Item>
        </Form>
      </Modal>
    </Drawer>
  );
}

/** The answers of several visits side by side, one row per item; `same` when every visit agrees. */
function answerTable(list: Record<string, unknown>[]) {
  const keys = new Set<string>();
  for (const a of list)
    for (const [sk, sec] of Object.entries(a ?? {}))
      for (const ik of Object.keys((sec as Record<string, unknown>) ?? {})) keys.add(`${sk}.${ik}`);
  const text = (a: Record<string, unknown>, k: string) => {
    const [sk, ik] = k.split('.');
    const x = (a?.[sk] as Record<string, { value?: unknown; note?: string }> | undefined)?.[ik];
    if (!x) return '';
    const v = Array.isArray(x.value) ? JSON.stringify(x.value) : String(x.value ?? '');
    return x.note ? `${v}（${x.note}）` : v;
  };
  return [...keys].sort().map((k) => {
    const values = list.map((a) => text(a, k));
    return { key: k, values, same: values.every((v) => v === values[0]) };
  });
}

function SpotChecks() {
  const { me } = useSession();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const months = lastMonths(6);
  const [month, setMonth] = useState(months[1]);
  const [recording, setRecording] = useState<authApi.SpotCheck | null>(null);
  const [form] = Form.useForm<{ result: SpotCheckResult; note?: string }>();
  const manage = !!me && can(me.roles, 'spotchecks.manage');
  const check = !!me && can(me.roles, 'spotchecks.check');
  const draws = useQuery({
    queryKey: ['spot-draws', month],
    queryFn: () => call(authApi.listDraws, { query: { month } }),
  });
  const list = useQuery({
    queryKey: ['spot-checks', month],
    queryFn: () => call(authApi.listSpotChecks, { query: { month } }),
  });
  const reload = () =>
    qc.invalidateQueries({ queryKey: ['spot'] }).then(() => Promise.all([draws.refetch(), list.refetch()]));
  return (
    <>
      <Space style={{ marginBottom: 12 }} wrap>
        <Select
          aria-label="月份"
          style={{ width: 130 }}
          value={month}
          onChange={setMonth}
          options={months.map((m) => ({ value: m, label: m }))}
        />
        {manage && (
          <Popconfirm
            title={`为各镇街抽取 ${month} 的回访样本？抽取后不可重抽`}
            okText="抽取"
            cancelText="取消"
            onConfirm={async () => {
              const r = await call(authApi.drawSpotChecks, { body: { month } });
              message.success(r.length ? `已为 ${r.length} 个镇街抽样` : '各镇街本月都已抽过样本');
              await reload();
            }}
          >
            <Button type="primary" data-testid="draw-spot-checks">
              抽取样本
            </Button>
          </Popconfirm>
        )}
      </Space>
      {(draws.data ?? []).length > 0 && (
        <Typography.Paragraph type="secondary" data-testid="draw-summary">
          {draws
            .data!.map(
              (d) => `${d.townName}：${d.population} 次中抽 ${d.size} 次（种子 ${d.seed.slice(0, 8)}…）`,
            )
            .join('；')}
        </Typography.Paragraph>
      )}
      <Table<authApi.SpotCheck>
        rowKey="id"
        size="middle"
        loading={list.isLoading}
        dataSource={list.data}
        data-testid="spot-check-list"
        scroll={{ x: 640 }}
        pagination={{ pageSize: 50, showSizeChanger: false }}
        columns={[
          { title: AREA_LEVEL_LABELS.town, dataIndex: 'townName', width: 110 },
          {
            title: '对象',
            render: (_, r) => <Link to={`/persons/${r.personId}`}>{r.personName}</Link>,
          },
          { title: '探访时间', width: 150, render: (_, r) => fmt(r.visitAt) },
          { title: '探访人', dataIndex: 'visitorName', width: 100 },
          { title: '疑点', width: 70, render: (_, r) => (r.flagged ? <Tag color="orange">有</Tag> : '') },
          {
            title: '回访人',
            width: 140,
            render: (_, r) =>
              r.assignedName ??
              (manage && me ? (
                <Button
                  size="small"
                  onClick={async () => {
                    await call(authApi.assignSpotCheck, {
                      params: { id: r.id },
                      body: { userId: me.id, version: r.version },
                    });
                    await reload();
                  }}
                >
                  分派给我
                </Button>
              ) : (
                ''
              )),
          },
          {
            title: '结果',
            width: 150,
            render: (_, r) =>
              r.result ? (
                <Tag
                  color={
                    r.result === 'confirmed' ? 'green' : r.result === 'not_confirmed' ? 'red' : 'default'
                  }
                >
                  {SPOT_CHECK_RESULT_LABELS[r.result]}
                </Tag>
              ) : check ? (
                <Button size="small" onClick={() => setRecording(r)} data-testid="record-spot-check">
                  登记结果
                </Button>
              ) : (
                '待回访'
              ),
          },
        ]}
      />
      <Modal
        open={recording != null}
        title="登记回访结果"
        okText="保存"
        cancelText="取消"
        onCancel={() => setRecording(null)}
        onOk={async () => {
          const v = await form.validateFields();
          // The row as last read (an assignment since the dialog opened moved its version).
          const cur = list.data?.find((x) => x.id === recording!.id) ?? recording!;
          await call(authApi.recordSpotCheck, {
            params: { id: cur.id },
            body: { result: v.result, note: v.note, version: cur.version },
          });
          message.success(v.result === 'not_confirmed' ? '已登记，并为镇街生成整改问题' : '已登记');
          setRecording(null);
          form.resetFields();
          await reload();
        }}
      >
        <Form form={form} layout="vertical" initialValues={{ result: 'confirmed' }}>
          <Form.Item name="result" label="结果" rules={[{ required: true, message: '请选择结果' }]}>
            <Radio.Group
              options={SPOT_CHECK_RESULTS.map((r) => ({ value: r, label: SPOT_CHECK_RESULT_LABELS[r] }))}
            />
          </Form.Item>
          <Form.Item noStyle shouldUpdate>
            {() => (
              <Form.Item
                name="note"
                label="回访情况"
                rules={[
                  {
                    required: form.getFieldValue('result') !== 'confirmed',
                    whitespace: true,
                    message: '请填写回访情况说明',
                  },
                  { max: 1000, message: '不超过 1000 字' },
                ]}
              >
                <Input.TextArea rows={3} aria-label="回访情况" />
              </Form.Item>
            )}
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
