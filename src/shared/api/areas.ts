import { z } from 'zod';
import { AREA_LEVELS } from '../roles.js';
import { endpoint } from './contract.js';
import { IdParams } from './shapes.js';

const TAGS = ['辖区'];

/** A node of the area tree with its children (recursive: a named component in the document). */
export const AreaNode = z
  .object({
    id: z.number(),
    code: z.string(),
    name: z.string(),
    level: z.enum(AREA_LEVELS),
    kind: z
      .string()
      .meta({ description: '本辖区的类别：镇、苏木、街道、村、嘎查、社区、旗、区、县、市、盟等' }),
    retired: z.boolean(),
    get children(): z.ZodArray<typeof AreaNode> {
      return z.array(AreaNode);
    },
  })
  .meta({ id: 'AreaNode', description: '辖区树的一个节点（含下级）' });
export type AreaNode = z.output<typeof AreaNode>;

export const Area = z.object({
  id: z.number(),
  parentId: z.number().nullable(),
  code: z.string(),
  name: z.string(),
  level: z.enum(AREA_LEVELS),
  kind: z.string(),
  retired: z.boolean(),
  version: z.number(),
});
export type Area = z.output<typeof Area>;

const Name = z.string().trim().min(1, '名称不能为空').max(50);

export const getAreaTree = endpoint({
  method: 'GET',
  path: '/api/areas',
  operationId: 'getAreaTree',
  summary: '辖区树（本人可见范围）',
  tags: TAGS,
  query: z.object({ includeRetired: z.enum(['true', 'false']).optional() }),
  responses: { 200: z.array(AreaNode) },
});

export const getArea = endpoint({
  method: 'GET',
  path: '/api/areas/:id',
  operationId: 'getArea',
  summary: '一个辖区',
  tags: TAGS,
  params: IdParams,
  responses: { 200: Area },
});

export const addVillage = endpoint({
  method: 'POST',
  path: '/api/areas',
  operationId: 'addVillage',
  summary: '新增下级辖区（村、嘎查、社区；管理员可加乡镇、苏木、街道及以上）',
  tags: TAGS,
  body: z.object({
    parentId: z.number().int(),
    name: Name,
    kind: z
      .string()
      .optional()
      .meta({ description: '类别（如 苏木、嘎查）；不填时按名称的后缀判断，都不符时取该级的第一种' }),
    code: z
      .string()
      .regex(/^\d{6,15}$/, '辖区代码应为 6–15 位数字')
      .optional(),
  }),
  responses: { 201: Area },
});

export const updateVillage = endpoint({
  method: 'PATCH',
  path: '/api/areas/:id',
  operationId: 'updateVillage',
  summary: '改名或撤销辖区（撤销仅限村、嘎查、社区）',
  tags: TAGS,
  params: IdParams,
  body: z.object({ version: z.number().int(), name: Name.optional(), retired: z.boolean().optional() }),
  responses: { 200: Area },
});

export const addAreaAboveRoot = endpoint({
  method: 'POST',
  path: '/api/areas/above-root',
  operationId: 'addAreaAboveRoot',
  summary: '并入上级辖区：在辖区树的根之上新增上一级（如东胜区并入鄂尔多斯市）',
  description:
    '只有根辖区的民政部门管理员可以操作，且不可撤回。已有辖区的编号、授权和数字都不变；操作者同时成为新上级的管理员。',
  tags: TAGS,
  body: z.object({
    name: Name,
    code: z.string().regex(/^\d{2,15}$/, '辖区代码应为 2–15 位数字'),
    kind: z.string().optional(),
  }),
  responses: { 201: Area },
});
