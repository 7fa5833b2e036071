import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
  Checkbox,
  DatePicker,
  Form,
  Input,
  InputNumber,
  Modal,
  Select,
  Space,
  Table,
  Tag,
  TreeSelect,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Campaign } from '../../../shared/api/visits';
import * as visitsApi from '../../../shared/api/visits';
import { CHECKLIST_V1, ROUND_CHECK_LABELS, ROUND_CHECKS, type Season } from '../../../shared/checklist';
import { PERSON_FLAG_LABELS, TIER_LABELS } from '../../../shared/person';
import { call } from '../../lib/api';
import { toTreeData, useAreaTree } from '../../lib/areas';
import { EmptyState } from '../common/empty-state';

const KIND_LABELS: Record<string, string> = {
  cold_wave: '寒潮',
  blizzard: '暴雪',
  rainstorm: '暴雨',
  heat: '高温',
  festival: '节日',
  other: '其他',
};

/** The section G items a round's check asks, for the form's help ("室内温度、取暖安全、…"). */
const checkItems = (c: Season) =>
  CHECKLIST_V1.sections
    .flatMap((s) => s.items)
    .filter((i) => i.season === c)
    .map((i) => i.label)
    .join('、');

/** 专项探访: the bureau or a town opens a round for an area and a selection of persons, with a deadline. */
export function CampaignsPage() {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const areas = useAreaTree();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm();
  const [editing, setEditing] = useState<Campaign | null>(null);
  const [editForm] = Form.useForm();
  const [closing, setClosing] = useState<Campaign | null>(null);
  const [closeForm] = Form.useForm();
  const edit = useMutation({
    mutationFn: (v: { name: string; deadline: Dayjs; note?: string }) =>
      call(visitsApi.editCampaign, {
        params: { id: editing!.id },
        body: {
          version: editing!.version,
          name: v.name,
          deadline: v.deadline.format('YYYY-MM-DD'),
          note: v.note || null,
        },
      }),
    onSuccess: (c) => {
      message.success(`已保存「${c.name}」，未完成的任务截止日期为 ${c.deadline}`);
      setEditing(null);
      qc.invalidateQueries({ queryKey: ['visit-campaigns'] });
    },
    onError: (e: Error) => message.error(e.message),
  });
  const close = useMutation({
    mutationFn: (v: { reason: string }) =>
      call(visitsApi.closeCampaign, {
        params: { id: closing!.id },
        body: { version: closing!.version, reason: v.reason },
      }),
    onSuccess: (c) => {
      message.success(`已结束「${c.name}」`);
      setClosing(null);
      closeForm.resetFields();
      qc.invalidateQueries({ queryKey: ['visit-campaigns'] });
    },
    onError: (e: Error) => message.error(e.message),
  });
  const list = useQuery({
    queryKey: ['visit-campaigns'],
    queryFn: () => call(visitsApi.listCampaigns),
  });
  const create = useMutation({
    mutationFn: (v: {
      name: string;
      kind: visitsApi.BodyOfOpenCampaign['kind'];
      areaId: number;
      deadline: Dayjs;
      tiers?: ('general' | 'key')[];
      flags?: NonNullable<NonNullable<visitsApi.BodyOfOpenCampaign['selection']>['flags']>;
      minAge?: number;
      note?: string;
      checks?: Season[];
    }) =>
      call(visitsApi.openCampaign, {
        body: {
          name: v.name,
          kind: v.kind,
          areaId: v.areaId,
          deadline: v.deadline.format('YYYY-MM-DD'),
          selection: {
            tiers: v.tiers?.length ? v.tiers : undefined,
            flags: v.flags?.length ? v.flags : undefined,
            minAge: v.minAge || undefined,
          },
          note: v.note || undefined,
          checks: v.checks?.length ? v.checks : undefined,
        },
      }),
    onSuccess: (c) => {
      message.success(`已开启「${c.name}」，生成探访任务 ${c.taskCount} 个`);
      setOpen(false);
      form.resetFields();
      qc.invalidateQueries({ queryKey: ['visit-campaigns'] });
    },
    onError: (e: Error) => message.error(e.message),
  });
  return (
    <div>
      <Space style={{ marginBottom: 12 }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          专项探访
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setOpen(true)}>
          开启专项探访
        </Button>
      </Space>
      <Table<Campaign>
        locale={{
          emptyText: (
            <EmptyState
              title="还没有专项探访"
              hint="寒潮、暴雪、暴雨、节日前可对选定对象集中探访一次。点击“开启专项探访”选择辖区、对象范围和截止日期。"
            />
          ),
        }}
        rowKey="id"
        size="small"
        loading={list.isLoading}
        dataSource={list.data}
        pagination={false}
        columns={[
          {
            title: '名称',
            render: (_, c) => (
              <>
                {c.name} <Tag>{KIND_LABELS[c.kind] ?? c.kind}</Tag>
              </>
            ),
          },
          { title: '范围', dataIndex: 'areaName' },
          {
            title: '对象',
            render: (_, c) =>
              [
                c.selection.tiers?.map((t) => TIER_LABELS[t as 'general' | 'key']).join('、'),
                c.selection.flags?.map((f) => PERSON_FLAG_LABELS[f as 'lives_alone']).join('、'),
                c.selection.minAge ? `${c.selection.minAge} 岁以上` : '',
              ]
                .filter(Boolean)
                .join('；') || '全部在册对象',
          },
          {
            title: '须检查',
            render: (_, c) =>
              c.checks.length ? (
                <span data-testid="campaign-checks">
                  须检查：{c.checks.map((k) => ROUND_CHECK_LABELS[k]).join('、')}
                </span>
              ) : (
                <Typography.Text type="secondary">—</Typography.Text>
              ),
          },
          { title: '截止日期', dataIndex: 'deadline' },
          {
            title: '完成情况',
            render: (_, c) => (
              <Link to={`/visit-tasks?kind=campaign&status=&areaId=${c.areaId}`}>
                {c.doneCount} / {c.taskCount}
              </Link>
            ),
          },
          {
            title: '状态',
            render: (_, c) =>
              c.closedAt ? (
                <Space direction="vertical" size={0}>
                  <Tag>已结束</Tag>
                  <Typography.Text type="secondary">{c.closeReason}</Typography.Text>
                </Space>
              ) : (
                <Tag color="processing">进行中（未完成 {c.openCount}）</Tag>
              ),
          },
          {
            title: '操作',
            render: (_, c) =>
              c.closedAt ? null : (
                <Space>
                  <Button size="small" onClick={() => setEditing(c)}>
                    修改
                  </Button>
                  <Button size="small" danger onClick={() => setClosing(c)}>
                    结束
                  </Button>
                </Space>
              ),
          },
        ]}
      />
      <Modal
        title="开启专项探访"
        open={open}
        onCancel={() => setOpen(false)}
        onOk={() => form.submit()}
        confirmLoading={create.isPending}
      >
        <Form
          form={form}
          layout="vertical"
          onFinish={(v) => create.mutate(v)}
          initialValues={{ kind: 'cold_wave' }}
        >
          <Form.Item name="name" label="名称" rules={[{ required: true, message: '请填写名称' }]}>
            <Input placeholder="如：2026年12月寒潮专项探访" maxLength={60} />
          </Form.Item>
          <Form.Item name="kind" label="类型">
            <Select options={Object.entries(KIND_LABELS).map(([value, label]) => ({ value, label }))} />
          </Form.Item>
          <Form.Item name="areaId" label="范围" rules={[{ required: true, message: '请选择辖区' }]}>
            <TreeSelect treeData={toTreeData(areas.data ?? [])} treeDefaultExpandAll />
          </Form.Item>
          <Form.Item name="tiers" label="探访类别（不选为全部）">
            <Select
              mode="multiple"
              options={Object.entries(TIER_LABELS).map(([value, label]) => ({ value, label }))}
            />
          </Form.Item>
          <Form.Item name="flags" label="须同时具有的标记">
            <Select
              mode="multiple"
              options={['lives_alone', 'severe_disability', 'mental_illness', 'infectious_disease'].map(
                (f) => ({
                  value: f,
                  label: PERSON_FLAG_LABELS[f as 'lives_alone'],
                }),
              )}
            />
          </Form.Item>
          <Form.Item name="minAge" label="年龄不低于">
            <InputNumber min={0} max={120} placeholder="如 80" />
          </Form.Item>
          <Form.Item name="deadline" label="截止日期" rules={[{ required: true, message: '请选择截止日期' }]}>
            <DatePicker />
          </Form.Item>
          <Form.Item
            name="checks"
            label="须做的季节性检查（不在供暖期、汛期也必须填写）"
            extra="不选则按季节询问。寒潮、暴雪宜选取暖安全，暴雨宜选防汛与用电安全。"
          >
            <Checkbox.Group
              options={ROUND_CHECKS.map((c) => ({
                value: c,
                label: `${ROUND_CHECK_LABELS[c]}（${checkItems(c)}）`,
              }))}
            />
          </Form.Item>
          <Form.Item name="note" label="说明">
            <Input.TextArea rows={2} maxLength={1000} />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        title={`修改专项探访：${editing?.name ?? ''}`}
        open={!!editing}
        onCancel={() => setEditing(null)}
        onOk={() => editForm.submit()}
        confirmLoading={edit.isPending}
        destroyOnHidden
      >
        <Form
          key={editing?.id}
          form={editForm}
          layout="vertical"
          onFinish={(v) => edit.mutate(v)}
          initialValues={
            editing ? { name: editing.name, deadline: dayjs(editing.deadline), note: editing.note ?? '' } : {}
          }
        >
          <Form.Item name="name" label="名称" rules={[{ required: true, message: '请填写名称' }]}>
            <Input maxLength={60} />
          </Form.Item>
          <Form.Item
            name="deadline"
            label="截止日期"
            extra="未完成的任务（含已逾期未完成的）随之调整截止日期"
            rules={[{ required: true, message: '请选择截止日期' }]}
          >
            <DatePicker />
          </Form.Item>
          <Form.Item name="note" label="说明">
            <Input.TextArea rows={2} maxLength={1000} />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        title={`结束专项探访：${closing?.name ?? ''}`}
        open={!!closing}
        onCancel={() => setClosing(null)}
        onOk={() => closeForm.submit()}
        okText="结束"
        okButtonProps={{ danger: true }}
        confirmLoading={close.isPending}
      >
        <Typography.Paragraph>
          结束后，{closing?.openCount ?? 0} 个未完成的任务将被取消，已完成的 {closing?.doneCount ?? 0}{' '}
          个保留；结束后不能再修改。
        </Typography.Paragraph>
        <Form form={closeForm} layout="vertical" onFinish={(v) => close.mutate(v)}>
          <Form.Item
            name="reason"
            label="结束原因"
            rules={[{ required: true, whitespace: true, message: '请填写结束原因' }]}
          >
            <Input placeholder="如：寒潮预警已解除" maxLength={200} />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
