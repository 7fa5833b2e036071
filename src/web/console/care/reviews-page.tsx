import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  DatePicker,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Modal,
  Rate,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd';
import type dayjs from 'dayjs';
import { useState } from 'react';
import * as careApi from '../../../shared/api/care';
import { CARE_LIMITS as L, type Review } from '../../../shared/api/care';
import { AREA_LEVEL_LABELS, can } from '../../../shared/roles';
import { call, HttpError } from '../../lib/api';
import { useSession } from '../../lib/session';
import { EmptyState } from '../common/empty-state';
import { CaregiverRecognitions } from '../outreach/recognitions';

/** 考核评价: reviews with scores and the form that records one. */
export function ReviewsPage() {
  const { me } = useSession();
  const canWrite = !!me && can(me.roles, 'care.write');
  const [passed, setPassed] = useState<string>();
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<Review | null>(null);
  const list = useQuery({
    queryKey: ['caregiver-reviews', passed],
    queryFn: () =>
      call(careApi.listReviews, { query: { limit: 200, passed: passed as 'true' | 'false' | undefined } }),
  });
  return (
    <div>
      <Space style={{ marginBottom: 16, justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          照料服务考核评价
        </Typography.Title>
        <Space>
          <Select
            allowClear
            aria-label="结果"
            placeholder="结果"
            style={{ width: 120 }}
            value={passed}
            onChange={setPassed}
            options={[
              { value: 'true', label: '合格' },
              { value: 'false', label: '不合格' },
            ]}
          />
          {canWrite && (
            <Button type="primary" onClick={() => setCreating(true)}>
              新建考核
            </Button>
          )}
        </Space>
      </Space>
      <Table<Review>
        locale={{
          emptyText: (
            <EmptyState
              title="还没有照料考核评价"
              hint="定期对照料服务人的履约情况考核评价，不合格的启动更换。点击“新建考核”为一份协议打分。"
            />
          ),
        }}
        rowKey="id"
        size="middle"
        loading={list.isLoading}
        dataSource={list.data?.items}
        pagination={{ pageSize: 20 }}
        columns={[
          { title: '特困人员', dataIndex: 'personName' },
          { title: '照料服务人', dataIndex: 'caregiverName' },
          { title: AREA_LEVEL_LABELS.town, dataIndex: 'townName' },
          { title: '考核期间', render: (_, r) => `${r.periodFrom} 至 ${r.periodTo}` },
          {
            title: '满意度',
            render: (_, r) => <Rate disabled value={r.satisfaction} style={{ fontSize: 13 }} />,
          },
          {
            title: '邻里评价',
            render: (_, r) =>
              r.neighbourScore === null ? '—' : `${r.neighbours.length} 人 · ${r.neighbourScore}`,
          },
          {
            title: '探访记录',
            render: (_, r) =>
              r.visitScore === null ? '无' : `${r.visitObservations.visits} 次 · ${r.visitScore}`,
          },
          { title: '得分', render: (_, r) => <b>{r.score}</b> },
          {
            title: '结果',
            render: (_, r) => (r.passed ? <Tag color="green">合格</Tag> : <Tag color="red">不合格</Tag>),
          },
          { title: '', render: (_, r) => <a onClick={() => setShown(r)}>详情</a> },
        ]}
      />
      {creating && <ReviewForm onClose={() => setCreating(false)} onCreated={setShown} />}
      {shown && <ReviewDetail review={shown} onClose={() => setShown(null)} />}
    </div>
  );
}

function ReviewDetail({ review: r, onClose }: { review: Review; onClose: () => void }) {
  return (
    <Modal open width={640} title={`考核结果：${r.caregiverName}`} footer={null} onCancel={onClose}>
      {!r.passed && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          message="考核不合格：已启动更换照料服务人"
          description={
            r.replacementId ? `请在“更换照料服务人”页办理（事项 #${r.replacementId}）。` : undefined
          }
        />
      )}
      <Descriptions bordered size="small" column={2}>
        <Descriptions.Item label="特困人员">{r.personName}</Descriptions.Item>
        <Descriptions.Item label="考核期间">
          {r.periodFrom} 至 {r.periodTo}
        </Descriptions.Item>
        <Descriptions.Item label="本人满意度">
          {r.satisfaction} / 5 → {r.satisfactionScore}
        </Descriptions.Item>
        <Descriptions.Item label="邻里评价">
          {r.neighbourScore === null ? '无' : `${r.neighbours.length} 人 → ${r.neighbourScore}`}
        </Descriptions.Item>
        <Descriptions.Item label="探访观察" span={2}>
          {r.visitObservations.visits} 次探访：履职到位 {r.visitObservations.duty.yes}、部分履职{' '}
          {r.visitObservations.duty.partly}、未履职 {r.visitObservations.duty.no}
          {r.visitObservations.seriousInfringements > 0 && (
            <Tag color="red">严重侵害 {r.visitObservations.seriousInfringements} 次</Tag>
          )}
          {r.visitScore !== null && ` → ${r.visitScore}`}
        </Descriptions.Item>
        <Descriptions.Item label="综合得分">
          <b>{r.score}</b>（合格线 {r.passScore}）
        </Descriptions.Item>
        <Descriptions.Item label="结果">
          {r.passed ? <Tag color="green">合格</Tag> : <Tag color="red">不合格</Tag>}
        </Descriptions.Item>
      </Descriptions>
      {r.neighbours.length > 0 && (
        <Table
          style={{ marginTop: 12 }}
          size="small"
          rowKey="name"
          pagination={false}
          dataSource={r.neighbours}
          columns={[
            { title: '邻居', dataIndex: 'name' },
            { title: '评分', dataIndex: 'score' },
            { title: '意见', dataIndex: 'comment' },
          ]}
        />
      )}
      <CaregiverRecognitions caregiverId={r.caregiverId} canWrite={false} />
    </Modal>
  );
}

function ReviewForm({ onClose, onCreated }: { onClose: () => void; onCreated: (r: Review) => void }) {
  const [form] = Form.useForm();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [saving, setSaving] = useState(false);
  const agreements = useQuery({
    queryKey: ['care-agreements', 'for-review'],
    queryFn: () => call(careApi.listAgreements, { query: { limit: 200, status: 'active' } }),
  });
  const submit = async () => {
    const v = await form.validateFields();
    const period = v.period as [dayjs.Dayjs, dayjs.Dayjs] | undefined;
    setSaving(true);
    try {
      const r = await call(careApi.createReview, {
        body: {
          agreementId: v.agreementId,
          periodFrom: period?.[0].format('YYYY-MM-DD'),
          periodTo: period?.[1].format('YYYY-MM-DD'),
          satisfaction: v.satisfaction,
          neighbours: (v.neighbours ?? []).filter((n: { name?: string }) => n?.name),
          note: v.note ?? null,
        },
      });
      qc.invalidateQueries({ queryKey: ['caregiver-reviews'] });
      qc.invalidateQueries({ queryKey: ['care-replacements'] });
      message.success('考核已保存');
      onClose();
      onCreated(r);
    } catch (e) {
      if (e instanceof HttpError && e.body.field) message.error(`${e.message}`);
      else message.error((e as Error).message);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal
      open
      width={640}
      title="照料服务人考核评价"
      onOk={submit}
      onCancel={onClose}
      confirmLoading={saving}
      okText="计算并保存"
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{ satisfaction: 4, neighbours: [{ name: '', score: 4 }] }}
      >
        <Form.Item name="agreementId" label="照料协议" rules={[{ required: true, message: '请选择协议' }]}>
          <Select
            showSearch
            optionFilterProp="label"
            options={(agreements.data?.items ?? []).map((a) => ({
              value: a.id,
              label: `${a.personName} ← ${a.caregiverName}（${a.townName} ${a.villageName}）`,
            }))}
          />
        </Form.Item>
        <Form.Item name="period" label="考核期间（不填则为上一季度）">
          <DatePicker.RangePicker />
        </Form.Item>
        <Form.Item
          name="satisfaction"
          label={`特困人员本人满意度（${L.score.min}–${L.score.max}）`}
          rules={[{ required: true }]}
        >
          <Rate count={L.score.max} />
        </Form.Item>
        <Typography.Text strong>邻里评价</Typography.Text>
        <Form.List name="neighbours">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} align="baseline" style={{ display: 'flex', marginTop: 8 }}>
                  <Form.Item name={[f.name, 'name']} noStyle>
                    <Input placeholder="邻居姓名" maxLength={L.neighbourName} style={{ width: 120 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'score']} noStyle>
                    <InputNumber
                      min={L.score.min}
                      max={L.score.max}
                      placeholder={`${L.score.min}–${L.score.max}`}
                      style={{ width: 80 }}
                    />
                  </Form.Item>
                  <Form.Item name={[f.name, 'comment']} noStyle>
                    <Input placeholder="意见（可选）" maxLength={L.neighbourComment} style={{ width: 240 }} />
                  </Form.Item>
                  <MinusCircleOutlined onClick={() => remove(f.name)} />
                </Space>
              ))}
              <Button
                type="dashed"
                style={{ marginTop: 8 }}
                disabled={fields.length >= L.neighbours}
                onClick={() => add({ score: 4 })}
                icon={<PlusOutlined />}
              >
                添加邻居评价
              </Button>
            </>
          )}
        </Form.List>
        <Form.Item name="note" label="备注" style={{ marginTop: 12 }}>
          <Input.TextArea rows={2} maxLength={L.reviewNote} />
        </Form.Item>
        <Typography.Text type="secondary">
          期间内探访记录中的“照料护理”情况（第 H
          部分）自动计入；得分按配置的权重计算，低于合格线或有严重侵害即不合格。
        </Typography.Text>
      </Form>
    </Modal>
  );
}
