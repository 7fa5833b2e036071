import type { AreaLevel } from '../../../shared/roles.js';
import { can } from '../../../shared/roles.js';
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

export async function addVillage(
  ctx: Ctx,
  actor: Actor,
  input: { parentId: number; name: string; code?: string },
) {
  const parent = await getVisibleArea(ctx, actor, input.parentId);
  assertManage(actor, parent.id);
  if (parent.level !== 'town') throw badRequest('村（社区）只能添加在镇（街道）下', 'parentId');
  if (parent.retired_at) throw badRequest('上级镇街已撤销', 'parentId');
  return ctx.db.tx(async (q) => {
    const code = input.code ?? (await repo.nextChildCode(q, parent));
    if (await repo.findAreaByCode(q, code)) throw conflict(`辖区代码 ${code} 已被使用`, 'code');
    const area = await repo.insertArea(q, {
      parentId: parent.id,
      code,
      name: input.name.trim(),
      level: 'village',
    });
    await appendAudit(q, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'area.create',
      entity: 'area',
      entityId: area.id,
      areaId: area.id,
      detail: { name: area.name, code, parentId: parent.id },
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
    throw badRequest('只能撤销村（社区）', 'retired');
  if (area.level === 'district' || (area.level === 'town' && !actor.roles.includes('bureau_admin'))) {
    throw forbidden('只有民政局管理员可以修改镇街名称');
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
