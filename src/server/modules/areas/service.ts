import {
  AREA_KINDS,
  areaKindLabel,
  childLevel,
  isKindOf,
  kindFromName,
  parentLevel,
} from '../../../shared/areas.js';
import type { AreaLevel } from '../../../shared/roles.js';
import { AREA_LEVEL_LABELS, can } from '../../../shared/roles.js';
import type { Ctx } from '../../context.js';
import { badRequest, conflict, forbidden, notFound } from '../../http/errors.js';
import type { Actor } from '../../http/scope.js';
import { inScope } from '../../http/scope.js';
import { appendAudit } from '../audit/index.js';
import { assertAreaHasNoPersons } from '../persons/index.js';
import * as repo from './repo.js';

export interface AreaNode {
  id: number;
  code: string;
  name: string;
  level: AreaLevel;
  kind: string;
  retired: boolean;
  children: AreaNode[];
}

/** Areas the actor can see: their scope, plus the areas their other roles are bound to. */
function visibleIds(actor: Actor): number[] | null {
  if (actor.scope.all) return null;
  return [...new Set([...actor.scope.areaIds, ...actor.grants.map((g) => g.areaId)])];
}

export async function getAreaTree(ctx: Ctx, actor: Actor, includeRetired = false): Promise<AreaNode[]> {
  const rows = await repo.listAreas(ctx.db, visibleIds(actor), includeRetired);
  const nodes = new Map<number, AreaNode>();
  for (const r of rows) {
    nodes.set(r.id, {
      id: r.id,
      code: r.code,
      name: r.name,
      level: r.level,
      kind: r.kind,
      retired: !!r.retired_at,
      children: [],
    });
  }
  const roots: AreaNode[] = [];
  for (const r of rows) {
    const parent = r.parent_id != null ? nodes.get(r.parent_id) : undefined;
    if (parent) parent.children.push(nodes.get(r.id)!);
    else roots.push(nodes.get(r.id)!);
  }
  return roots;
}

/** An area the actor may see, or 404 (never 403: ids outside scope do not exist for them). */
export async function getVisibleArea(ctx: Ctx, actor: Actor, id: number) {
  const ids = visibleIds(actor);
  const area = await repo.getArea(ctx.db, id);
  if (!area || (ids && !ids.includes(id))) throw notFound('辖区');
  return area;
}

function assertManage(actor: Actor, areaId: number) {
  if (!can(actor.roles, 'areas.manage')) throw forbidden('无权维护辖区');
  if (!inScope(actor.scope, areaId)) throw notFound('辖区');
}

/**
 * Adds an area one level below `parentId`: a village (村/嘎查/社区) under a township — by a town officer
 * or the bureau — or, by a bureau admin over the parent, a township under a county, a county under a
 * city, a city under a region. The kind is the one given, else the one the name says (某某苏木 → 苏木).
 */
export async function addVillage(
  ctx: Ctx,
  actor: Actor,
  input: { parentId: number; name: string; code?: string; kind?: string },
) {
  const parent = await getVisibleArea(ctx, actor, input.parentId);
  assertManage(actor, parent.id);
  const level = childLevel(parent.level);
  if (!level) throw badRequest(`${parent.name}是${areaKindLabel(parent)}，其下不能再添加辖区`, 'parentId');
  if (level !== 'village' && !actor.roles.includes('bureau_admin'))
    throw forbidden(`只有民政部门管理员可以添加${AREA_LEVEL_LABELS[level]}`);
  if (parent.retired_at) throw badRequest(`上级辖区${parent.name}已撤销`, 'parentId');
  const name = input.name.trim();
  const kind = input.kind ?? kindFromName(level, name);
  if (!isKindOf(level, kind))
    throw badRequest(`${AREA_LEVEL_LABELS[level]}的类别应为${AREA_KINDS[level].join('、')}之一`, 'kind');
  return ctx.db.tx(async (q) => {
    const code = input.code ?? (await repo.nextChildCode(q, parent));
    if (await repo.findAreaByCode(q, code)) throw conflict(`辖区代码 ${code} 已被使用`, 'code');
    const area = await repo.insertArea(q, { parentId: parent.id, code, name, level, kind });
    await appendAudit(q, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'area.create',
      entity: 'area',
      entityId: area.id,
      areaId: area.id,
      detail: { name: area.name, code, parentId: parent.id, level, kind },
    });
    return area;
  });
}

export async function updateVillage(
  ctx: Ctx,
  actor: Actor,
  id: number,
  input: { version: number; name?: string; retired?: boolean },
) {
  const area = await getVisibleArea(ctx, actor, id);
  assertManage(actor, area.id);
  if (area.level !== 'village' && input.retired !== undefined)
    throw badRequest('只能撤销村（嘎查、社区）', 'retired');
  // A township or above is renamed by a bureau admin over it (a county's own bureau renames its
  // townships; the root's name is the deployment's, changed with the operator).
  if (area.parent_id == null || (area.level !== 'village' && !actor.roles.includes('bureau_admin'))) {
    throw forbidden(`只有上级民政部门管理员可以修改${areaKindLabel(area)}名称`);
  }
  return ctx.db.tx(async (q) => {
    if (input.retired && !area.retired_at) await assertAreaHasNoPersons(q, id, area.name);
    const row = await repo.updateArea(
      q,
      id,
      input.version,
      { name: input.name?.trim(), retired: input.retired },
      ctx.clock.now(),
    );
    if (!row) throw conflict('辖区已被他人修改，请刷新后重试', 'version');
    await appendAudit(q, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'area.update',
      entity: 'area',
      entityId: id,
      areaId: id,
      detail: {
        old: { name: area.name, retired: !!area.retired_at },
        new: { name: row.name, retired: !!row.retired_at },
      },
    });
    return row;
  });
}

/**
 * Joins the whole tree to a new parent one level above its root (a district that becomes part of its
 * city's system). Only a bureau admin of the root may, once per level; ids, grants and records stay,
 * and the admin is also granted the new root so their reach does not shrink.
 */
export async function addAreaAboveRoot(
  ctx: Ctx,
  actor: Actor,
  input: { name: string; code: string; kind?: string },
) {
  const now = ctx.clock.now();
  return ctx.db.tx(async (q) => {
    const [root, ...others] = await repo.roots(q);
    if (!root || others.length) throw conflict('辖区树的根不唯一，无法并入上级');
    if (!actor.grants.some((g) => g.role === 'bureau_admin' && g.areaId === root.id))
      throw forbidden(`只有${root.name}的民政部门管理员可以并入上级辖区`);
    const level = parentLevel(root.level);
    if (!level) throw badRequest(`${root.name}已是最高一级（${areaKindLabel(root)}）`);
    const name = input.name.trim();
    const kind = input.kind ?? kindFromName(level, name);
    if (!isKindOf(level, kind))
      throw badRequest(`${AREA_LEVEL_LABELS[level]}的类别应为${AREA_KINDS[level].join('、')}之一`, 'kind');
    if (await repo.findAreaByCode(q, input.code)) throw conflict(`辖区代码 ${input.code} 已被使用`, 'code');
    const area = await repo.insertRootAbove(q, { code: input.code, name, level, kind });
    await repo.grantBureauAdmin(q, actor.userId, area.id);
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'area.create',
      entity: 'area',
      entityId: area.id,
      areaId: area.id,
      detail: { name, code: input.code, level, kind, aboveRoot: root.id },
    });
    return area;
  });
}
