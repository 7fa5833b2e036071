import { z } from 'zod';
import { AREA_LEVELS, DEPARTMENTS, ROLES } from '../roles.js';
import { endpoint } from './contract.js';
import { LOGIN_LIMITS } from './limits.js';

const TAGS = ['登录'];

/** A started session: the bearer token (the phone), the CSRF token and the cookies' end (the console). */
export const Session = z.object({
  token: z.string(),
  csrfToken: z.string(),
  expiresAt: z.string(),
  user: z.object({
    id: z.number(),
    username: z.string(),
    displayName: z.string(),
    roles: z.array(z.enum(ROLES)),
  }),
});
export type Session = z.output<typeof Session>;

/** The password was right and a second factor is needed: the challenge for POST /api/auth/totp. */
export const TotpStep = z.object({
  totpRequired: z.literal(true),
  challenge: z.string(),
  expiresAt: z.string(),
  /** Present when the user must enrol now (an admin without TOTP where it is required). */
  enrol: z.object({ secret: z.string(), otpauthUri: z.string() }).optional(),
});
export type TotpStep = z.output<typeof TotpStep>;

/** A six-digit TOTP code (the login's second step and the account page's). */
export const TotpCode = z.string().trim().regex(LOGIN_LIMITS.totpCode, '动态验证码为 6 位数字');

export const LoginBody = z.object({
  username: z.string().trim().min(1).max(LOGIN_LIMITS.usernameMax),
  password: z.string().min(1).max(LOGIN_LIMITS.passwordMax),
});

export const login = endpoint({
  method: 'POST',
  path: '/api/auth/login',
  operationId: 'login',
  summary: '登录（返回令牌并设置会话 Cookie）',
  description: '密码正确且需要动态验证码时，返回 totpRequired 与 challenge，再调用 /api/auth/totp。',
  tags: TAGS,
  public: true,
  body: LoginBody,
  responses: { 200: z.union([Session, TotpStep]) },
  example: { username: 'zhangsan', password: '••••••••' },
});

export const loginTotp = endpoint({
  method: 'POST',
  path: '/api/auth/totp',
  operationId: 'loginTotp',
  summary: '登录第二步：输入动态验证码（TOTP）',
  tags: TAGS,
  public: true,
  body: z.object({ challenge: z.string().min(10).max(100), code: TotpCode }),
  responses: { 200: Session },
  example: { challenge: 'c2f1e0…（登录第一步返回）', code: '123456' },
});

export const logout = endpoint({
  method: 'POST',
  path: '/api/auth/logout',
  operationId: 'logout',
  summary: '退出登录',
  tags: TAGS,
});

export const Me = z.object({
  id: z.number(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(ROLES)),
  grants: z.array(
    z.object({
      role: z.enum(ROLES),
      areaId: z.number(),
      department: z.enum(DEPARTMENTS).nullable(),
    }),
  ),
  areas: z.array(
    z.object({ id: z.number(), code: z.string(), name: z.string(), level: z.enum(AREA_LEVELS) }),
  ),
  csrfToken: z.string(),
});
export type Me = z.output<typeof Me>;

export const getMe = endpoint({
  method: 'GET',
  path: '/api/me',
  operationId: 'getMe',
  summary: '当前用户、角色与辖区',
  tags: TAGS,
  responses: { 200: Me },
});
