import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App,
  Button,
  Card,
  Form,
  Input,
  Popconfirm,
  Space,
  Switch,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { TotpCode } from '../../../shared/api/auth';
import type { AnswerOf, BodyOf } from '../../../shared/api/contract';
import type { SessionRow } from '../../../shared/api/security';
import * as securityApi from '../../../shared/api/security';
import * as usersApi from '../../../shared/api/users';
import { chinaDateTime } from '../../../shared/china-time';
import { can } from '../../../shared/roles';
import { call, HttpError } from '../../lib/api';
import { schemaRule } from '../../lib/form-rules';
import { useSession } from '../../lib/session';
import { NewPasswordField } from './new-password-field';

const fmt = (v: string) => chinaDateTime(new Date(v));

/** 账户安全: password, authenticator (TOTP) and the sessions signed in with this account. */
export function AccountPage() {
  const { me } = useSession();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const security = useQuery({
    queryKey: ['me-security'],
    queryFn: () => call(securityApi.getMySecurity),
  });
  const reload = () => qc.invalidateQueries({ queryKey: ['me-security'] });
  const [setup, setSetup] = useState<AnswerOf<typeof securityApi.setupTotp> | null>(null);
  const [pwForm] = Form.useForm();
  const fail = (e: unknown) => message.error(e instanceof HttpError ? e.message : '网络错误');
  const changePassword = async (v: BodyOf<typeof usersApi.changeOwnPassword>) => {
    try {
      await call(usersApi.changeOwnPassword, { body: v });
      message.success('密码已修改');
      pwForm.resetFields();
    } catch (e) {
      fail(e);
    }
  };
  const revoke = async (key: string) => {
    try {
      await call(securityApi.revokeMySession, { params: { key } });
      message.success('该会话已结束');
      reload();
    } catch (e) {
      fail(e);
    }
  };
  return (
    <Space direction="vertical" size={16} style={{ width: '100%', maxWidth: 960 }}>
      <Typography.Title level={4} style={{ margin: 0 }}>
        账户安全
      </Typography.Title>
      <Card title="修改密码" size="small">
        <Form form={pwForm} layout="vertical" onFinish={changePassword} style={{ maxWidth: 360 }}>
          <Form.Item
            name="currentPassword"
            label="当前密码"
            rules={[{ required: true, message: '请输入当前密码' }]}
          >
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <NewPasswordField username={me?.username ?? ''} />
          <Button type="primary" htmlType="submit">
            修改密码
          </Button>
        </Form>
      </Card>
      <Card
        title="动态验证码（双因素登录）"
        size="small"
        extra={
          security.data && (security.data.totpEnabled ? <Tag color="green">已启用</Tag> : <Tag>未启用</Tag>)
        }
      >
        {security.data?.totpRequired && (
          <Alert
            type="info"
            showIcon
            style={{ marginBottom: 12 }}
            title="系统要求管理员登录时使用动态验证码"
          />
        )}
        {security.data?.totpEnabled ? (
          <TotpDisable onDone={reload} required={!!security.data?.totpRequired} />
        ) : setup ? (
          <TotpConfirm
            setup={setup}
            onDone={() => {
              setSetup(null);
              reload();
            }}
          />
        ) : (
          <Form
            layout="inline"
            onFinish={async (v: BodyOf<typeof securityApi.setupTotp>) => {
              try {
                setSetup(await call(securityApi.setupTotp, { body: v }));
              } catch (e) {
                fail(e);
              }
            }}
          >
            <Typography.Paragraph style={{ width: '100%' }}>
              启用后，登录时除密码外还需输入手机验证器（如 Microsoft Authenticator、Google
              身份验证器、FreeOTP）上显示的 6 位数字。
            </Typography.Paragraph>
            <Form.Item name="password" rules={[{ required: true, message: '请输入密码' }]}>
              <Input.Password placeholder="当前密码" autoComplete="current-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit">
              生成密钥
            </Button>
          </Form>
        )}
      </Card>
      <Card title="在线会话" size="small">
        <Table<SessionRow>
          rowKey="key"
          size="small"
          pagination={false}
          loading={security.isLoading}
          dataSource={security.data?.sessions}
          columns={[
            { title: '登录时间', dataIndex: 'createdAt', render: fmt },
            { title: '最近活动', dataIndex: 'lastSeenAt', render: fmt },
            { title: '到期', dataIndex: 'expiresAt', render: fmt },
            { title: '地址', dataIndex: 'ip' },
            {
              title: '浏览器',
              dataIndex: 'userAgent',
              ellipsis: true,
              render: (v: string | null) => v ?? '—',
            },
            {
              title: '',
              render: (_, s) =>
                s.current ? (
                  <Tag color="blue">当前会话</Tag>
                ) : (
                  <Popconfirm
                    title="结束这个会话？"
                    description="该设备上的登录立即失效，需要重新登录。"
                    okText="结束"
                    cancelText="取消"
                    okButtonProps={{ danger: true }}
                    onConfirm={() => revoke(s.key)}
                  >
                    <Button size="small" danger>
                      结束
                    </Button>
                  </Popconfirm>
                ),
            },
          ]}
        />
      </Card>
      {me && can(me.roles, 'config.manage') && <SecuritySettings />}
    </Space>
  );
}

