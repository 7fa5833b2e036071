import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../../../shared/roles.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/db.js';
import { AppError } from '../../http/errors.js';
import type { Actor } from '../../http/scope.js';
import { appendAudit } from '../audit/repo.js';
import { verifyPassword } from './password.js';
import * as repo from './repo.js';

export const MAX_FAILURES = 5;
export const LOCK_MINUTES = 15;

const tokenId = (token: string) => createHash('sha256').update(token).digest('hex');

export interface LoginResult {
  token: string;
  csrfToken: string;
  expiresAt: Date;
  user: { id: number; username: string; displayName: string; roles: Role[] };
}

export async function login(opts: {
  db: Db;
  clock: Clock;
  config: Config;
  username: string;
  password: string;
  ip?: string;
  userAgent?: string;
}): Promise<LoginResult> {
  const { db, clock } = opts;
  const now = clock.now();
  const user = await repo.findUserForLogin(db, opts.username);
  const wrong = new AppError(401, 'BAD_CREDENTIALS', '用户名或密码错误');
  if (!user) {
    // Spend the same time as a real check so usernames cannot be probed by timing.
    await verifyPassword(opts.password, DUMMY_HASH);
    throw wrong;
  }
  if (user.locked_until && user.locked_until > now) {
    const minutes = Math.ceil((user.locked_until.getTime() - now.getTime()) / 60000);
    throw new AppError(423, 'ACCOUNT_LOCKED', `连续登录失败次数过多，账户已锁定，请 ${minutes} 分钟后再试`);
  }
  const ok = await verifyPassword(opts.password, user.password_hash);
  if (!ok) {
    const failures = (user.locked_until ? 0 : user.failed_logins) + 1;
    const lockUntil = failures >= MAX_FAILURES ? new Date(now.getTime() + LOCK_MINUTES * 60000) : null;
    await db.tx(async (q) => {
      await repo.setLoginFailures(q, user.id, failures, lockUntil);
      await appendAudit(q, {
        at: now,
        actorId: user.id,
        action: lockUntil ? 'login.locked' : 'login.failed',
        entity: 'user',
        entityId: user.id,
        ip: opts.ip,
      });
    });
    if (lockUntil) {
      throw new AppError(
        423,
        'ACCOUNT_LOCKED',
        `连续 ${MAX_FAILURES} 次登录失败，账户已锁定 ${LOCK_MINUTES} 分钟`,
      );
    }
    throw wrong;
  }
  if (user.disabled_at) throw new AppError(403, 'ACCOUNT_DISABLED', '账户已停用，请联系管理员');

  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + opts.config.sessionHours * 3600000);
  await db.tx(async (q) => {
    await repo.setLoginFailures(q, user.id, 0, null);
    await repo.insertSession(q, {
      id: tokenId(token),
      userId: user.id,
      csrf: csrfToken,
      now,
      expiresAt,
      ip: opts.ip,
      userAgent: opts.userAgent,
    });
    await appendAudit(q, {
      at: now,
      actorId: user.id,
      action: 'login',
      entity: 'user',
      entityId: user.id,
      ip: opts.ip,
    });
  });
  const grants = await repo.listGrants(db, user.id);
  return {
    token,
    csrfToken,
    expiresAt,
    user: {
      id: user.id,
      username: user.username,
      displayName: user.display_name,
      roles: uniqueRoles(grants),
    },
  };
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

const uniqueRoles = (grants: { role: Role }[]) => [...new Set(grants.map((g) => g.role))];

/** Resolves a bearer or cookie token to an actor, or explains why not. */
export async function authenticate(opts: {
  db: Db;
  clock: Clock;
  config: Config;
  token: string;
  viaCookie: boolean;
}): Promise<Actor> {
  const now = opts.clock.now();
  const s = await repo.findSession(opts.db, tokenId(opts.token));
  if (!s || s.revoked_at) throw new AppError(401, 'UNAUTHORIZED', '登录已失效，请重新登录');
  if (s.expires_at <= now) throw new AppError(401, 'SESSION_EXPIRED', '登录已过期，请重新登录');
  if (now.getTime() - s.last_seen_at.getTime() > opts.config.idleMinutes * 60000) {
    await repo.revokeSession(opts.db, s.id, now);
    throw new AppError(401, 'SESSION_IDLE', '长时间未操作，登录已失效，请重新登录');
  }
  if (s.disabled_at) throw new AppError(401, 'ACCOUNT_DISABLED', '账户已停用');
  // Write last-seen at most once a minute: a busy visitor should not cost a write per request.
  if (now.getTime() - s.last_seen_at.getTime() > 60000) await repo.touchSession(opts.db, s.id, now);
  const [grants, areas] = await Promise.all([
    repo.listGrants(opts.db, s.user_id),
    repo.scopeAreas(opts.db, s.user_id),
  ]);
  const roles = uniqueRoles(grants);
  return {
    userId: s.user_id,
    username: s.username,
    displayName: s.display_name,
    roles,
    grants,
    sessionId: s.id,
    viaCookie: opts.viaCookie,
    csrfToken: s.csrf_token,
    scope: {
      userId: s.user_id,
      all: areas.all,
      areaIds: areas.areaIds,
      visitor: roles.includes('visitor'),
      departments: grants.filter((g) => g.department).map((g) => g.department!),
    },
  };
}

export async function logout(opts: { db: Db; clock: Clock; actor: Actor }) {
  await opts.db.tx(async (q) => {
    await repo.revokeSession(q, opts.actor.sessionId, opts.clock.now());
    await appendAudit(q, {
      at: opts.clock.now(),
      actorId: opts.actor.userId,
      action: 'logout',
      entity: 'user',
      entityId: opts.actor.userId,
    });
  });
}
