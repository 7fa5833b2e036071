import { useQuery, useQueryClient } from '@tanstack/react-query';
import { App, Button, DatePicker, Form, Input, Modal, Popconfirm, Table, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import * as outreachApi from '../../../shared/api/outreach';
import { OUTREACH_LIMITS as L, type Recognition } from '../../../shared/api/outreach';
import { call } from '../../lib/api';

/** 孝老爱亲 recognitions of a caregiver (policy 六（五）), shown on the caregiver's page with the reviews. */
export function CaregiverRecognitions({ caregiverId, canWrite }: { caregiverId: number; canWrite: boolean }) {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [adding, setAdding] = useState(false);
  const q = useQuery({
    queryKey: ['recognitions', caregiverId],
    queryFn: () => call(outreachApi.listRecognitions, { params: { id: caregiverId } }),
  });
  const reload = () => qc.invalidateQueries({ queryKey: ['recognitions', caregiverId] });
  const remove = async (r: Recognition) => {
    try {
      await call(outreachApi.deleteRecognition, { params: { id: r.id } });
      message.success('已删除');
      reload();
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  return (
    <>
      <Typography.Title level={5} style={{ marginTop: 20 }}>
        孝老爱亲表彰
        {canWrite && (
          <Button size="small" style={{ marginLeft: 12 }} onClick={() => setAdding(true)}>
            记录表彰
          </Button>
        )}
      </Typography.Title>
      <Table<Recognition>
        rowKey="id"
        size="small"
        pagination={false}
        loading={q.isLoading}
        dataSource={q.data?.items}
        locale={{ emptyText: '暂无表彰记录' }}
        columns={[
          { title: '日期', dataIndex: 'awardedOn', width: 110 },
          { title: '表彰名称', dataIndex: 'title' },
          { title: '表彰单位', dataIndex: 'awardedBy' },
          { title: '事迹', render: (_, r) => r.note ?? '—' },
          ...(canWrite
            ? [
                {
                  title: '操作',
                  width: 70,
                  render: (_: unknown, r: Recognition) => (
                    <Popconfirm
                      title="删除这条表彰记录？"
                      okText="删除"
                      okButtonProps={{ danger: true }}
                      cancelText="取消"
                      onConfirm={() => remove(r)}
                    >
                      <a>删除</a>
                    </Popconfirm>
                  ),
                },
              ]
            : []),
        ]}
      />
      {adding && (
        <RecognitionForm
          caregiverId={caregiverId}
          onClose={() => setAdding(false)}
          onSaved={() => {
            setAdding(false);
            reload();
          }}
        />
      )}
    </>
  );
}

function RecognitionForm(p: { caregiverId: number; onClose: () => void; onSaved: () => void }) {
  const [form] = Form.useForm<{ title: string; awardedOn: Dayjs; awardedBy: string; note?: string }>();
  const { message } = App.useApp();
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      await call(outreachApi.createRecognition, {
        params: { id: p.caregiverId },
        body: {
          title: v.title,
          awardedOn: v.awardedOn.format('YYYY-MM-DD'),
          awardedBy: v.awardedBy,
          note: v.note || null,
        },
      });
      message.success('已记录表彰');
      p.onSaved();
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal
      open
      title="记录孝老爱亲表彰"
      onOk={submit}
      onCancel={p.onClose}
      confirmLoading={saving}
      okText="保存"
      cancelText="取消"
    >
      <Form form={form} layout="vertical" initialValues={{ title: '孝老爱亲模范', awardedOn: dayjs() }}>
        <Form.Item
          name="title"
          label="表彰名称"
          rules={[{ required: true, whitespace: true, message: '请填写表彰名称' }]}
        >
          <Input maxLength={L.title} />
        </Form.Item>
        <Form.Item name="awardedOn" label="表彰日期" rules={[{ required: true, message: '请选择日期' }]}>
          <DatePicker disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
        </Form.Item>
        <Form.Item
          name="awardedBy"
          label="表彰单位"
          rules={[{ required: true, whitespace: true, message: '请填写表彰单位' }]}
        >
          <Input maxLength={L.awardedBy} />
        </Form.Item>
        <Form.Item name="note" label="事迹">
          <Input.TextArea rows={3} maxLength={L.note} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
