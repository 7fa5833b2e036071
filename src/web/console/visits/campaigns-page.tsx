import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
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
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { Link } from 'react-router';
import { PERSON_FLAG_LABELS, TIER_LABELS } from '../../../shared/person';
import { api } from '../../lib/api';
import { toTreeData, useAreaTree } from '../../lib/areas';

const KIND_LABELS: Record<string, string> = {
  cold_wave: '寒潮',
  blizzard: '暴雪',
  rainstorm: '暴雨',
  heat: '高温',
  festival: '节日',
  other: '其他',
};

interface Campaign {
  id: number;
  name: string;
  kind: string;
  areaId: number;
  areaName: string;
  selection: { tiers?: string[]; flags?: string[]; minAge?: number };
  opensAt: string;
  deadline: string;
  note: string | null;
  taskCount: number;
  doneCount: number;
}

/** 专项探访: the bureau or a town opens a round for an area and a selection of persons, with a deadline. */
export function CampaignsPage() {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const areas = useAreaTree();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm();
  const list = useQuery({
    queryKey: ['visit-campaigns'],
    queryFn: () => api<Campaign[]>('/api/visit-campaigns'),
  });
  const create = useMutation({
    mutationFn: (v: {
      name: string;
      kind: string;
      areaId: number;
      deadline: Dayjs;
      tiers?: string[];
      flags?: string[];
      minAge?: number;
      note?: string;
    }) =>
      api<Campaign>('/api/visit-campaigns', {
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
          { title: '截止日期', dataIndex: 'deadline' },
          {
            title: '完成情况',
            render: (_, c) => (
              <Link to={`/visit-tasks?kind=campaign&status=&areaId=${c.areaId}`}>
                {c.doneCount} / {c.taskCount}
              </Link>
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
          <Form.Item name="note" label="说明">
            <Input.TextArea rows={2} maxLength={1000} />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