function TotpConfirm({
  setup,
  onDone,
}: {
  setup: AnswerOf<typeof securityApi.setupTotp>;
  onDone: () => void;
}) {
  const { message } = App.useApp();
  return (
    <div>
      <Typography.Paragraph>
        在手机验证器中选择“输入设置密钥”，账户名填写您的用户名，密钥如下（基于时间）：
      </Typography.Paragraph>
      <Typography.Paragraph>
        <Typography.Text code copyable style={{ fontSize: 16 }} data-testid="totp-secret">
          {setup.secret.replace(/(.{4})/g, '$1 ').trim()}
        </Typography.Text>
      </Typography.Paragraph>
      <Typography.Paragraph type="secondary" copyable={{ text: setup.otpauthUri }}>
        或复制设置链接（可用其他工具生成二维码）
      </Typography.Paragraph>
      <Form
        layout="inline"
        onFinish={async (v: BodyOf<typeof securityApi.confirmTotp>) => {
          try {
            await call(securityApi.confirmTotp, { body: v });
            message.success('动态验证码已启用');
            onDone();
          } catch (e) {
            message.error((e as Error).message);
          }
        }}
      >
        <Form.Item name="code" rules={[{ required: true, message: '请输入 6 位数字' }, schemaRule(TotpCode)]}>
          <Input
            placeholder="验证器显示的 6 位数字"
            maxLength={6}
            inputMode="numeric"
            autoComplete="one-time-code"
          />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          确认启用
        </Button>
      </Form>
    </div>
  );
}

function TotpDisable({ onDone, required }: { onDone: () => void; required: boolean }) {
  const { message } = App.useApp();
  if (required) return <Typography.Text type="secondary">管理员账户不能停用动态验证码。</Typography.Text>;
  return (
    <Form
      layout="inline"
      onFinish={async (v: BodyOf<typeof securityApi.disableTotp>) => {
        try {
          await call(securityApi.disableTotp, { body: v });
          message.success('动态验证码已停用');
          onDone();
        } catch (e) {
          message.error((e as Error).message);
        }
      }}
    >
      <Form.Item name="password" rules={[{ required: true, message: '请输入密码' }]}>
        <Input.Password placeholder="当前密码" />
      </Form.Item>
      <Form.Item name="code" rules={[{ required: true, message: '请输入 6 位数字' }, schemaRule(TotpCode)]}>
        <Input placeholder="当前验证码" maxLength={6} inputMode="numeric" />
      </Form.Item>
      <Button danger htmlType="submit">
        停用
      </Button>
    </Form>
  );
}

function SecuritySettings() {
  const { message } = App.useApp();
  const qc = useQueryClient();
  const s = useQuery({
    queryKey: ['security-settings'],
    queryFn: () => call(securityApi.getSecuritySettings),
  });
  return (
    <Card title="系统安全设置" size="small">
      <Space>
        <Switch
          aria-label="民政局管理员必须使用动态验证码登录"
          checked={s.data?.requireTotpAdmin}
          loading={s.isLoading}
          onChange={async (v) => {
            try {
              await call(securityApi.putSecuritySettings, { body: { requireTotpAdmin: v } });
              qc.invalidateQueries({ queryKey: ['security-settings'] });
              message.success(v ? '已要求管理员使用动态验证码' : '已取消该要求');
            } catch (e) {
              message.error((e as Error).message);
            }
          }}
        />
        <span>民政局管理员必须使用动态验证码登录（未设置的管理员将在下次登录时设置）</span>
      </Space>
    </Card>
  );
}
