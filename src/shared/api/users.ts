import { z } from 'zod';
import { DEPARTMENTS, ROLES, VISITOR_TYPES } from '../roles.js';
import { endpoint } from './contract.js';

const TAGS = ['用户'];

/** A role in an area (a department for the roles that have one). */
export const GrantIn = z.object({
  role: z.enum(ROLES),
  areaId: z.number().int(),
  department: z.enum(DEPARTMENTS).nullable().optional(),
});
export type GrantIn = z.input<typeof GrantIn>;

export const Grant = z.object({
  role: z.enum(ROLES),
  areaId: z.number(),
  areaName: z.string(),
  department: z.enum(DEPARTMENTS).nullable(),
});

export const User = z.object({
  id: z.number(),
  username: z.string(),
  displayName: z.string(),
  visitorType: z.enum(VISITOR_TYPES).nullable(),
  organization: z.string().nullable(),
  disabled: z.boolean(),
  locked: z.boolean(),
  version: z.number(),
  grants: z.array(Grant),
});
export type User = z.output<typeof User>;

const UserParams = z.object({ id: z.coerce.number().int() });

export const Username = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{3,32}$/, '用户名为 3–32 位字母、数字、下划线、点或连字符');
export const DisplayName = z.string().trim().min(1).max(50);
export const Organization = z.string().trim().max(100).nullable().optional();

export const listUsers = endpoint({
  method: 'GET',
  path: '/api/users',
  operationId: 'listUsers',
  summary: '用户列表（本人可管理的辖区内；按编号分页）',
  tags: TAGS,
  query: z.object({
    areaId: z.coerce.number().int().optional(),
    role: z.enum(ROLES).optional(),
    q: z.string().max(50).optional(),
    cursor: z.coerce.number().int().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  }),
  responses: { 200: z.object({ items: z.array(User), nextCursor: z.number().nullable() }) },
});

export const getUser = endpoint({
  method: 'GET',
  path: '/api/users/:id',
  operationId: 'getUser',
  summary: '一个用户',
  tags: TAGS,
  params: UserParams,
  responses: { 200: User },
});

export const CreateUserBody = z.object({
  username: Username,
  displayName: DisplayName,
  password: z.string().max(128).optional(),
  visitorType: z.enum(VISITOR_TYPES).nullable().optional(),
  organization: Organization,
  grants: z.array(GrantIn).max(20),
});
export type CreateUserInput = z.input<typeof CreateUserBody>;

export const createUser = endpoint({
  method: 'POST',
  path: '/api/users',
  operationId: 'createUser',
  summary: '创建用户（未给密码时生成一次性显示的密码）',
  tags: TAGS,
  body: CreateUserBody,
  responses: { 201: z.object({ user: User, password: z.string().optional() }) },
  example: {
    username: 'lisi',
    displayName: '李四',
    visitorType: 'cadre',
    organization: '青山村村委会',
    grants: [{ role: 'visitor', areaId: 12 }],
  },
});

export const UpdateUserBody = z.object({
  version: z.number().int(),
  displayName: DisplayName.optional(),
  visitorType: z.enum(VISITOR_TYPES).nullable().optional(),
  organization: Organization,
  disabled: z.boolean().optional(),
  grants: z.array(GrantIn).max(20).optional(),
});
export type UpdateUserInput = z.input<typeof UpdateUserBody>;

export const updateUser = endpoint({
  method: 'PATCH',
  path: '/api/users/:id',
  operationId: 'updateUser',
  summary: '修改用户（姓名、类别、单位、停用、角色；带版本号防止覆盖他人的修改）',
  tags: TAGS,
  params: UserParams,
  body: UpdateUserBody,
  responses: { 200: User },
  example: { version: 3, displayName: '李四', disabled: false },
});

export const resetPassword = endpoint({
  method: 'POST',
  path: '/api/users/:id/password',
  operationId: 'resetUserPassword',
  summary: '重置密码',
  description: '不给密码时生成一个，只在本次应答中显示。',
  tags: TAGS,
  params: UserParams,
  body: z.object({ password: z.string().max(128).optional() }),
  responses: { 200: z.object({ password: z.string().optional() }) },
  example: {},
});

export const changeOwnPassword = endpoint({
  method: 'POST',
  path: '/api/me/password',
  operationId: 'changeOwnPassword',
  summary: '修改本人密码',
  tags: TAGS,
  body: z.object({ currentPassword: z.string().max(128), newPassword: z.string().max(128) }),
  example: { currentPassword: '••••••••', newPassword: '••••••••••••' },
});
