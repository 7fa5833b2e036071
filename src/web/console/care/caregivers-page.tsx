import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
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
  TreeSelect,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import * as careApi from '../../../shared/api/care';
import { type Agreement, type Caregiver, CARE_LIMITS as L } from '../../../shared/api/care';
import { CAREGIVER_RELATIONS } from '../../../shared/care';
import { can } from '../../../shared/roles';
import { call, HttpError } from '../../lib/api';
import { toTreeData, useAreaTree } from '../../lib/areas';
import { useSession } from '../../lib/session';
import { EmptyState } from '../common/empty-state';
import { CaregiverRecognitions } from '../outreach/recognitions';
import { PrintLinks } from './print-links';
import { AgreementStatusTag, chinaToday, PersonSelect } from './shared';

/** 照料服务人: list, registration, and the caregiver page (a drawer, addressable as ?id=). */
export function CaregiversPage() {
  const { me } = useSession();
  const [params, setParams] = useSearchParams();
  const [q, setQ] = useState('');
  const [areaId, setAreaId] = useState<number>();
  const [creating, setCreating] = useState(false);
  const areas = useAreaTree();
  const list = useQuery({
    queryKey: ['caregivers', q, areaId],
    queryFn: () => call(careApi.listCaregivers, { query: { limit: 200, q, areaId } }),
  });
  const openId = Number(params.get('id')) || null;
  const canWrite = !!me && can(me.roles, 'care.write');
  return (
    <div>
      <Space style={{ marginBottom: 16, justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          照料服务人
        </Typography.Title>
        <Space>
          <TreeSelect
            allowClear
            aria-label="辖区"
            placeholder="辖区"
            style={{ width: 200 }}
            treeData={toTreeData(areas.data ?? [])}
            value={areaId}
            onChange={setAreaId}
          />
          <Input.Search placeholder="姓名" allowClear onSearch={setQ} style={{ width: 180 }} />
          {canWrite && (
            <Button type="primary" onClick={() => setCreating(true)}>
              登记照料服务人
            </Button>
          )}
        </Space>
      </Space>
      <Table<Caregiver>
        locale={{
          emptyText: (
            <EmptyState
              title="还没有照料服务人"
              hint="照料服务人是受委托照料对象的亲属、邻居或机构人员。先点击“登记照料服务人”，再签订照料协议。"
            />
          ),
        }}
        rowKey="id"
        size="middle"
        loading={list.isLoading}
        dataSource={list.data?.items}
        pagination={{ pageSize: 20 }}
        columns={[
          {
            title: '姓名',
            render: (_, c) => <a onClick={() => setParams({ id: String(c.id) })}>{c.name}</a>,
          },
          { title: '身份证号', dataIndex: 'idNumberMasked' },
          { title: '电话', dataIndex: 'phoneMasked' },
          { title: '所属辖区', dataIndex: 'areaName' },
          {
            title: '照料对象（关系）',
            render: (_, c) =>
              c.persons.length ? (
                c.persons.map((p) => (
                  <Tag key={p.personId}>
                    {p.personName}（{p.relation}）
                  </Tag>
                ))
              ) : (
                <Typography.Text type="secondary">暂无</Typography.Text>
              ),
          },
        ]}
      />
      {creating && <CaregiverForm onClose={() => setCreating(false)} />}
      {openId && <CaregiverDrawer id={openId} onClose={() => setParams({})} canWrite={canWrite} />}
    </div>
  );
}

/** What the caregiver form's inputs hold; the request is built from them field by field. */
interface CaregiverValues {
  name: string;
  idNumber: string;
  phone?: string | null;
  address?: string | null;
  areaId: number;
  personId?: number;
  relation?: string;
}

function CaregiverForm({ onClose }: { onClose: () => void }) {
  const [form] = Form.useForm<CaregiverValues>();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const areas = useAreaTree();
  const [saving, setSaving] = useState(false);
  const personId = Form.useWatch('personId', form);
  const submit = async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      await call(careApi.createCaregiver, {
        body: {
          name: v.name,
          idNumber: v.idNumber,
          phone: v.phone,
          address: v.address,
          areaId: v.areaId,
          personId: v.personId,
          relation: v.relation,
        },
      });
      message.success('已登记');
      qc.invalidateQueries({ queryKey: ['caregivers'] });
      onClose();
    } catch (e) {
      if (e instanceof HttpError && e.body.field) {
        const name = e.body.field.replace(/^body\./, '') as keyof CaregiverValues;
        form.setFields([{ name, errors: [e.message] }]);
      } else message.error((e as Error).message);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open title="登记照料服务人" onOk={submit} onCancel={onClose} confirmLoading={saving} okText="保存">
      <Form form={form} layout="vertical">
        <Form.Item name="name" label="姓名" rules={[{ required: true, message: '请输入姓名' }]}>
          <Input maxLength={L.caregiverName} />
        </Form.Item>
        <Form.Item
          name="idNumber"
          label="身份证号码"
          rules={[{ required: true, message: '请输入身份证号码' }]}
        >
          <Input maxLength={18} />
        </Form.Item>
        <Form.Item name="phone" label="联系电话">
          <Input maxLength={L.phone} />
        </Form.Item>
        <Form.Item name="address" label="住址">
          <Input maxLength={L.address} />
        </Form.Item>
        <Form.Item name="areaId" label="所属镇街/村居" rules={[{ required: true, message: '请选择辖区' }]}>
          <TreeSelect treeData={toTreeData(areas.data ?? [])} showSearch treeNodeFilterProp="title" />
        </Form.Item>
        <Form.Item name="personId" label="照料对象（可稍后在签订协议时指定）">
          <PersonSelect />
        </Form.Item>
        {personId && (
          <Form.Item
            name="relation"
            label="与照料对象关系"
            rules={[{ required: true, message: '请填写关系' }]}
          >
            <Select options={CAREGIVER_RELATIONS.map((r) => ({ value: r, label: r }))} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

function CaregiverDrawer({ id, onClose, canWrite }: { id: number; onClose: () => void; canWrite: boolean }) {
  const [reveal, setReveal] = useState(false);
  const d = useQuery({
    queryKey: ['caregiver', id, reveal],
    queryFn: () =>
      call(careApi.getCaregiver, { params: { id }, query: { reveal: reveal ? 'true' : undefined } }),
  });
  const c = d.data?.caregiver;
  const today = chinaToday();
  return (
    <Drawer open width={720} title={c ? `照料服务人：${c.name}` : '照料服务人'} onClose={onClose}>
      {c && d.data && (
        <>
          <Descriptions bordered size="small" column={2}>
            <Descriptions.Item label="姓名">{c.name}</Descriptions.Item>
            <Descriptions.Item label="所属辖区">{c.areaName}</Descriptions.Item>
            <Descriptions.Item label="身份证号">
              {d.data.revealed?.idNumber ?? c.idNumberMasked}
              {canWrite && !reveal && (
                <Button size="small" type="link" onClick={() => setReveal(true)}>
                  查看完整
                </Button>
              )}
            </Descriptions.Item>
            <Descriptions.Item label="电话">
              {d.data.revealed?.phone ?? c.phoneMasked ?? '—'}
            </Descriptions.Item>
            <Descriptions.Item label="住址" span={2}>
              {c.address ?? '—'}
            </Descriptions.Item>
          </Descriptions>
          <Typography.Title level={5} style={{ marginTop: 20 }}>
            照料协议
          </Typography.Title>
          <Table<Agreement>
            rowKey="id"
            size="small"
            pagination={false}
            dataSource={d.data.agreements}
            columns={[
              { title: '照料对象', dataIndex: 'personName' },
              { title: '期限', render: (_, a) => `${a.startDate} 至 ${a.endDate}` },
              { title: '月护理费', render: (_, a) => `${a.monthlyFee.toFixed(2)} 元` },
              { title: '状态', render: (_, a) => <AgreementStatusTag a={a} today={today} /> },
              {
                title: '文书',
                render: (_, a) => (
                  <Space>
                    <PrintLinks agreementId={a.id} short />
                  </Space>
                ),
              },
            ]}
          />
          <CaregiverRecognitions caregiverId={id} canWrite={canWrite} />
          <Typography.Title level={5} style={{ marginTop: 20 }}>
            照料历史
          </Typography.Title>
          <Timeline
            items={d.data.history.map((h) => ({
              color: h.toDate ? 'gray' : 'green',
              children: (
                <span>
                  {h.fromDate} 至 {h.toDate ?? '今'}：照料 <b>{h.personName}</b>（{h.relation}）
                  {h.endReason && <Typography.Text type="secondary">，{h.endReason}</Typography.Text>}
                </span>
              ),
            }))}
          />
        </>
      )}
    </Drawer>
  );
}
