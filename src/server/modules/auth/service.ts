import { createHash, randomBytes } from 'node:crypto';
import type { Me } from '../../../shared/api/auth.js';
import type { Role } from '../../../shared/roles.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { FieldCipher } from '../../crypto/field-cipher.js';
import type { Db } from '../../db/db.js';
import { AppError } from '../../http/errors.js';
import type { Actor } from '../../http/scope.js';
import { loginFailures } from '../../http/throttle.js';
import { listAreas } from '../areas/index.js';
import { appendAudit } from '../audit/index.js';
import { systemSetting } from '../settings/index.js';
import { verifyPassword } from './password.js';
import * as repo from './repo.js';
import { generateTotpSecret, otpauthUri, verifyTotp } from './totp.js';

export const MAX_FAILURES = 5;
export const LOCK_MINUTES = 15;

export const tokenId = (token: string) => createHash('sha256').update(token).digest('hex');

export const REQUIRE_TOTP_ADMIN = 'security.require_totp_admin';
const CHALLENGE_MINUTES = 5;
const MAX_TOTP_ATTEMPTS = 5;

/** After a right password, when the user has (or must set up) a second factor. */
export interface TotpStep {
  totpRequired: true;
  challenge: string;
  expiresAt: Date;
  /** Present when the user must enrol now: the secret to type into the authenticator app. */
  enrol?: { secret: string; otpauthUri: string };
}

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
  fields: FieldCipher;
  username: string;
  password: string;
  ip?: string;
  userAgent?: string;
}): Promise<LoginResult | TotpStep> {
  const { db, clock } = opts;
  const now = clock.now();
  // One address failing across many names (password spraying) is held back before anything is read.
  const address = loginFailures(opts.config, opts.ip ?? '');
  address.check(now.getTime());
  // One answer for an unknown name, a wrong password, a locked and a disabled account (right password
  // or not), in about the same time: none of them tells whether an account exists.
  const wrong = new AppError(
    401,
    'BAD_CREDENTIALS',
    `用户名或密码错误（连续 ${MAX_FAILURES} 次错误后账户将锁定 ${LOCK_MINUTES} 分钟）`,
  );
  const refuse = async (action: string | null, userId?: number, detail?: Record<string, unknown>) => {
    address.fail(now.getTime());
    if (action && userId) {
      await appendAudit(db, {
        at: now,
        actorId: userId,
        action,
        entity: 'user',
        entityId: userId,
        detail,
        ip: opts.ip,
      });
    }
    return wrong;
  };
  const user = await repo.findUserForLogin(db, opts.username);
  if (!user) {
    // Spend the same time as a real check so usernames cannot be probed by timing.
    await verifyPassword(opts.password, DUMMY_HASH);
    throw await refuse(null);
  }
  // The attempt is counted before the password is checked (in the database, atomically): of attempts
  // sent at once only the first MAX_FAILURES are checked at all.
  const { attempt, locked } = await repo.reserveLoginAttempt(db, user.id, now, MAX_FAILURES, LOCK_MINUTES);
  if (locked) {
    await verifyPassword(opts.password, DUMMY_HASH);
    throw await refuse('login.failed', user.id, { locked: true });
  }
  const ok = await verifyPassword(opts.password, user.password_hash);
  if (!ok) {
    const lockNow = attempt >= MAX_FAILURES;
    if (lockNow) await repo.lockAccount(db, user.id, now, LOCK_MINUTES);
    throw await refuse(lockNow ? 'login.locked' : 'login.failed', user.id);
  }
  if (user.disabled_at) throw await refuse('login.failed', user.id, { disabled: true });

  const grants = await repo.listGrants(db, user.id);
  const totpRequired =
    !!user.totp_enabled_at ||
    (grants.some((g) => g.role === 'bureau_admin') &&
      (await systemSetting(db, REQUIRE_TOTP_ADMIN, false)) === true);
  if (totpRequired) {
    // Second step: the password was right; a challenge now waits for the authenticator code.
    const challenge = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + CHALLENGE_MINUTES * 60000);
    let enrol: { secret: string; otpauthUri: string } | undefined;
    await db.tx(async (q) => {
      await repo.setLoginFailures(q, user.id, 0, null);
      await repo.insertChallenge(q, { id: tokenId(challenge), userId: user.id, now, expiresAt, ip: opts.ip });
      if (!user.totp_enabled_at) {
        // Required but not yet set up: enrol now, shown once, confirmed by the first code.
        const secret = generateTotpSecret();
        await repo.setTotp(q, user.id, { secretEnc: opts.fields.encrypt(secret), enabledAt: null });
        enrol = { secret, otpauthUri: otpauthUri(user.username, secret) };
      }
      await appendAudit(q, {
        at: now,
        actorId: user.id,
        action: 'login.password_ok',
        entity: 'user',
        entityId: user.id,
        detail: { totp: enrol ? 'enrol' : 'code' },
        ip: opts.ip,
      });
    });
    return { totpRequired: true, challenge, expiresAt, enrol };
  }
  return openSession({ ...opts, user, grants, now, detail: {} });
}

