import { Form, Input } from 'antd';
import { passwordProblem } from '../../../shared/password-policy';

/** What the password rule asks (shared/password-policy.ts, and the server's last-5 history check). */
export const PASSWORD_HINT =
  '至少 8 位，含大写字母、小写字母、数字、符号中的三类，不含用户名，不能与最近 5 次的密码相同';

/** The new-password field of a password change, checked by the shared rule as one types. */
export function NewPasswordField({ username }: { username: string }) {
  return (
    <Form.Item
      name="newPassword"
      label="新密码"
      extra={PASSWORD_HINT}
      rules={[
        { required: true, message: '请输入新密码' },
        {
          validator: (_, v) => {
            const p = v ? passwordProblem(v, username) : null;
            return p ? Promise.reject(new Error(p)) : Promise.resolve();
          },
        },
      ]}
    >
      <Input.Password autoComplete="new-password" />
    </Form.Item>
  );
}
