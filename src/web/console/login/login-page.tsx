import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { api, HttpError } from '../../lib/api';
import { useSession } from '../../lib/session';

export function LoginPage() {
  const { refresh } = useSession();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const onFinish = async (v: { username: string; password: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      await api('/api/auth/login', { body: v });
      refresh();
    } catch (e) {
      setError(e instanceof HttpError ? e.message : '网络错误，请检查连接后重试');
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
      </Card>
    </div>
  );
}