/** Redeems a login challenge with an authenticator code; enables TOTP when this was its enrolment. */
export async function loginTotp(opts: {
  db: Db;
  clock: Clock;
  config: Config;
  fields: FieldCipher;
  challenge: string;
  code: string;
  ip?: string;
  userAgent?: string;
}): Promise<LoginResult> {
  const { db } = opts;
  const now = opts.clock.now();
  const expired = new AppError(401, 'CHALLENGE_EXPIRED', '验证已失效，请重新输入用户名和密码');
  const outcome = await db.tx(async (q) => {
    const c = await repo.lockChallenge(q, tokenId(opts.challenge));
    if (!c || c.used_at || c.expires_at <= now || c.attempts >= MAX_TOTP_ATTEMPTS) return 'expired' as const;
    const user = await repo.findUserById(q, c.user_id);
    if (!user?.totp_secret_enc || user.disabled_at) return 'expired' as const;
    const step = verifyTotp(opts.fields.decrypt(user.totp_secret_enc), opts.code, now, user.totp_last_step);
    if (step === null) {
      await repo.countChallengeAttempt(q, c.id);
      await appendAudit(q, {
        at: now,
        actorId: user.id,
        action: 'login.totp_failed',
        entity: 'user',
        entityId: user.id,
        ip: opts.ip,
      });
      return 'wrong' as const;
    }
    await repo.redeemChallenge(q, c.id, now);
    const enrolled = !user.totp_enabled_at;
    await repo.setTotp(q, user.id, {
      secretEnc: user.totp_secret_enc,
      enabledAt: user.totp_enabled_at ?? now,
      lastStep: step,
    });
    if (enrolled) {
      await appendAudit(q, {
        at: now,
        actorId: user.id,
        action: 'user.totp_enable',
        entity: 'user',
        entityId: user.id,
        ip: opts.ip,
      });
    }
    return { user, enrolled };
  });
  if (outcome === 'expired') throw expired;
  if (outcome === 'wrong') throw new AppError(401, 'BAD_TOTP', '动态验证码错误', 'code');
  const grants = await repo.listGrants(db, outcome.user.id);
  return openSession({ ...opts, user: outcome.user, grants, now, detail: { totp: true } });
}

async function openSession(opts: {
  db: Db;
  config: Config;
  user: repo.LoginUserRow;
  grants: Awaited<ReturnType<typeof repo.listGrants>>;
  now: Date;
  detail: Record<string, unknown>;
  ip?: string;
  userAgent?: string;
}): Promise<LoginResult> {
  const { db, user, now } = opts;
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
      detail: opts.detail,
      ip: opts.ip,
    });
  });
  return {
    token,
    csrfToken,
    expiresAt,
    user: {
      id: user.id,
      username: user.username,
      displayName: user.display_name,
      roles: uniqueRoles(opts.grants),
    },
  };
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

const uniqueRoles = (grants: { role: Role }[]) => [...new Set(grants.map((g) => g.role))];

/** Resolves a bearer or cookie token to an actor, or explains why not. */
export async function authenticate(
  ctx: { db: Db; clock: Clock; config: Config },
  token: string,
  viaCookie: boolean,
): Promise<Actor> {
  const now = ctx.clock.now();
  // One statement: session, user, grants and scope areas (this runs on every request).
  const s = await repo.findSessionActor(ctx.db, tokenId(token));
  if (!s || s.revoked_at) throw new AppError(401, 'UNAUTHORIZED', '登录已失效，请重新登录');
  if (s.expires_at <= now) throw new AppError(401, 'SESSION_EXPIRED', '登录已过期，请重新登录');
  if (now.getTime() - s.last_seen_at.getTime() > ctx.config.idleMinutes * 60000) {
    await repo.revokeSession(ctx.db, s.id, now);
    throw new AppError(401, 'SESSION_IDLE', '长时间未操作，登录已失效，请重新登录');
  }
  if (s.disabled_at) throw new AppError(401, 'ACCOUNT_DISABLED', '账户已停用');
  // Write last-seen at most once a minute: a busy visitor should not cost a write per request.
  if (now.getTime() - s.last_seen_at.getTime() > 60000) await repo.touchSession(ctx.db, s.id, now);
  const grants = s.grants.map((r) => ({ role: r.role, areaId: r.area_id, department: r.department }));
  const areas = { all: s.all_areas, areaIds: s.area_ids };
  const roles = uniqueRoles(grants);
  return {
    userId: s.user_id,
    username: s.username,
    displayName: s.display_name,
    roles,
    grants,
    sessionId: s.id,
    viaCookie,
    csrfToken: s.csrf_token,
    mustChangePassword: s.must_change_password,
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

/** The signed-in user as the console and the phone see themselves: roles, grants and their areas. */
export async function me(db: Db, a: Actor): Promise<Me> {
  const areas = await listAreas(db, [...new Set(a.grants.map((g) => g.areaId))], true);
  return {
    id: a.userId,
    username: a.username,
    displayName: a.displayName,
    roles: a.roles,
    grants: a.grants,
    areas: areas.map((x) => ({ id: x.id, code: x.code, name: x.name, level: x.level })),
    csrfToken: a.csrfToken,
  };
}
