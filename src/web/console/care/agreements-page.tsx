import { UploadOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
  Checkbox,
  DatePicker,
  Form,
  Input,
  Modal,
  Radio,
  Select,
  Space,
  Table,
  Tabs,
  Tag,
  TreeSelect,
  Typography,
  Upload,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import * as careApi from '../../../shared/api/care';
import { type Agreement, CARE_LIMITS as L } from '../../../shared/api/care';
import { urlOf } from '../../../shared/api/contract';
import { AGREEMENT_STATUS_LABELS, AGREEMENT_STATUSES, CAREGIVER_RELATIONS } from '../../../shared/care';
import { SELF_CARE_SHORT } from '../../../shared/person';
import { AREA_LEVEL_LABELS, can } from '../../../shared/roles';
import { api, call, HttpError, hrefOf } from '../../lib/api';
import { toTreeData, useAreaTree } from '../../lib/areas';
import { useSession } from '../../lib/session';
import { EmptyState } from '../common/empty-state';
import { PrintLinks } from './print-links';
import { AgreementStatusTag, CaregiverSelect, chinaToday, PersonSelect } from './shared';

/** 照料协议: agreements with status and expiry filters, persons still needing one, and the actions. */
export function AgreementsPage() {
  const { me } = useSession();
  const canWrite = !!me && can(me.roles, 'care.write');
  const [tab, setTab] = useState('list');
  const [creating, setCreating] = useState<{ personId?: number } | null>(null);
  return (
    <div>
      <Space style={{ marginBottom: 8, justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          委托照料服务协议
        </Typography.Title>
        <Space>
          <a href="/public/pledges" target="_blank" rel="noreferrer">
            诚信承诺公示页
          </a>
          {canWrite && (
            <Button type="primary" onClick={() => setCreating({})}>
              签订协议
            </Button>
          )}
        </Space>
      </Space>
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          { key: 'list', label: '协议列表', children: <AgreementList canWrite={canWrite} /> },
          {
            key: 'needing',
            label: '待签协议对象',
            children: <NeedingList onSign={canWrite ? (personId) => setCreating({ personId }) : undefined} />,
          },
        ]}
      />
      {creating && <AgreementForm personId={creating.personId} onClose={() => setCreating(null)} />}
    </div>
  );
}

function AgreementList({ canWrite }: { canWrite: boolean }) {
  const areas = useAreaTree();
  const [areaId, setAreaId] = useState<number>();
  const [status, setStatus] = useState<string>();
  const [expiring, setExpiring] = useState<number>();
  const [q, setQ] = useState('');
  const [terminating, setTerminating] = useState<Agreement | null>(null);
  const [pledge, setPledge] = useState<Agreement | null>(null);
  const query = {
    limit: 200,
    areaId,
    status: status as Agreement['status'] | undefined,
    expiringWithinDays: expiring,
    q,
  };
  const list = useQuery({
    queryKey: ['care-agreements', query],
    queryFn: () => call(careApi.listAgreements, { query }),
  });
  const today = chinaToday();
  return (
    <>
      <Space style={{ marginBottom: 12 }} wrap>
        <TreeSelect
          allowClear
          aria-label="辖区"
          placeholder="辖区"
          style={{ width: 200 }}
          treeData={toTreeData(areas.data ?? [])}
          value={areaId}
          onChange={setAreaId}
        />
        <Select
          allowClear
          aria-label="状态"
          placeholder="状态"
          style={{ width: 120 }}
          value={status}
          onChange={setStatus}
          options={AGREEMENT_STATUSES.map((s) => ({ value: s, label: AGREEMENT_STATUS_LABELS[s] }))}
        />
        <Select
          allowClear
          aria-label="到期时间"
          placeholder="到期时间"
          style={{ width: 150 }}
          value={expiring}
          onChange={setExpiring}
          data-testid="expiry-filter"
          options={[
            { value: 30, label: '30 天内到期' },
            { value: 60, label: '60 天内到期' },
            { value: 90, label: '90 天内到期' },
          ]}
        />
        <Input.Search placeholder="对象或照料服务人姓名" allowClear onSearch={setQ} style={{ width: 220 }} />
      </Space>
      <Table<Agreement>
        locale={{
          emptyText: (
            <EmptyState
              title="还没有照料协议"
              hint="半失能、失能对象需签订委托照料协议。点击“签订协议”，选择对象和照料服务人即可。"
            />
          ),
        }}
        rowKey="id"
        size="middle"
        loading={list.isLoading}
        dataSource={list.data?.items}
        pagination={{ pageSize: 20 }}
        expandable={{
          expandedRowRender: (a) => (
            <Space direction="vertical" size={2}>
              <span>甲方：{a.partyName}</span>
              <span>照料内容：{a.content}</span>
              <span>照料频次：{a.frequency}</span>
              {a.terminationReason && (
                <span>
                  解除原因：{a.terminationReason}（{a.terminatedOn}）
                </span>
              )}
              <span>
                扫描件：
                {a.scans.length === 0
                  ? '未上传'
                  : a.scans.map((s) => (
                      <a
                        key={s.id}
                        href={hrefOf(careApi.getScan, { params: { id: a.id, fileId: s.id } })}
                        target="_blank"
                        rel="noreferrer"
                        style={{ marginRight: 8 }}
                      >
                        {s.kind === 'agreement' ? '协议' : '承诺书'}·{s.filename}
                      </a>
                    ))}
              </span>
            </Space>
          ),
        }}
        columns={[
          { title: '特困人员', dataIndex: 'personName' },
          { title: AREA_LEVEL_LABELS.village, dataIndex: 'villageName' },
          { title: '照料服务人', render: (_, a) => `${a.caregiverName}（${a.relation}）` },
          { title: '自理', render: (_, a) => SELF_CARE_SHORT[a.selfCare] },
          { title: '月护理费', render: (_, a) => `${a.monthlyFee.toFixed(2)}` },
          { title: '期限', render: (_, a) => `${a.startDate} 至 ${a.endDate}` },
          { title: '状态', render: (_, a) => <AgreementStatusTag a={a} today={today} /> },
          {
            title: '承诺书公示',
            render: (_, a) =>
              a.pledgeNoticeTo ? (
                a.pledgeNoticeTo >= today && (a.pledgeNoticeFrom ?? '') <= today ? (
                  <Tag color="blue">公示中至 {a.pledgeNoticeTo}</Tag>
                ) : (
                  <Typography.Text type="secondary">{a.pledgeNoticeTo} 止</Typography.Text>
                )
              ) : canWrite ? (
                <a onClick={() => setPledge(a)}>登记签订</a>
              ) : (
                '未签'
              ),
          },
          {
            title: '操作',
            render: (_, a) => (
              <Space size={4} wrap>
                <PrintLinks agreementId={a.id} />
                {canWrite && <ScanUpload agreement={a} />}
                {canWrite && a.status === 'active' && (
                  <a style={{ color: '#cf1322' }} onClick={() => setTerminating(a)}>
                    解除
                  </a>
                )}
              </Space>
            ),
          },
        ]}
      />
      {terminating && <TerminateForm agreement={terminating} onClose={() => setTerminating(null)} />}
      {pledge && <PledgeForm agreement={pledge} onClose={() => setPledge(null)} />}
    </>
  );
}

function ScanUpload({ agreement }: { agreement: Agreement }) {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [kind, setKind] = useState<'agreement' | 'pledge'>('agreement');
  const [open, setOpen] = useState(false);
  return (
    <>
      <a onClick={() => setOpen(true)}>上传扫描件</a>
      {open && (
        <Modal open title="上传已签扫描件" footer={null} onCancel={() => setOpen(false)}>
          <Space direction="vertical">
            <Radio.Group
              value={kind}
              onChange={(e) => setKind(e.target.value)}
              options={[
                { value: 'agreement', label: '照料协议' },
                { value: 'pledge', label: '诚信承诺书' },
              ]}
            />
            <Upload
              accept=".pdf,.jpg,.jpeg,.png"
              showUploadList={false}
              customRequest={async ({ file }) => {
                const fd = new FormData();
                fd.append('kind', kind);
                fd.append('file', file as Blob);
                try {
                  // A multipart upload: the contract gives the URL, the body is the form.
                  await api(urlOf(careApi.uploadScan, { params: { id: agreement.id } }), {
                    method: careApi.uploadScan.method,
                    body: fd,
                  });
                  message.success('已上传');
                  qc.invalidateQueries({ queryKey: ['care-agreements'] });
                  setOpen(false);
                } catch (e) {
                  message.error((e as Error).message);
                }
              }}
            >
              <Button icon={<UploadOutlined />}>
                选择 PDF / JPG / PNG 文件（{L.scanBytes / 1024 / 1024} MB 以内）
              </Button>
            </Upload>
          </Space>
        </Modal>
      )}
    </>
  );
}

function NeedingList({ onSign }: { onSign?: (personId: number) => void }) {
  const list = useQuery({
    queryKey: ['care-needing'],
    queryFn: () => call(careApi.listNeedingAgreement),
  });
  return (
    <Table
      rowKey="personId"
      size="middle"
      loading={list.isLoading}
      dataSource={list.data?.items}
      pagination={{ pageSize: 20 }}
      columns={[
        { title: '特困人员', dataIndex: 'name' },
        { title: AREA_LEVEL_LABELS.town, dataIndex: 'townName' },
        { title: AREA_LEVEL_LABELS.village, dataIndex: 'villageName' },
        { title: '自理能力', render: (_, p) => <Tag color="orange">{SELF_CARE_SHORT[p.selfCare]}</Tag> },
        { title: '上一份协议截止', render: (_, p) => p.lastAgreementEnd ?? '从未签订' },
        ...(onSign
          ? [
              {
                title: '操作',
                render: (_: unknown, p: { personId: number }) => (
                  <a onClick={() => onSign(p.personId)}>签订协议</a>
                ),
              },
            ]
          : []),
      ]}
    />
  );
}

function useSubmit(form: ReturnType<typeof Form.useForm>[0], onDone: () => void) {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [saving, setSaving] = useState(false);
  const run = async (fn: () => Promise<unknown>, ok: string) => {
    setSaving(true);
    try {
      await fn();
      message.success(ok);
      for (const k of ['care-agreements', 'care-needing', 'care-replacements', 'caregivers']) {
        qc.invalidateQueries({ queryKey: [k] });
      }
      onDone();
    } catch (e) {
      if (e instanceof HttpError && e.body.field) {
        const name = e.body.field.replace(/^body\./, '');
        if (form.getFieldInstance(name)) form.setFields([{ name, errors: [e.message] }]);
        else message.error(e.message);
      } else message.error((e as Error).message);
    } finally {
      setSaving(false);
    }
  };
  return { saving, run };
}

const fmt = (d?: dayjs.Dayjs | null) => (d ? d.format('YYYY-MM-DD') : undefined);

function AgreementForm({ personId, onClose }: { personId?: number; onClose: () => void }) {
  const [form] = Form.useForm();
  const { saving, run } = useSubmit(form, onClose);
  const submit = async () => {
    const v = await form.validateFields();
    await run(
      () =>
        call(careApi.createAgreement, {
          body: {
            personId: v.personId,
            caregiverId: v.caregiverId,
            relation: v.relation,
            partyLevel: v.partyLevel,
            content: v.content,
            frequency: v.frequency,
            startDate: fmt(v.term[0])!,
            endDate: fmt(v.term[1])!,
            signedOn: fmt(v.signedOn),
            pledgeSignedOn: fmt(v.pledgeSignedOn) ?? null,
          },
        }),
      '协议已签订',
    );
  };
  return (
    <Modal
      open
      width={640}
      title="签订委托照料服务协议"
      onOk={submit}
      onCancel={onClose}
      confirmLoading={saving}
      okText="保存"
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          personId,
          partyLevel: 'town',
          term: [dayjs(), dayjs().add(1, 'year').subtract(1, 'day')],
          signedOn: dayjs(),
          content: '生活照料（做饭、洗衣、打扫卫生）、精神慰藉、安全监护、协助就医',
          frequency: '每日至少上门一次',
        }}
      >
        <Form.Item
          name="personId"
          label="特困人员（乙方）"
          rules={[{ required: true, message: '请选择特困人员' }]}
        >
          <PersonSelect />
        </Form.Item>
        <Space.Compact block>
          <Form.Item
            name="caregiverId"
            label="照料服务人（丙方）"
            style={{ flex: 1 }}
            rules={[{ required: true, message: '请选择照料服务人（未登记的请先在“照料服务人”页登记）' }]}
          >
            <CaregiverSelect />
          </Form.Item>
          <Form.Item
            name="relation"
            label="与乙方关系"
            style={{ width: 160 }}
            rules={[{ required: true, message: '请填写关系' }]}
          >
            <Select options={CAREGIVER_RELATIONS.map((r) => ({ value: r, label: r }))} />
          </Form.Item>
        </Space.Compact>
        <Form.Item name="partyLevel" label="甲方">
          <Radio.Group
            options={[
              { value: 'town', label: '镇人民政府（街道办事处）' },
              { value: 'village', label: '村（居）民委员会' },
            ]}
          />
        </Form.Item>
        <Form.Item
          name="content"
          label="照料服务内容"
          rules={[{ required: true, message: '请填写照料内容' }]}
        >
          <Input.TextArea rows={2} maxLength={L.content} />
        </Form.Item>
        <Form.Item name="frequency" label="照料频次" rules={[{ required: true, message: '请填写频次' }]}>
          <Input maxLength={L.frequency} />
        </Form.Item>
        <Form.Item name="term" label="协议期限" rules={[{ required: true, message: '请选择期限' }]}>
          <DatePicker.RangePicker />
        </Form.Item>
        <Space>
          <Form.Item name="signedOn" label="签订日期">
            <DatePicker />
          </Form.Item>
          <Form.Item name="pledgeSignedOn" label="诚信承诺书签订日期（开始公示）">
            <DatePicker />
          </Form.Item>
        </Space>
        <Typography.Text type="secondary">月护理费按乙方自理能力取本辖区标准自动计算。</Typography.Text>
      </Form>
    </Modal>
  );
}

