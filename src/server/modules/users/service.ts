import { passwordProblem } from '../../../shared/password-policy.js';
import { type AreaLevel, can, grantableRoles, ROLE_LABELS, type Role } from '../../../shared/roles.js';
import type { Ctx } from '../../context.js';
import { badRequest, conflict, forbidden, notFound } from '../../http/errors.js';
import { type Actor, type Grant, inScope } from '../../http/scope.js';
import { secretChecks } from '../../http/throttle.js';
import { getArea } from '../areas/index.js';
import { appendAudit } from '../audit/index.js';
import {
  generatePassword,
  hashPassword,
  revokeOtherSessions,
  revokeUserSessions,
  verifyPassword,
} from '../auth/index.js';
import * as repo from './repo.js';

/** The area level each role is bound to. */
const ROLE_LEVELS: Record<Role, AreaLevel[]> = {
  // A civil-affairs bureau at county, city or region level (DOMAIN.md §2), over its subtree.
  bureau_admin: ['region', 'city', 'district'],
  bureau_supervisor: ['region', 'city', 'district'],
  town_officer: ['town'],
  village_officer: ['village'],
  visitor: ['town', 'village'],
  department_liaison: ['district', 'town'],
};

export async function listUsers(ctx: Ctx, actor: Actor, f: Parameters<typeof repo.listUsers>[2]) {
  if (!can(actor.roles, 'users.manage') && !can(actor.roles, 'audit.read')) throw forbidden('无权查看用户');
  return repo.listUsers(ctx.db, actor.scope, f);
}

export async function getUser(ctx: Ctx, actor: Actor, id: number) {
  if (id !== actor.userId && !can(actor.roles, 'users.manage') && !can(actor.roles, 'audit.read')) {
    throw notFound('用户');
  }
  const user = await repo.getUser(
    ctx.db,
    id === actor.userId ? { ...actor.scope, all: true } : actor.scope,
    id,
  );
  if (!user) throw notFound('用户');
  return user;
}

async function checkGrants(ctx: Ctx, actor: Actor, grants: Grant[]) {
  const allowed = grantableRoles(actor.roles);
  for (const [i, g] of grants.entries()) {
    const field = `grants.${i}`;
    if (!allowed.includes(g.role)) throw forbidden(`无权授予角色「${ROLE_LABELS[g.role]}」`);
    if (!inScope(actor.scope, g.areaId)) throw notFound('辖区');
    const area = await getArea(ctx.db, g.areaId);
    if (!area || area.retired_at) throw badRequest('辖区不存在或已撤销', `${field}.areaId`);
    if (!ROLE_LEVELS[g.role].includes(area.level)) {
      throw badRequest(
        `角色「${ROLE_LABELS[g.role]}」不能绑定到「${area.name}」这一级辖区`,
        `${field}.areaId`,
      );
    }
    if ((g.role === 'department_liaison') !== !!g.department) {
      throw badRequest(
        g.department ? '只有部门联络人需要填写部门' : '部门联络人必须选择部门',
        `${field}.department`,
      );
    }
  }
}

/**
 * The one rule "may manage this user", used by every route that touches another user (edit, password
 * reset, sessions, second factor): the actor holds `users.manage`, the user is in the actor's scope
 * (else 404, like a missing id), and every role the user holds lies inside the actor's reach and is one
 * the actor could grant (else 403). A bureau admin who also holds a grant in a town is therefore
 * not that town officer's to manage.
 */
export async function loadManageableUser(ctx: Ctx, actor: Actor, id: number) {
  if (!can(actor.roles, 'users.manage')) throw forbidden('无权管理用户');
  const user = await repo.getUser(ctx.db, actor.scope, id);
  if (!user) throw notFound('用户');
  const allowed = grantableRoles(actor.roles);
  if (!user.grants.every((g) => inScope(actor.scope, g.area_id) && allowed.includes(g.role))) {
    throw forbidden('该用户有超出您管理范围的角色');
  }
  return user;
}

/** A new password may not repeat any of the user's last 5 (等保: 口令定期更换且不重复). */
export const PASSWORD_HISTORY = 5;

/** Throws a 400 naming `field` when the password is one of the user's last PASSWORD_HISTORY. */
async function assertPasswordNotReused(ctx: Ctx, userId: number, password: string, field: string) {
  for (const hash of await repo.recentPasswordHashes(ctx.db, userId, PASSWORD_HISTORY)) {
    if (await verifyPassword(password, hash)) {
      throw badRequest(`新密码不能与最近 ${PASSWORD_HISTORY} 次使用过的密码相同`, field);
    }
  }
}

