import { CopyOutlined, PlusOutlined, UploadOutlined, WarningOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Checkbox,
  Form,
  Input,
  InputNumber,
  Modal,
  Select,
  Space,
  Table,
  Tabs,
  Tag,
  TreeSelect,
  Typography,
  Upload,
} from 'antd';
import { useState } from 'react';
import { urlOf } from '../../../shared/api/contract';
import type { ServiceAccount, SignalImportResult } from '../../../shared/api/signals';
import * as signalsApi from '../../../shared/api/signals';
import { INCIDENT_TYPE_LABELS, INCIDENT_TYPES } from '../../../shared/incidents';
import { TIER_LABELS } from '../../../shared/person';
import {
  REPLAY_WINDOW_SECONDS,
  SERVICE_PERMISSION_LABELS,
  SERVICE_PERMISSIONS,
  SIGNAL_ACTION_LABELS,
  SIGNAL_STATUS_LABELS,
  SIGNAL_TYPE_LABELS,
  type SignalRule,
  type SignalStatus,
  type SignalType,
} from '../../../shared/signals';
import { api, call } from '../../lib/api';
import { toTreeData, useAreaTree } from '../../lib/areas';
import { EmptyState } from '../common/empty-state';

const STATE_TAGS = {
  active: <Tag color="success">有效</Tag>,
  expired: <Tag>已过期</Tag>,
  revoked: <Tag color="error">已吊销</Tag>,
};
const fmt = (iso: string | null) =>
  iso ? new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) : '从未使用';

function CopyField(props: { label: string; value: string }) {
  const { message } = App.useApp();
  return (
    <Form.Item label={props.label}>
      <Space.Compact style={{ width: '100%' }}>
        <Input readOnly value={props.value} aria-label={props.label} />
        <Button
          icon={<CopyOutlined />}
          onClick={() =>
            navigator.clipboard
              .writeText(props.value)
              .then(() => message.success(`已复制${props.label}`))
              .catch(() => message.error('复制失败，请手动选择复制'))
          }
        >
          复制
        </Button>
      </Space.Compact>
    </Form.Item>
  );
}

