import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, Form, Input, Modal, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Signal } from '../../../shared/api/signals';
import * as signalsApi from '../../../shared/api/signals';
import { roundChecksText } from '../../../shared/checklist';
import { can } from '../../../shared/roles';
import {
  SIGNAL_STATUS_LABELS,
  SIGNAL_STATUSES,
  SIGNAL_TYPE_LABELS,
  SIGNAL_TYPES,
  type SignalStatus,
  type SignalType,
  UNMATCHED_REASON_LABELS,
  WEATHER_KIND_LABELS,
  type WeatherKind,
} from '../../../shared/signals';
import { call } from '../../lib/api';
import { useSession } from '../../lib/session';
import { EmptyState } from '../common/empty-state';
import { SignalFiguresCard } from './figures-card';

const STATUS_COLORS: Record<SignalStatus, string> = {
  opened: 'processing',
  merged: 'default',
  unmatched: 'warning',
  recorded: 'default',
};
const fmt = (iso: string | null) =>
  iso ? new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) : '—';

function opened(s: Signal) {
  const parts = [];
  if (s.task)
    parts.push(
      <span key="t">
        <Link to={`/visit-tasks?personId=${s.person?.id ?? ''}`}>任务 #{s.task.id}</Link>（
        {s.task.status === 'done'
          ? '已完成'
          : s.task.status === 'open'
            ? `截止 ${fmt(s.task.windowEnd)}`
            : s.task.status}
        {s.task.visitor ? `，${s.task.visitor}` : '，未分配探访人'}）
      </span>,
    );
  if (s.incidentId)
    parts.push(
      <Link key="i" to={`/incidents?id=${s.incidentId}`}>
        应急事件 #{s.incidentId}
      </Link>,
    );
  if (s.campaign)
    parts.push(
      <Link key="c" to="/visit-campaigns">
        {s.campaign.name}（{s.campaign.taskCount} 人
        {s.campaign.checks.length ? `；${roundChecksText(s.campaign.checks)}` : ''}）
      </Link>,
    );
  if (s.mergedInto) parts.push(<span key="m">并入预警 #{s.mergedInto}</span>);
  return parts.length ? (
    <Space direction="vertical" size={0}>
      {parts}
    </Space>
  ) : (
    '—'
  );
}

function SignalTable(props: { review: boolean }) {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const { me } = useSession();
  const [type, setType] = useState<SignalType | undefined>();
  const [status, setStatus] = useState<SignalStatus | undefined>();
  const [cursors, setCursors] = useState<number[]>([]);
  const cursor = cursors.at(-1);
  const [reviewing, setReviewing] = useState<Signal | null>(null);
  const [form] = Form.useForm();
  const list = useQuery({
    queryKey: ['signals', props.review, type, status, cursor],
    queryFn: () =>
      call(signalsApi.listSignals, {
        query: {
          review: props.review ? '1' : undefined,
          type,
          status: props.review ? undefined : status,
          cursor,
          limit: 50,
        },
      }),
  });
  const review = useMutation({
    mutationFn: (v: { note: string }) =>
      call(signalsApi.reviewSignal, {
        params: { id: reviewing!.id },
        body: { note: v.note, version: reviewing!.version },
      }),
    onSuccess: () => {
      message.success('已核对，移出待核对列表');
      setReviewing(null);
      form.resetFields();
      qc.invalidateQueries({ queryKey: ['signals'] });
      qc.invalidateQueries({ queryKey: ['signal-figures'] });
    },
    onError: (e: Error) => message.error(e.message),
  });
  const mayReview = !!me && can(me.roles, 'signals.manage');
  return (
    <>
      <Space wrap style={{ marginBottom: 8 }}>
        <Select
          allowClear
          placeholder="预警类型"
          aria-label="预警类型"
          style={{ minWidth: 180 }}
          value={type}
          onChange={(v) => {
            setType(v);
            setCursors([]);
          }}
          options={SIGNAL_TYPES.map((t) => ({ value: t, label: SIGNAL_TYPE_LABELS[t] }))}
        />
        {!props.review && (
          <Select
            allowClear
            placeholder="处理结果"
            aria-label="处理结果"
            style={{ minWidth: 140 }}
            value={status}
            onChange={(v) => {
              setStatus(v);
              setCursors([]);
            }}
            options={SIGNAL_STATUSES.map((s) => ({ value: s, label: SIGNAL_STATUS_LABELS[s] }))}
          />
        )}
      </Space>
      <Table<Signal>
        rowKey="id"
        size="small"
        scroll={{ x: 900 }}
        loading={list.isLoading}
        dataSource={list.data?.items}
        pagination={false}
        locale={{
          emptyText: (
            <EmptyState
              title={props.review ? '没有待核对的预警' : '还没有收到预警'}
              hint={
                props.review
                  ? '证件号码查无此人、对象已终止或暂停供养的预警会列在这里，核对后移出。'
                  : '外部系统（水电表、动态监测平台、卫健、公安、气象）通过服务账号报送预警，在“预警接入与规则”中创建服务账号。'
              }
            />
          ),
        }}
        columns={[
          { title: '编号', dataIndex: 'id', width: 70 },
          { title: '收到时间', render: (_, s) => fmt(s.receivedAt), width: 150 },
          {
            title: '类型',
            render: (_, s) => (
              <>
                {SIGNAL_TYPE_LABELS[s.type]}
                {s.weatherKind
                  ? `·${WEATHER_KIND_LABELS[s.weatherKind as WeatherKind] ?? s.weatherKind}`
                  : ''}
              </>
            ),
          },
          { title: '来源', dataIndex: 'source' },
          {
            title: '对象 / 区域',
            render: (_, s) =>
              s.person ? (
                <Link to={`/persons/${s.person.id}`}>{s.person.name}</Link>
              ) : (
                <>
                  {s.idMasked ?? ''} {s.area.name}
                </>
              ),
          },
          {
            title: '结果',
            render: (_, s) => (
              <Space direction="vertical" size={0}>
                {/* Outlined: a filled warning tag on a highlighted row fell to 4.3:1 (axe, WCAG AA 4.5:1). */}
                <Tag color={STATUS_COLORS[s.status]} variant="outlined">
                  {SIGNAL_STATUS_LABELS[s.status]}
                </Tag>
                {s.reason && (
                  <Typography.Text type="warning">{UNMATCHED_REASON_LABELS[s.reason]}</Typography.Text>
                )}
                {s.reviewedAt && (
                  <Typography.Text type="secondary">
                    已核对（{s.reviewedBy}）：{s.reviewNote}
                  </Typography.Text>
                )}
              </Space>
            ),
          },
          { title: '派发', render: (_, s) => opened(s) },
          { title: '内容', dataIndex: 'description', ellipsis: true },
          ...(props.review && mayReview
            ? [
                {
                  title: '操作',
                  render: (_: unknown, s: Signal) => (
                    <Button size="small" onClick={() => setReviewing(s)}>
                      核对
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
      <Space style={{ marginTop: 8 }}>
        <Button disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          上一页
        </Button>
        <Button
          disabled={!list.data?.nextCursor}
          onClick={() => list.data?.nextCursor && setCursors([...cursors, list.data.nextCursor])}
        >
          下一页
        </Button>
      </Space>
      <Modal
        title={`核对预警 #${reviewing?.id ?? ''}`}
        open={!!reviewing}
        onCancel={() => setReviewing(null)}
        onOk={() => form.submit()}
        okText="确认已核对"
        confirmLoading={review.isPending}
        destroyOnHidden
      >
        <Typography.Paragraph>
          {reviewing && `${SIGNAL_TYPE_LABELS[reviewing.type]}，${reviewing.idMasked ?? ''}，`}
          原因：{reviewing?.reason ? UNMATCHED_REASON_LABELS[reviewing.reason] : ''}
          。核对后该预警移出待核对列表，不可撤销。
        </Typography.Paragraph>
        <Form form={form} layout="vertical" onFinish={(v) => review.mutate(v)}>
          <Form.Item
            name="note"
            label="核对情况"
            rules={[{ required: true, whitespace: true, message: '请填写核对情况' }]}
          >
            <Input.TextArea
              rows={3}
              maxLength={500}
              placeholder="如：已电话联系卫健委，该人员非本区特困对象"
            />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

/** 预警信息: what outside systems reported, what each became, and the signals waiting for review. */
export function SignalsPage() {
  return (
    <div>
      <Typography.Title level={4}>预警信息</Typography.Title>
      <SignalFiguresCard />
      <Tabs
        style={{ marginTop: 12 }}
        items={[
          { key: 'all', label: '全部预警', children: <SignalTable review={false} /> },
          { key: 'review', label: '待人工核对', children: <SignalTable review /> },
        ]}
      />
    </div>
  );
}