function TerminateForm({ agreement, onClose }: { agreement: Agreement; onClose: () => void }) {
  const [form] = Form.useForm();
  const { modal } = App.useApp();
  const { saving, run } = useSubmit(form, onClose);
  const submit = async () => {
    const v = await form.validateFields();
    const ok = await modal.confirm({
      title: `解除 ${agreement.personName} 与 ${agreement.caregiverName} 的照料协议？`,
      content: `协议自 ${fmt(v.terminatedOn)} 起不再生效，不能撤回${v.startReplacement ? '；同时启动更换照料服务人' : ''}${v.legalReferral ? '；并移交追究法律责任' : ''}。`,
      okText: '确认解除',
      okButtonProps: { danger: true },
      cancelText: '取消',
    });
    if (!ok) return;
    await run(
      () =>
        call(careApi.terminateAgreement, {
          params: { id: agreement.id },
          body: {
            version: agreement.version,
            reason: v.reason,
            terminatedOn: fmt(v.terminatedOn),
            startReplacement: !!v.startReplacement,
            legalReferral: !!v.legalReferral,
          },
        }),
      '协议已解除',
    );
  };
  return (
    <Modal
      open
      title={`解除协议：${agreement.personName} / ${agreement.caregiverName}`}
      onOk={submit}
      onCancel={onClose}
      confirmLoading={saving}
      okText="解除"
      okButtonProps={{ danger: true }}
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{ terminatedOn: dayjs(), startReplacement: !agreement.replacementId }}
      >
        <Form.Item name="reason" label="解除原因" rules={[{ required: true, message: '请填写解除原因' }]}>
          <Input.TextArea rows={2} maxLength={L.terminationReason} />
        </Form.Item>
        <Form.Item name="terminatedOn" label="解除日期">
          <DatePicker />
        </Form.Item>
        <Form.Item name="startReplacement" valuePropName="checked">
          <Checkbox>同时启动更换照料服务人</Checkbox>
        </Form.Item>
        <Form.Item name="legalReferral" valuePropName="checked">
          <Checkbox>情节严重，移交追究法律责任</Checkbox>
        </Form.Item>
      </Form>
    </Modal>
  );
}

function PledgeForm({ agreement, onClose }: { agreement: Agreement; onClose: () => void }) {
  const [form] = Form.useForm();
  const { saving, run } = useSubmit(form, onClose);
  const submit = async () => {
    const v = await form.validateFields();
    await run(
      () =>
        call(careApi.recordPledge, {
          params: { id: agreement.id },
          body: { version: agreement.version, signedOn: fmt(v.signedOn)! },
        }),
      '已登记，开始公示',
    );
  };
  return (
    <Modal
      open
      title={`登记诚信承诺书：${agreement.caregiverName}`}
      onOk={submit}
      onCancel={onClose}
      confirmLoading={saving}
    >
      <Form form={form} layout="vertical" initialValues={{ signedOn: dayjs() }}>
        <Form.Item name="signedOn" label="签订日期" rules={[{ required: true, message: '请选择日期' }]}>
          <DatePicker />
        </Form.Item>
      </Form>
    </Modal>
  );
}
