import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App,
  Button,
  Card,
  Form,
  Input,
  InputNumber,
  Select,
  Space,
  Switch,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useEffect, useState } from 'react';
import * as incidentsApi from '../../../shared/api/incidents';
import type { OutboxItem } from '../../../shared/api/notifications';
import * as notificationsApi from '../../../shared/api/notifications';
import { INCIDENT_TYPE_LABELS, INCIDENT_TYPES, type IncidentType } from '../../../shared/incidents';
import { OUTBOX_STATUS_LABELS, OUTBOX_STATUSES, type OutboxStatus } from '../../../shared/notifications';
import { DEPARTMENT_LABELS, DEPARTMENTS, type Department } from '../../../shared/roles';
import { call } from '../../lib/api';
import { fmt } from '../incidents/shared';

const STATUS_COLORS: Record<OutboxStatus, string> = {
  queued: 'blue',
  sending: 'gold',
  sent: 'green',
  failed: 'red',
};

/** Outbound channels (SMTP, webhook) and the delivery queue; bureau_admin only. */
export function ChannelsPage() {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm();
  const [status, setStatus] = useState<OutboxStatus | undefined>();
  const cfg = useQuery({
    queryKey: ['channels'],
    queryFn: () => call(notificationsApi.getChannels),
  });
  const outbox = useQuery({
    queryKey: ['outbox', status],
    queryFn: () => call(notificationsApi.listOutbox, { query: { limit: 100, status } }),
    refetchInterval: 30000,
  });
  useEffect(() => {
    if (cfg.data) form.setFieldsValue(cfg.data);
  }, [cfg.data, form]);
  const save = async () => {
    const v = await form.validateFields();
    try {
      await call(notificationsApi.putChannels, { body: v });
      message.success('已保存');
      qc.invalidateQueries({ queryKey: ['channels'] });
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  return (
    <div>
      <Typography.Title level={4}>通知渠道</Typography.Title>
      <Form form={form} layout="vertical" style={{ maxWidth: 720 }}>
        <Card size="small" title="电子邮件（SMTP）" style={{ marginBottom: 16 }}>
          <Form.Item name={['email', 'enabled']} label="启用" valuePropName="checked">
            <Switch />
          </Form.Item>
          <Space wrap>
            <Form.Item name={['email', 'host']} label="SMTP 服务器">
              <Input style={{ width: 240 }} placeholder="smtp.example.gov.cn" />
            </Form.Item>
            <Form.Item name={['email', 'port']} label="端口">
              <InputNumber min={1} max={65535} />
            </Form.Item>
            <Form.Item name={['email', 'secure']} label="SSL（465 端口）" valuePropName="checked">
              <Switch />
            </Form.Item>
          </Space>
          <Space wrap>
            <Form.Item name={['email', 'from']} label="发件人">
              <Input style={{ width: 240 }} placeholder="探访系统 <tanfang@example.gov.cn>" />
            </Form.Item>
            <Form.Item name={['email', 'user']} label="用户名">
              <Input style={{ width: 180 }} />
            </Form.Item>
            <Form.Item
              name={['email', 'password']}
              label={`密码${cfg.data?.email.hasPassword ? '（已设置，留空不变）' : ''}`}
            >
              <Input.Password style={{ width: 200 }} autoComplete="new-password" />
            </Form.Item>
          </Space>
        </Card>
        <Card size="small" title="Webhook（对接其他系统）" style={{ marginBottom: 16 }}>
          <Form.Item name={['webhook', 'enabled']} label="启用" valuePropName="checked">
            <Switch />
          </Form.Item>
          <Form.Item name={['webhook', 'url']} label="地址（HTTP POST，JSON）">
            <Input placeholder="https://gateway.example.gov.cn/hook" />
          </Form.Item>
          <Form.Item
            name={['webhook', 'secret']}
            label={`签名密钥${cfg.data?.webhook.hasSecret ? '（已设置，留空不变）' : ''}`}
            extra="请求头 X-Tanfang-Signature: sha256=HMAC-SHA256(密钥, X-Tanfang-Timestamp + '.' + 请求体)"
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        </Card>
        <Card size="small" title="企业微信群机器人" style={{ marginBottom: 16 }}>
          <Form.Item name={['wecom', 'enabled']} label="启用" valuePropName="checked">
            <Switch />
          </Form.Item>
          <Form.Item
            name={['wecom', 'url']}
            label={`机器人地址${cfg.data?.wecom.urlHint ? `（已设置 ${cfg.data.wecom.urlHint}，留空不变）` : ''}`}
            extra="群设置 → 群机器人 → Webhook 地址；每条通知在群内只发一次（Markdown 消息）"
          >
            <Input.Password
              placeholder="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
              autoComplete="off"
            />
          </Form.Item>
        </Card>
        <Card size="small" title="钉钉群机器人" style={{ marginBottom: 16 }}>
          <Form.Item name={['dingtalk', 'enabled']} label="启用" valuePropName="checked">
            <Switch />
          </Form.Item>
          <Form.Item
            name={['dingtalk', 'url']}
            label={`机器人地址${cfg.data?.dingtalk.urlHint ? `（已设置 ${cfg.data.dingtalk.urlHint}，留空不变）` : ''}`}
          >
            <Input.Password
              placeholder="https://oapi.dingtalk.com/robot/send?access_token=…"
              autoComplete="off"
            />
          </Form.Item>
          <Form.Item
            name={['dingtalk', 'secret']}
            label={`加签密钥${cfg.data?.dingtalk.hasSecret ? '（已设置，留空不变）' : ''}`}
            extra="机器人安全设置选择“加签”时填写（SEC 开头）"
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        </Card>
        <Card size="small" title="短信网关（通用 HTTP 接口）" style={{ marginBottom: 16 }}>
          <Form.Item name={['sms', 'enabled']} label="启用" valuePropName="checked">
            <Switch />
          </Form.Item>
          <Form.Item
            name={['sms', 'url']}
            label="网关地址"
            extra='POST JSON {"id","to","text","kind"}；收件人须在“消息通知”中填写短信手机号'
          >
            <Input placeholder="https://sms-gateway.example.gov.cn/send" />
          </Form.Item>
          <Space wrap>
            <Form.Item
              name={['sms', 'token']}
              label={`访问令牌${cfg.data?.sms.hasToken ? '（已设置，留空不变）' : ''}`}
            >
              <Input.Password autoComplete="new-password" />
            </Form.Item>
            <Form.Item
              name={['sms', 'secret']}
              label={`签名密钥${cfg.data?.sms.hasSecret ? '（已设置，留空不变）' : ''}`}
            >
              <Input.Password autoComplete="new-password" />
            </Form.Item>
          </Space>
        </Card>
        <Space>
          <Form.Item name="maxAttempts" label="最多尝试次数">
            <InputNumber min={1} max={20} />
          </Form.Item>
          <Form.Item name="backoffSeconds" label="首次重试等待（秒，之后每次加倍）">
            <InputNumber min={1} max={86400} />
          </Form.Item>
        </Space>
        <div>
          <Button type="primary" onClick={save}>
            保存
          </Button>
        </div>
      </Form>
      <IncidentConfigCard />
      <Space style={{ margin: '24px 0 12px', justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={5} style={{ margin: 0 }}>
          发送队列
          {outbox.data &&
            OUTBOX_STATUSES.filter((s) => outbox.data.counts[s]).map((s) => (
              <Tag key={s} color={STATUS_COLORS[s]} style={{ marginLeft: 8 }}>
                {OUTBOX_STATUS_LABELS[s]} {outbox.data.counts[s]}
              </Tag>
            ))}
        </Typography.Title>
        <Select
          allowClear
          aria-label="状态"
          placeholder="状态"
          style={{ width: 140 }}
          value={status}
          onChange={setStatus}
          options={OUTBOX_STATUSES.map((s) => ({ value: s, label: OUTBOX_STATUS_LABELS[s] }))}
        />
      </Space>
      <Table<OutboxItem>
        rowKey="id"
        size="small"
        loading={outbox.isLoading}
        dataSource={outbox.data?.items}
        pagination={false}
        columns={[
          { title: '渠道', width: 90, render: (_, r) => (r.channel === 'email' ? '邮件' : 'Webhook') },
          { title: '收件人', dataIndex: 'recipient', width: 220, ellipsis: true },
          { title: '标题', dataIndex: 'title', ellipsis: true },
          {
            title: '状态',
            width: 110,
            render: (_, r) => <Tag color={STATUS_COLORS[r.status]}>{OUTBOX_STATUS_LABELS[r.status]}</Tag>,
          },
          { title: '次数', dataIndex: 'attempts', width: 60 },
          {
            title: '时间 / 错误',
            render: (_, r) =>
              r.status === 'sent'
                ? fmt(r.sentAt)
                : r.status === 'queued' && r.nextAttemptAt
                  ? `下次 ${fmt(r.nextAttemptAt)}${r.lastError ? `：${r.lastError}` : ''}`
                  : (r.lastError ?? ''),
          },
          {
            title: '',
            width: 80,
            render: (_, r) =>
              r.status === 'failed' ? (
                <Button
                  size="small"
                  onClick={async () => {
                    await call(notificationsApi.retryOutbox, { params: { id: r.id } });
                    message.success('已重新排队');
                    qc.invalidateQueries({ queryKey: ['outbox'] });
                  }}
                >
                  重发
                </Button>
              ) : null,
          },
        ]}
      />
    </div>
  );
}

interface IncidentConfig {
  ackHours: number;
  departments: Record<IncidentType, Department[]>;
  critical: IncidentType[];
}

/** Incident handling settings: acknowledgement deadline, departments notified per type, critical types. */
export function IncidentConfigCard() {
  const { message } = App.useApp();
  const [form] = Form.useForm<IncidentConfig>();
  const q = useQuery({
    queryKey: ['incident-config'],
    queryFn: () => call(incidentsApi.getIncidentConfig),
  });
  useEffect(() => {
    if (q.data) form.setFieldsValue(q.data);
  }, [q.data, form]);
  const save = async () => {
    const v = await form.validateFields();
    try {
      await call(incidentsApi.putIncidentConfig, { body: v });
      message.success('已保存');
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  return (
    <Card size="small" title="应急事件设置" style={{ maxWidth: 720, marginTop: 24 }}>
      <Form form={form} layout="horizontal" labelCol={{ span: 7 }}>
        <Form.Item name="ackHours" label="确认时限（小时）">
          <InputNumber min={0.25} max={72} step={0.5} />
        </Form.Item>
        {INCIDENT_TYPES.map((t) => (
          <Form.Item key={t} name={['departments', t]} label={`${INCIDENT_TYPE_LABELS[t]} 通知部门`}>
            <Select
              mode="multiple"
              options={DEPARTMENTS.map((d) => ({ value: d, label: DEPARTMENT_LABELS[d] }))}
            />
          </Form.Item>
        ))}
        <Form.Item name="critical" label="紧急类型（24 小时内回访）">
          <Select
            mode="multiple"
            options={INCIDENT_TYPES.map((t) => ({ value: t, label: INCIDENT_TYPE_LABELS[t] }))}
          />
        </Form.Item>
        <Button type="primary" onClick={save}>
          保存
        </Button>
      </Form>
    </Card>
  );
}