/** A department's .xlsx/.csv of signals, recorded under its service account (same rules as the API). */
function ImportDialog({ account, onClose }: { account: ServiceAccount; onClose: () => void }) {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<SignalImportResult | null>(null);
  const [busy, setBusy] = useState(false);
  const send = async () => {
    if (!file) return;
    const fd = new FormData();
    fd.append('file', file);
    setBusy(true);
    try {
      const r = await api<SignalImportResult>(
        urlOf(signalsApi.importSignals, { query: { accountId: account.id } }),
        {
          method: signalsApi.importSignals.method,
          body: fd,
        },
      );
      setResult(r);
      qc.invalidateQueries({ queryKey: ['signals'] });
      message.success(`已上传：${r.rows} 行`);
    } catch (e) {
      message.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      width={720}
      title={`上传预警文件：${account.name}`}
      onCancel={onClose}
      footer={
        <Space>
          <Button onClick={onClose}>关闭</Button>
          <Button type="primary" disabled={!file || !!result} loading={busy} onClick={send}>
            上传
          </Button>
        </Space>
      }
    >
      <Upload
        accept=".xlsx,.csv"
        maxCount={1}
        beforeUpload={(f) => {
          setFile(f);
          setResult(null);
          return false;
        }}
        onRemove={() => setFile(null)}
      >
        <Button icon={<UploadOutlined />}>选择文件（.xlsx 或 .csv）</Button>
      </Upload>
      <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
        须有“预警类型”列（可写中文名称，如“出院”）；可选：幂等键、发生时间、身份证号码、来源、说明、区域代码、预警种类、预警编号、截止日期。
        同一文件重复上传不会重复记录。最多 5000 行。
      </Typography.Paragraph>
      {result && (
        <>
          <Alert
            type={result.rejectedCount ? 'warning' : 'success'}
            showIcon
            message={`共 ${result.rows} 行：${Object.entries(result.counts)
              .map(([k, n]) => `${SIGNAL_STATUS_LABELS[k as SignalStatus] ?? k} ${n}`)
              .join('，')}${result.rejectedCount ? `；未通过 ${result.rejectedCount}` : ''}`}
          />
          {result.rejected.length > 0 && (
            <Table
              style={{ marginTop: 8 }}
              size="small"
              rowKey={(r) => `${r.row}-${r.column}`}
              dataSource={result.rejected}
              pagination={false}
              columns={[
                { title: '行', dataIndex: 'row', width: 60 },
                { title: '列', dataIndex: 'column', width: 120 },
                { title: '原因', dataIndex: 'message' },
              ]}
            />
          )}
        </>
      )}
    </Modal>
  );
}

function AccountsTab() {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const areas = useAreaTree();
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm();
  const [issued, setIssued] = useState<{ token: string; secret: string; name: string } | null>(null);
  const [revoking, setRevoking] = useState<ServiceAccount | null>(null);
  const [importing, setImporting] = useState<ServiceAccount | null>(null);
  const [revokeForm] = Form.useForm();
  const list = useQuery({
    queryKey: ['service-accounts'],
    queryFn: () => call(signalsApi.listServiceAccounts),
  });
  const create = useMutation({
    mutationFn: (v: signalsApi.ServiceAccountBody) => call(signalsApi.createServiceAccount, { body: v }),
    onSuccess: (r) => {
      setCreating(false);
      form.resetFields();
      setIssued({ token: r.token, secret: r.secret, name: r.account.name });
      qc.invalidateQueries({ queryKey: ['service-accounts'] });
    },
    onError: (e: Error) => message.error(e.message),
  });
  const revoke = useMutation({
    mutationFn: (v: { reason: string }) =>
      call(signalsApi.revokeServiceAccount, { params: { id: revoking!.id }, body: { reason: v.reason } }),
    onSuccess: (a) => {
      message.success(`已吊销「${a.name}」`);
      setRevoking(null);
      revokeForm.resetFields();
      qc.invalidateQueries({ queryKey: ['service-accounts'] });
    },
    onError: (e: Error) => message.error(e.message),
  });
  return (
    <>
      <Button
        type="primary"
        icon={<PlusOutlined />}
        style={{ marginBottom: 8 }}
        onClick={() => setCreating(true)}
      >
        新建服务账号
      </Button>
      <Table<ServiceAccount>
        rowKey="id"
        size="small"
        scroll={{ x: 800 }}
        loading={list.isLoading}
        dataSource={list.data?.items}
        pagination={false}
        locale={{
          emptyText: (
            <EmptyState
              title="还没有服务账号"
              hint="为每个对接的外部系统（供水公司、动态监测平台、卫健委、公安、气象局）各建一个服务账号，限定辖区与权限。"
            />
          ),
        }}
        columns={[
          { title: '名称', dataIndex: 'name' },
          { title: '辖区', render: (_, a) => a.area.name },
          {
            title: '权限',
            render: (_, a) => a.permissions.map((p) => <Tag key={p}>{SERVICE_PERMISSION_LABELS[p]}</Tag>),
          },
          { title: '令牌', dataIndex: 'tokenHint' },
          { title: '状态', render: (_, a) => STATE_TAGS[a.state] },
          { title: '有效期至', render: (_, a) => fmt(a.expiresAt) },
          { title: '最近使用', render: (_, a) => fmt(a.lastUsedAt) },
          {
            title: '操作',
            render: (_, a) =>
              a.state === 'revoked' ? (
                <Typography.Text type="secondary">{a.revokeReason}</Typography.Text>
              ) : (
                <Space>
                  {a.state === 'active' && (
                    <Button size="small" onClick={() => setImporting(a)}>
                      上传文件
                    </Button>
                  )}
                  <Button size="small" danger onClick={() => setRevoking(a)}>
                    吊销
                  </Button>
                </Space>
              ),
          },
        ]}
      />
      {importing && <ImportDialog account={importing} onClose={() => setImporting(null)} />}
      <Modal
        title="新建服务账号"
        open={creating}
        onCancel={() => setCreating(false)}
        onOk={() => form.submit()}
        confirmLoading={create.isPending}
      >
        <Form
          form={form}
          layout="vertical"
          initialValues={{ permissions: ['signals.submit'], expiresInDays: 365 }}
          onFinish={(v) => create.mutate(v)}
        >
          <Form.Item
            name="name"
            label="名称"
            rules={[{ required: true, whitespace: true, message: '请填写名称' }]}
          >
            <Input maxLength={60} placeholder="如：区卫健委住院出院推送" />
          </Form.Item>
          <Form.Item
            name="areaId"
            label="辖区（只能报送本辖区内对象或区域的预警）"
            rules={[{ required: true, message: '请选择辖区' }]}
          >
            <TreeSelect treeData={toTreeData(areas.data ?? [])} treeDefaultExpandAll aria-label="辖区" />
          </Form.Item>
          <Form.Item
            name="permissions"
            label="权限"
            rules={[{ required: true, message: '至少选择一项权限' }]}
          >
            <Checkbox.Group
              options={SERVICE_PERMISSIONS.map((p) => ({ value: p, label: SERVICE_PERMISSION_LABELS[p] }))}
            />
          </Form.Item>
          <Form.Item
            name="expiresInDays"
            label="有效天数"
            rules={[{ required: true, message: '请填写有效天数' }]}
          >
            <InputNumber min={1} max={730} addonAfter="天" />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        title={`服务账号「${issued?.name ?? ''}」已创建`}
        open={!!issued}
        closable={false}
        maskClosable={false}
        destroyOnHidden
        footer={
          <Button type="primary" onClick={() => setIssued(null)}>
            我已妥善保存
          </Button>
        }
      >
        <Alert
          type="warning"
          showIcon
          icon={<WarningOutlined />}
          message="令牌和签名密钥只显示这一次"
          description="关闭后无法再次查看，请立即复制并通过安全渠道交给对接系统的管理员。遗失后只能吊销并新建账号。"
          style={{ marginBottom: 12 }}
        />
        {issued && (
          <Form layout="vertical">
            <CopyField label="令牌" value={issued.token} />
            <CopyField label="签名密钥" value={issued.secret} />
          </Form>
        )}
        <Typography.Paragraph type="secondary">
          调用方式：POST /api/signals，请求头 Authorization: Bearer 令牌；X-Tanfang-Timestamp：Unix 秒；
          X-Tanfang-Signature：sha256=HMAC-SHA256(签名密钥, 时间戳 + "." + 请求体)。时间戳须在服务器时间前后{' '}
          {REPLAY_WINDOW_SECONDS / 60} 分钟内。部门系统也可把 .xlsx 或 .csv 文件本身作为请求体 POST
          /api/signals/file（签名覆盖文件字节，同一文件只记一次）。详见接口文档 /api/docs。
        </Typography.Paragraph>
      </Modal>
      <Modal
        title={`吊销服务账号：${revoking?.name ?? ''}`}
        open={!!revoking}
        onCancel={() => setRevoking(null)}
        onOk={() => revokeForm.submit()}
        okText="吊销"
        okButtonProps={{ danger: true }}
        confirmLoading={revoke.isPending}
        destroyOnHidden
      >
        <Typography.Paragraph>
          吊销后该账号的令牌立即失效，对接系统将无法再报送预警；此操作不可恢复。
        </Typography.Paragraph>
        <Form form={revokeForm} layout="vertical" onFinish={(v) => revoke.mutate(v)}>
          <Form.Item
            name="reason"
            label="吊销原因"
            rules={[{ required: true, whitespace: true, message: '请填写吊销原因' }]}
          >
            <Input maxLength={200} placeholder="如：令牌可能泄露" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

const hoursText = (r: SignalRule) => (r.hours % 24 === 0 ? `${r.hours / 24} 天` : `${r.hours} 小时`);

function RulesTab() {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const areas = useAreaTree();
  const [areaId, setAreaId] = useState<number | undefined>();
  const [editing, setEditing] = useState<{ type: SignalType; rule: SignalRule } | null>(null);
  const [form] = Form.useForm();
  const rules = useQuery({
    queryKey: ['signal-rules', areaId],
    queryFn: () => call(signalsApi.getSignalRules, { query: { areaId } }),
  });
  const save = useMutation({
    mutationFn: (rule: SignalRule | null) =>
      call(signalsApi.putSignalRule, {
        body: { areaId: (areaId ?? rules.data?.areaId)!, type: editing!.type, rule },
      }),
    onSuccess: () => {
      message.success('规则已保存');
      setEditing(null);
      qc.invalidateQueries({ queryKey: ['signal-rules'] });
    },
    onError: (e: Error) => message.error(e.message),
  });
  const weather = editing?.type === 'weather_warning';
  return (
    <>
      <Space wrap style={{ marginBottom: 8 }}>
        <span>辖区</span>
        <TreeSelect
          style={{ minWidth: 220 }}
          aria-label="辖区"
          placeholder="本人所在辖区"
          allowClear
          value={areaId}
          onChange={setAreaId}
          treeData={toTreeData(areas.data ?? [])}
          treeDefaultExpandAll
        />
      </Space>
      <Table
        rowKey="type"
        size="small"
        scroll={{ x: 700 }}
        loading={rules.isLoading}
        dataSource={rules.data?.rules}
        pagination={false}
        columns={[
          { title: '预警类型', render: (_, r) => SIGNAL_TYPE_LABELS[r.type] },
          { title: '处置', render: (_, r) => SIGNAL_ACTION_LABELS[r.rule.action] },
          { title: '时限', render: (_, r) => hoursText(r.rule) },
          {
            title: '同时发起应急事件',
            render: (_, r) => (r.rule.incidentType ? INCIDENT_TYPE_LABELS[r.rule.incidentType] : '否'),
          },
          {
            title: '重复合并窗口',
            render: (_, r) => (r.rule.mergeHours ? `${r.rule.mergeHours} 小时` : '—'),
          },
          {
            title: '来源',
            render: (_, r) =>
              r.source === 'default'
                ? '系统默认'
                : r.source === (areaId ?? rules.data?.areaId)
                  ? '本级设置'
                  : '上级继承',
          },
          {
            title: '操作',
            render: (_, r) => (
              <Button
                size="small"
                disabled={rules.data?.areaId == null && areaId == null}
                onClick={() => {
                  setEditing({ type: r.type, rule: r.rule });
                  form.setFieldsValue({ ...r.rule, tiers: r.rule.selection?.tiers ?? [] });
                }}
              >
                修改
              </Button>
            ),
          },
        ]}
      />
      <Modal
        title={`处置规则：${editing ? SIGNAL_TYPE_LABELS[editing.type] : ''}`}
        open={!!editing}
        onCancel={() => setEditing(null)}
        onOk={() => form.submit()}
        confirmLoading={save.isPending}
        destroyOnHidden
        footer={(_, { OkBtn, CancelBtn }) => (
          <>
            <Button onClick={() => save.mutate(null)}>恢复继承</Button>
            <CancelBtn />
            <OkBtn />
          </>
        )}
      >
        <Form
          form={form}
          layout="vertical"
          onFinish={(v) =>
            save.mutate({
              action: v.action,
              hours: v.hours,
              incidentType: weather ? null : (v.incidentType ?? null),
              mergeHours: v.mergeHours ?? 0,
              selection: weather ? { tiers: v.tiers?.length ? v.tiers : undefined } : null,
            })
          }
        >
          <Form.Item name="action" label="处置" rules={[{ required: true, message: '请选择处置方式' }]}>
            <Select
              options={(weather
                ? (['campaign', 'none'] as const)
                : (['verify', 'follow_up', 'none'] as const)
              ).map((a) => ({ value: a, label: SIGNAL_ACTION_LABELS[a] }))}
            />
          </Form.Item>
          <Form.Item
            name="hours"
            label={weather ? '专项探访时限（小时，预警未给截止日期时）' : '任务时限（小时）'}
            rules={[{ required: true, message: '请填写时限' }]}
          >
            <InputNumber min={1} max={720} addonAfter="小时" />
          </Form.Item>
          {!weather && (
            <>
              <Form.Item name="incidentType" label="同时发起应急事件">
                <Select
                  allowClear
                  placeholder="不发起"
                  options={INCIDENT_TYPES.map((t) => ({ value: t, label: INCIDENT_TYPE_LABELS[t] }))}
                />
              </Form.Item>
              <Form.Item name="mergeHours" label="重复合并窗口（小时，0 为不合并）">
                <InputNumber min={0} max={720} addonAfter="小时" />
              </Form.Item>
            </>
          )}
          {weather && (
            <Form.Item name="tiers" label="探访对象（不选为全部在册对象）">
              <Select
                mode="multiple"
                options={Object.entries(TIER_LABELS).map(([value, label]) => ({ value, label }))}
              />
            </Form.Item>
          )}
        </Form>
      </Modal>
    </>
  );
}

/** 预警接入与规则: service accounts (machine clients) and what each signal type opens, per area. */
export function SignalSettingsPage() {
  return (
    <div>
      <Typography.Title level={4}>预警接入与规则</Typography.Title>
      <Tabs
        items={[
          { key: 'accounts', label: '服务账号', children: <AccountsTab /> },
          { key: 'rules', label: '处置规则', children: <RulesTab /> },
        ]}
      />
    </div>
  );
}
