import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Input, Modal } from 'antd';
import type { BodyOf } from '../../../shared/api/contract';
import type * as usersApi from '../../../shared/api/users';
import { call, HttpError } from '../../lib/api';
import { CHANGE_OWN_PASSWORD } from '../../lib/auth-ops';
import { useSession } from '../../lib/session';
import { NewPasswordField } from './new-password-field';

/**
 * Shown when the server answers PASSWORD_CHANGE_REQUIRED: an administrator reset this user's password,
 * so nothing else works until the user sets their own. The dialog cannot be closed; 退出登录 leaves.
 */
export function ForcedPasswordChange({ onDone, onLogout }: { onDone: () => void; onLogout: () => void }) {
  const { me } = useSession();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm();
  const submit = async (v: BodyOf<typeof usersApi.changeOwnPassword>) => {
    try {
      await call<typeof usersApi.changeOwnPassword>(CHANGE_OWN_PASSWORD, { body: v });
      message.success('密码已修改');
      onDone();
      qc.invalidateQueries();
    } catch (e) {
      const err = e instanceof HttpError ? e : null;
      const field = err?.body.field?.replace(/^body\./, '');
      if (err && (field === 'currentPassword' || field === 'newPassword'))
        form.setFields([{ name: field, errors: [err.message] }]);
      else message.error(err?.message ?? '网络错误');
    }
  };
  return (
    <Modal
      open
      title="请先修改密码"
      closable={false}
      maskClosable={false}
      keyboard={false}
      footer={[
        <Button key="logout" onClick={onLogout}>
          退出登录
        </Button>,
        <Button key="ok" type="primary" onClick={() => form.submit()} data-testid="forced-password-submit">
          修改密码
        </Button>,
      ]}
    >
      <Alert
        type="warning"
        showIcon
        style={{ marginBottom: 16 }}
        title="管理员已重置您的密码。为保证账户安全，请设置只有您自己知道的新密码后再继续使用。"
      />
      <Form form={form} layout="vertical" onFinish={submit}>
        <Form.Item
          name="currentPassword"
          label="管理员告知的密码"
          rules={[{ required: true, message: '请输入管理员告知的密码' }]}
        >
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <NewPasswordField username={me?.username ?? ''} />
      </Form>
    </Modal>
  );
}