export async function createUser(
  ctx: Ctx,
  actor: Actor,
  input: {
    username: string;
    displayName: string;
    password?: string;
    visitorType?: string | null;
    organization?: string | null;
    grants: Grant[];
  },
) {
  if (!can(actor.roles, 'users.manage')) throw forbidden('无权管理用户');
  if (input.grants.length === 0) throw badRequest('至少需要一个角色', 'grants');
  await checkGrants(ctx, actor, input.grants);
  if (input.grants.some((g) => g.role === 'visitor') && !input.visitorType) {
    throw badRequest('探访责任人需要选择类型（村居干部、社会救助协理员、专业社工、志愿者）', 'visitorType');
  }
  const password = input.password ?? generatePassword();
  const problem = passwordProblem(password, input.username);
  if (problem) throw badRequest(problem, 'password');
  const hash = await hashPassword(password);
  const now = ctx.clock.now();
  const id = await ctx.db.tx(async (q) => {
    if (await repo.usernameTaken(q, input.username))
      throw conflict(`用户名 ${input.username} 已存在`, 'username');
    const id = await repo.insertUser(q, { ...input, passwordHash: hash, now });
    await repo.replaceGrants(q, id, input.grants);
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'user.create',
      entity: 'user',
      entityId: id,
      detail: { username: input.username, grants: input.grants },
    });
    return id;
  });
  return {
    user: (await repo.getUser(ctx.db, { ...actor.scope, all: true }, id))!,
    password: input.password ? undefined : password,
  };
}

export async function updateUser(
  ctx: Ctx,
  actor: Actor,
  id: number,
  input: {
    version: number;
    displayName?: string;
    visitorType?: string | null;
    organization?: string | null;
    disabled?: boolean;
    grants?: Grant[];
  },
) {
  const before = await loadManageableUser(ctx, actor, id);
  if (input.grants) {
    if (input.grants.length === 0) throw badRequest('至少需要一个角色', 'grants');
    await checkGrants(ctx, actor, input.grants);
  }
  if (id === actor.userId && input.disabled) throw badRequest('不能停用自己的账户', 'disabled');
  // Taking away one's own right to manage users would lock one out of this page: another admin does it.
  if (
    id === actor.userId &&
    input.grants &&
    !can(
      input.grants.map((g) => g.role),
      'users.manage',
    )
  )
    throw badRequest('不能移除自己的用户管理权限，请由其他管理员操作', 'grants');
  const now = ctx.clock.now();
  await ctx.db.tx(async (q) => {
    const ok = await repo.updateUser(q, id, input.version, { ...input, now });
    if (!ok) throw conflict('用户已被他人修改，请刷新后重试', 'version');
    if (input.grants) await repo.replaceGrants(q, id, input.grants);
    if (input.disabled) await revokeUserSessions(q, id, now);
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'user.update',
      entity: 'user',
      entityId: id,
      detail: {
        old: { displayName: before.display_name, disabled: !!before.disabled_at, grants: before.grants },
        new: { displayName: input.displayName, disabled: input.disabled, grants: input.grants },
      },
    });
  });
  return (await repo.getUser(ctx.db, { ...actor.scope, all: true }, id))!;
}

/**
 * An administrator sets a new password for another user: every session of that user ends and the
 * password must be changed at the next login (the auth hook lets nothing else through until then).
 * One's own password is changed with the current one (`changeOwnPassword`), never reset here.
 */
export async function resetPassword(ctx: Ctx, actor: Actor, id: number, password?: string) {
  if (id === actor.userId) throw badRequest('不能重置自己的密码，请在“我的账户”中修改密码', 'id');
  const user = await loadManageableUser(ctx, actor, id);
  const pw = password ?? generatePassword();
  const problem = passwordProblem(pw, user.username);
  if (problem) throw badRequest(problem, 'password');
  await assertPasswordNotReused(ctx, id, pw, 'password');
  const hash = await hashPassword(pw);
  const now = ctx.clock.now();
  await ctx.db.tx(async (q) => {
    await repo.rememberPassword(q, id, PASSWORD_HISTORY, now);
    await repo.setPassword(q, id, hash, now, true);
    await revokeUserSessions(q, id, now);
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'user.password_reset',
      entity: 'user',
      entityId: id,
    });
  });
  return { password: password ? undefined : pw };
}

/**
 * Changes the actor's own password: the current one checked (5 wrong ones in 15 minutes and the
 * session may not try again for a while: `secretChecks`), the new one by the rule and the history;
 * every other session of the user ends (one who learnt the old password is logged out).
 */
export async function changeOwnPassword(ctx: Ctx, actor: Actor, current: string, next: string) {
  const guard = secretChecks(ctx.config, actor.userId);
  guard.check(ctx.clock.now().getTime());
  const hash = await repo.getPasswordHash(ctx.db, actor.userId);
  if (!(await verifyPassword(current, hash))) {
    guard.fail(ctx.clock.now().getTime());
    throw badRequest('当前密码不正确', 'currentPassword');
  }
  const problem = passwordProblem(next, actor.username);
  if (problem) throw badRequest(problem, 'newPassword');
  await assertPasswordNotReused(ctx, actor.userId, next, 'newPassword');
  const now = ctx.clock.now();
  const newHash = await hashPassword(next);
  await ctx.db.tx(async (q) => {
    await repo.rememberPassword(q, actor.userId, PASSWORD_HISTORY, now);
    await repo.setPassword(q, actor.userId, newHash, now);
    await revokeOtherSessions(q, actor.userId, actor.sessionId, now);
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'user.password_change',
      entity: 'user',
      entityId: actor.userId,
    });
  });
}
