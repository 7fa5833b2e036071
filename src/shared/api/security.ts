import { z } from 'zod';
import { TotpCode } from './auth.js';
import { endpoint } from './contract.js';

const TAGS = ['账户安全'];

export const SessionRow = z.object({
  key: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  current: z.boolean(),
});
export type SessionRow = z.output<typeof SessionRow>;

const UserId = z.coerce.number().int().min(1).max(2147483647);
const SessionKey = z.string().regex(/^[0-9a-f]{16}$/, '会话编号为 16 位十六进制');
const Password = z.string().min(1).max(128);
const SecuritySettings = z.object({ requireTotpAdmin: z.boolean() });

export const getMySecurity = endpoint({
  method: 'GET',
  path: '/api/me/security',
  operationId: 'getMySecurity',
  summary: '本人的动态验证码状态与在线会话',
  tags: TAGS,
  responses: {
    200: z.object({ totpEnabled: z.boolean(), totpRequired: z.boolean(), sessions: z.array(SessionRow) }),
  },
});

export const revokeMySession = endpoint({
  method: 'DELETE',
  path: '/api/me/sessions/:key',
  operationId: 'revokeMySession',
  summary: '结束本人的一个会话',
  tags: TAGS,
  params: z.object({ key: SessionKey }),
});

export const setupTotp = endpoint({
  method: 'POST',
  path: '/api/me/totp/setup',
  operationId: 'setupTotp',
  summary: '生成动态验证码密钥（需密码；输入首个验证码后生效）',
  tags: TAGS,
  body: z.object({ password: Password }),
  responses: { 200: z.object({ secret: z.string(), otpauthUri: z.string() }) },
  example: { password: '••••••••' },
});

export const confirmTotp = endpoint({
  method: 'POST',
  path: '/api/me/totp/confirm',
  operationId: 'confirmTotp',
  summary: '输入首个动态验证码，启用双因素登录',
  tags: TAGS,
  body: z.object({ code: TotpCode }),
  example: { code: '123456' },
});

export const disableTotp = endpoint({
  method: 'POST',
  path: '/api/me/totp/disable',
  operationId: 'disableTotp',
  summary: '停用动态验证码（需密码和当前验证码）',
  tags: TAGS,
  body: z.object({ password: Password, code: TotpCode }),
  example: { password: '••••••••', code: '123456' },
});

export const listUserSessions = endpoint({
  method: 'GET',
  path: '/api/users/:id/sessions',
  operationId: 'listUserSessions',
  summary: '某用户的在线会话（本人，或辖区内的用户管理员）',
  tags: TAGS,
  params: z.object({ id: UserId }),
  responses: { 200: z.object({ items: z.array(SessionRow) }) },
});

export const revokeUserSession = endpoint({
  method: 'DELETE',
  path: '/api/users/:id/sessions/:key',
  operationId: 'revokeUserSession',
  summary: '结束某用户的一个会话',
  tags: TAGS,
  params: z.object({ id: UserId, key: SessionKey }),
});

export const resetUserTotp = endpoint({
  method: 'POST',
  path: '/api/users/:id/totp/reset',
  operationId: 'resetUserTotp',
  summary: '清除某用户的动态验证码（手机丢失时），并结束其会话',
  tags: TAGS,
  params: z.object({ id: UserId }),
});

export const getSecuritySettings = endpoint({
  method: 'GET',
  path: '/api/security/settings',
  operationId: 'getSecuritySettings',
  summary: '安全设置',
  tags: TAGS,
  permission: 'config.manage',
  responses: { 200: SecuritySettings },
});

export const putSecuritySettings = endpoint({
  method: 'PUT',
  path: '/api/security/settings',
  operationId: 'putSecuritySettings',
  summary: '修改安全设置（管理员是否必须使用动态验证码）',
  tags: TAGS,
  permission: 'config.manage',
  body: SecuritySettings,
  responses: { 200: SecuritySettings },
  example: { requireTotpAdmin: true },
});
