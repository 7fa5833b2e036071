import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Space,
  Table,
  Typography,
} from 'antd';
import { useState } from 'react';
import * as authApi from '../../../shared/api/authenticity';
import { chinaDateTime } from '../../../shared/china-time';
import { can } from '../../../shared/roles';
import { call } from '../../lib/api';
import { useSession } from '../../lib/session';

const fmt = (iso: string) => chinaDateTime(new Date(iso));
const pt = (p: { latitude: number; longitude: number }) =>
  `${p.latitude.toFixed(5)}, ${p.longitude.toFixed(5)}`;

/**
 * 住址坐标 on the person page: the confirmed home point (the place rule's reference), the first
 * consented in-person visit's location offered for confirmation, coordinates typed in, the history.
 * No map tiles: a coordinate pair is enough for the distances.
 */
export function HomePointTab({ personId }: { personId: number }) {
  const { me } = useSession();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ latitude: number; longitude: number }>();
  const q = useQuery({
    queryKey: ['home-point', personId],
    queryFn: () => call(authApi.getHomePoint, { params: { id: personId } }),
  });
  const mayEdit = !!me && can(me.roles, 'authenticity.review');
  const save = async (body: { latitude: number; longitude: number } | { fromVisitId: number }) => {
    await call(authApi.setHomePoint, { params: { id: personId }, body });
    message.success('住址坐标已确认，本月和上月探访的位置疑点已重新计算');
    await q.refetch();
  };
  const [removeNote, setRemoveNote] = useState('');
  // A dialog, not a popover: it holds a text field (a reason), and a popover over the page header
  // lost the click on its button while it was still fading in on a busy machine.
  const [removing, setRemoving] = useState(false);
  const remove = async () => {
    await call(authApi.removeHomePoint, {
      params: { id: personId },
      query: { note: removeNote.trim() || undefined },
    });
    setRemoveNote('');
    setRemoving(false);
    message.success('住址坐标已删除，位置类疑点已撤除（不再作位置比对）');
    await q.refetch();
  };
  const d = q.data;
  if (!d) return <Typography.Text>加载中…</Typography.Text>;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {d.current ? (
        <Descriptions size="small" bordered column={{ xs: 1, sm: 2 }}>
          <Descriptions.Item label="住址坐标">{pt(d.current)}</Descriptions.Item>
          <Descriptions.Item label="来源">
            {d.current.source === 'visit'
              ? `上门定位（探访 ${d.current.sourceVisitId}）确认`
              : '工作人员录入'}
          </Descriptions.Item>
          <Descriptions.Item label="确认">
            {d.current.setBy ?? ''} {fmt(d.current.setAt)}
          </Descriptions.Item>
          {mayEdit && (
            <Descriptions.Item label="操作">
              <Button size="small" danger onClick={() => setRemoving(true)}>
                删除坐标
              </Button>
            </Descriptions.Item>
          )}
        </Descriptions>
      ) : (
        <Alert
          type="info"
          showIcon
          message="尚未确认住址坐标：上门探访的定位不作比对（不会记为“离家过远”）。"
        />
      )}
      {d.proposal && mayEdit && (
        <Alert
          type="warning"
          showIcon
          message={`首次经本人同意的上门定位（${fmt(d.proposal.at)}）：${pt(d.proposal)}`}
          action={
            <Popconfirm
              title="以该次上门定位作为住址坐标？"
              okText="确认"
              cancelText="取消"
              onConfirm={() => save({ fromVisitId: d.proposal!.visitId })}
            >
              <Button size="small" type="primary">
                确认为住址坐标
              </Button>
            </Popconfirm>
          }
        />
      )}
      {mayEdit && (
        <Typography.Text type="secondary">
          确认、修改或删除住址坐标后，本月和上月的探访及待核查探访的位置疑点随之重新计算。
        </Typography.Text>
      )}
      {mayEdit && (
        <Form form={form} layout="inline" onFinish={(v) => save(v)}>
          <Form.Item
            name="latitude"
            label="纬度"
            rules={[
              { required: true, message: '请填写纬度' },
              { type: 'number', min: -90, max: 90, message: '纬度应在 -90 到 90 之间' },
            ]}
          >
            <InputNumber step={0.0001} style={{ width: 140 }} aria-label="纬度" />
          </Form.Item>
          <Form.Item
            name="longitude"
            label="经度"
            rules={[
              { required: true, message: '请填写经度' },
              { type: 'number', min: -180, max: 180, message: '经度应在 -180 到 180 之间' },
            ]}
          >
            <InputNumber step={0.0001} style={{ width: 140 }} aria-label="经度" />
          </Form.Item>
          <Form.Item>
            <Button htmlType="submit">录入坐标</Button>
          </Form.Item>
        </Form>
      )}
      {d.history.length > 0 && (
        <Table
          size="small"
          rowKey={(r) => `${r.setAt}-${r.latitude}`}
          pagination={false}
          dataSource={d.history}
          columns={[
            { title: '时间', render: (_, r) => fmt(r.setAt) },
            { title: '坐标', render: (_, r) => pt(r) },
            {
              title: '来源',
              render: (_, r) =>
                r.removed ? `删除${r.note ? `：${r.note}` : ''}` : r.source === 'visit' ? '上门定位' : '录入',
            },
            { title: '操作人', dataIndex: 'setBy' },
          ]}
        />
      )}
      <Modal
        open={removing}
        title="删除住址坐标？"
        okText="删除"
        okButtonProps={{ danger: true }}
        cancelText="取消"
        onOk={remove}
        onCancel={() => setRemoving(false)}
        destroyOnHidden
      >
        <Space direction="vertical" style={{ width: '100%' }}>
          <span>删除后上门定位不再与住址比对，本月和上月探访的“离家过远”疑点将撤除。</span>
          <Input
            aria-label="删除原因"
            placeholder="删除原因（选填，如：坐标有误、对象已搬家）"
            maxLength={200}
            value={removeNote}
            onChange={(e) => setRemoveNote(e.target.value)}
          />
        </Space>
      </Modal>
    </Space>
  );
}
