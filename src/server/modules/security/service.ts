import { can } from '../../../shared/roles.js';
import type { Ctx } from '../../context.js';
import { badRequest, conflict, forbidden, notFound } from '../../http/errors.js';
import type { Actor } from '../../http/scope.js';
import { secretChecks } from '../../http/throttle.js';
import { appendAudit } from '../audit/index.js';
import * as auth from '../auth/index.js';
import {
  generateTotpSecret,
  otpauthUri,
  REQUIRE_TOTP_ADMIN,
  verifyPassword,
  verifyTotp,
} from '../auth/index.js';
import { putSetting, systemSetting } from '../settings/index.js';
import { loadManageableUser } from '../users/index.js';
import * as repo from './repo.js';

async function totpRequiredFor(ctx: Ctx, actor: { roles: readonly string[] }) {
  return (
    actor.roles.includes('bureau_admin') && (await systemSetting(ctx.db, REQUIRE_TOTP_ADMIN, false)) === true
  );
}

export async function securityOverview(ctx: Ctx, actor: Actor) {
  const user = (await auth.findUserById(ctx.db, actor.userId))!;
  const sessions = await repo.listActiveSessions(
    ctx.db,
    actor.userId,
    ctx.clock.now(),
    ctx.config.idleMinutes,
  );
  return {
    totpEnabled: !!user.totp_enabled_at,
    totpRequired: await totpRequiredFor(ctx, actor),
    sessions: sessions.map((s) => presentSession(s, actor.sessionId)),
  };
}

export function presentSession(s: repo.SessionListRow, currentId?: string) {
  return {
    key: s.id.slice(0, 16),
    createdAt: new Date(s.created_at).toISOString(),
    lastSeenAt: new Date(s.last_seen_at).toISOString(),
    expiresAt: new Date(s.expires_at).toISOString(),
    ip: s.ip,
    userAgent: s.user_agent,
    current: s.id === currentId,
  };
}

/** The actor's password, checked under the same counter as their codes (`secretChecks`). */
async function checkPassword(ctx: Ctx, actor: Actor, password: string) {
  const guard = secretChecks(ctx.config, actor.userId);
  guard.check(ctx.clock.now().getTime());
  const user = (await auth.findUserById(ctx.db, actor.userId))!;
  if (!(await verifyPassword(password, user.password_hash))) {
    guard.fail(ctx.clock.now().getTime());
    throw badRequest('密码不正确', 'password');
  }
  return user;
}

export async function totpSetup(ctx: Ctx, actor: Actor, password: string) {
  const user = await checkPassword(ctx, actor, password);
  if (user.totp_enabled_at) throw conflict('动态验证码已启用；如需更换请先停用');
  const secret = generateTotpSecret();
  await ctx.db.tx(async (q) => {
    await auth.setTotp(q, actor.userId, { secretEnc: ctx.fields.encrypt(secret), enabledAt: null });
    await appendAudit(q, {
      at: ctx.clock.now(),
      actorId: actor.userId,
      action: 'user.totp_setup',
      entity: 'user',
      entityId: actor.userId,
    });
  });
  return { secret, otpauthUri: otpauthUri(actor.username, secret) };
}

export async function totpConfirm(ctx: Ctx, actor: Actor, code: string) {
  const now = ctx.clock.now();
  const guard = secretChecks(ctx.config, actor.userId);
  guard.check(now.getTime());
  await ctx.db.tx(async (q) => {
    const user = (await auth.findUserById(q, actor.userId))!;
    if (user.totp_enabled_at) throw conflict('动态验证码已启用');
    if (!user.totp_secret_enc) throw badRequest('请先生成密钥', 'code');
    const step = verifyTotp(ctx.fields.decrypt(user.totp_secret_enc), code, now, user.totp_last_step);
    if (step === null) {
      guard.fail(now.getTime());
      throw badRequest('动态验证码错误：请核对手机时间并输入当前显示的 6 位数字', 'code');
    }
    await auth.setTotp(q, actor.userId, {
      secretEnc: user.totp_secret_enc,
      enabledAt: now,
      lastStep: step,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'user.totp_enable',
      entity: 'user',
      entityId: actor.userId,
    });
  });
}

export async function totpDisable(ctx: Ctx, actor: Actor, password: string, code: string) {
  const user = await checkPassword(ctx, actor, password);
  if (!user.totp_enabled_at || !user.totp_secret_enc) throw badRequest('动态验证码未启用', 'code');
  if (await totpRequiredFor(ctx, actor)) throw forbidden('系统要求管理员使用动态验证码，不能停用');
  const now = ctx.clock.now();
  if (verifyTotp(ctx.fields.decrypt(user.totp_secret_enc), code, now, user.totp_last_step) === null) {
    secretChecks(ctx.config, actor.userId).fail(now.getTime());
    throw badRequest('动态验证码错误', 'code');
  }
  await ctx.db.tx(async (q) => {
    await auth.setTotp(q, actor.userId, { secretEnc: null, enabledAt: null });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'user.totp_disable',
      entity: 'user',
      entityId: actor.userId,
    });
  });
}

export async function listUserSessions(ctx: Ctx, actor: Actor, userId: number) {
  if (userId !== actor.userId) await loadManageableUser(ctx, actor, userId);
  const rows = await repo.listActiveSessions(ctx.db, userId, ctx.clock.now(), ctx.config.idleMinutes);
  return rows.map((s) => presentSession(s, actor.sessionId));
}

export async function revokeUserSession(ctx: Ctx, actor: Actor, userId: number, key: string) {
  if (userId !== actor.userId) await loadManageableUser(ctx, actor, userId);
  const now = ctx.clock.now();
  await ctx.db.tx(async (q) => {
    if (!(await repo.revokeSessionByKey(q, userId, key, now))) throw notFound('会话');
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'session.revoke',
      entity: 'user',
      entityId: userId,
      detail: { session: key },
    });
  });
}

export async function resetUserTotp(ctx: Ctx, actor: Actor, userId: number) {
  await loadManageableUser(ctx, actor, userId);
  if (userId === actor.userId) throw badRequest('请在“账户安全”中管理自己的动态验证码');
  const now = ctx.clock.now();
  await ctx.db.tx(async (q) => {
    await auth.setTotp(q, userId, { secretEnc: null, enabledAt: null });
    await auth.revokeUserSessions(q, userId, now);
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'user.totp_reset',
      entity: 'user',
      entityId: userId,
    });
  });
}

export async function getSettings(ctx: Ctx) {
  return { requireTotpAdmin: (await systemSetting(ctx.db, REQUIRE_TOTP_ADMIN, false)) === true };
}

export async function updateSettings(ctx: Ctx, actor: Actor, s: { requireTotpAdmin: boolean }) {
  if (!can(actor.roles, 'config.manage')) throw forbidden();
  const now = ctx.clock.now();
  const before = await getSettings(ctx);
  await ctx.db.tx(async (q) => {
    await putSetting(q, {
      areaId: null,
      key: REQUIRE_TOTP_ADMIN,
      value: s.requireTotpAdmin,
      by: actor.userId,
      now,
    });
    await appendAudit(q, {
      at: now,
      actorId: actor.userId,
      action: 'settings.update',
      entity: 'settings',
      entityId: REQUIRE_TOTP_ADMIN,
      detail: { old: before.requireTotpAdmin, new: s.requireTotpAdmin },
    });
  });
  return getSettings(ctx);
}
