import { describe, expect, it } from 'vitest';
import { TotpCode } from '../../shared/api/auth';
import { NotifyEmailInput } from '../../shared/api/notifications';
import { Username } from '../../shared/api/users';
import { schemaRule } from './form-rules';

const check = (rule: ReturnType<typeof schemaRule>, v: unknown) =>
  rule.validator(undefined, v).then(
    () => null,
    (e: Error) => e.message,
  );

describe('form rules from the contract', () => {
  it("gives the server's own message for a value the contract refuses, and passes what it takes", async () => {
    expect(await check(schemaRule(Username), 'ab')).toBe('用户名为 3–32 位字母、数字、下划线、点或连字符');
    expect(await check(schemaRule(Username), 'li.si')).toBeNull();
    expect(await check(schemaRule(TotpCode), '12345')).toBe('动态验证码为 6 位数字');
    expect(await check(schemaRule(TotpCode), '123456')).toBeNull();
    expect(await check(schemaRule(NotifyEmailInput), 'not-an-address')).toBe('邮箱格式不正确');
  });

  it('leaves an empty field to `required`', async () => {
    expect(await check(schemaRule(Username), '')).toBeNull();
    expect(await check(schemaRule(Username), undefined)).toBeNull();
  });
});
