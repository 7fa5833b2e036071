import { LockOutlined, SafetyOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { api, HttpError } from '../../lib/api';
import { useSession } from '../../lib/session';

/** The second login step: a challenge for the authenticator code, and a secret when enrolling now. */
interface TotpStep {
  challenge: string;
  enrol?: { secret: string; otpauthUri: string };
}

export function LoginPage() {
  const { refresh } = useSession();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [step, setStep] = useState<TotpStep | null>(null);
  const onFinish = async (v: { username: string; password: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      const res = await api<{ totpRequired?: boolean } & Partial<TotpStep>>('/api/auth/login', { body: v });
      if (res.totpRequired) setStep(res as TotpStep);
      else refresh();
    } catch (e) {
      setError(e instanceof HttpError ? e.message : '网络错误，请检查连接后重试');
    } finally {
      setBusy(false);
    }
  };
  const onCode = async (v: { code: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      await api('/api/auth/totp', { body: { challenge: step!.challenge, code: v.code } });
      refresh();
    } catch (e) {
      const err = e instanceof HttpError ? e : null;
      setError(err?.message ?? '网络错误，请检查连接后重试');
      if (err?.body.code === 'CHALLENGE_EXPIRED') setStep(null);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div
      style={{
        minHeight: '100vh',
        display: 'grid',
        placeItems: 'center',
        background: 'linear-gradient(160deg,#eef4ff,#f7f9fc)',
      }}
    >
      <Card style={{ width: 380, maxWidth: '92vw' }}>
        <Typography.Title level={3} style={{ marginBottom: 4 }}>
          探访
        </Typography.Title>
        <Typography.Paragraph type="secondary">分散供养特困人员定期探访系统</Typography.Paragraph>
        {error && (
          <Alert type="error" title={error} style={{ marginBottom: 16 }} showIcon data-testid="login-error" />
        )}
        {step ? (
          <Form layout="vertical" onFinish={onCode} requiredMark={false}>
            {step.enrol && (
              <Alert
                type="info"
                showIcon
                style={{ marginBottom: 16 }}
                title="系统要求您使用动态验证码"
                description={
                  <div>
                    在手机验证器中选择“输入设置密钥”，填入：
                    <Typography.Text code copyable data-testid="totp-enrol-secret">
                      {step.enrol.secret}
                    </Typography.Text>
                    然后输入验证器显示的 6 位数字。
                  </div>
                }
              />
            )}
            <Form.Item
              name="code"
              label="动态验证码"
              rules={[{ required: true, pattern: /^\d{6}$/, message: '请输入验证器显示的 6 位数字' }]}
            >
              <Input
                prefix={<SafetyOutlined />}
                maxLength={6}
                inputMode="numeric"
                autoComplete="one-time-code"
                autoFocus
                data-testid="totp-code"
              />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy}>
              验证
            </Button>
            <Button type="link" block onClick={() => setStep(null)}>
              返回
            </Button>
          </Form>
        ) : (
          <Form layout="vertical" onFinish={onFinish} requiredMark={false}>
            <Form.Item name="username" label="用户名" rules={[{ required: true, message: '请输入用户名' }]}>
              <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
            </Form.Item>
            <Form.Item name="password" label="密码" rules={[{ required: true, message: '请输入密码' }]}>
              <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy}>
              登录
            </Button>
          </Form>
        )}
      </Card>
    </div>
  );
}
