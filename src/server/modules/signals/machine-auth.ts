import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { REPLAY_WINDOW_SECONDS, SERVICE_TOKEN_PREFIX } from '../../../shared/signals.js';
import type { Ctx } from '../../context.js';
import type { Queryable } from '../../db/db.js';
import { type AppError, forbidden, unauthorized } from '../../http/errors.js';
import { appendAudit } from '../audit/index.js';
import * as repo from './repo.js';

/**
 * The machines' credentials (kept apart from the service so http/auth.ts can refuse a machine's
 * token on a person's route without depending on the modules signals opens work in).
 */
export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The state shown in lists: revoked wins over expired. */
export function accountState(a: repo.AccountRow, now: Date): 'active' | 'expired' | 'revoked' {
  if (a.revoked_at) return 'revoked';
  return a.expires_at.getTime() <= now.getTime() ? 'expired' : 'active';
}

/** An audit row of a machine's call, under the service account (no user acted). */
export async function auditMachine(
  q: Queryable,
  a: repo.AccountRow,
  action: 'signals.submit' | 'signals.refused',
  now: Date,
  detail: Record<string, unknown>,
  chainKey?: string,
) {
  await appendAudit(q, {
    at: now,
    actorId: null,
    action,
    entity: 'service_account',
    entityId: a.id,
    areaId: a.area_id,
    detail: { account: a.name, ...detail },
    // One account's calls spread over the audit chains (a hospital's burst is not one queue).
    chainKey,
  });
}

/** Refuses a machine's call with its reason in the audit log (committed on its own: the call fails). */
export async function refuse(ctx: Ctx, a: repo.AccountRow, err: AppError, detail: Record<string, unknown>) {
  await auditMachine(ctx.db, a, 'signals.refused', ctx.clock.now(), {
    status: err.statusCode,
    message: err.message,
    ...detail,
  });
  return err;
}

/**
 * Authenticates a machine's request: its token (a person's session never), the account live, the
 * timestamp inside the replay window and the HMAC of `timestamp + "." + body` with the account's
 * secret. A failure after the account is known is audited under it.
 */
export async function authenticateMachine(
  ctx: Ctx,
  h: { authorization?: string; timestamp?: string; signature?: string; rawBody: Buffer },
): Promise<repo.AccountRow> {
  const token = h.authorization?.startsWith('Bearer ') ? h.authorization.slice(7).trim() : '';
  if (!token.startsWith(SERVICE_TOKEN_PREFIX))
    throw unauthorized('缺少服务账号令牌（Authorization: Bearer tfsa_…）；用户登录凭据不能用于报送预警');
  const a = await repo.accountByTokenHash(ctx.db, sha256(token));
  if (!a) throw unauthorized('服务账号令牌无效');
  const now = ctx.clock.now();
  const state = accountState(a, now);
  if (state !== 'active')
    throw await refuse(ctx, a, unauthorized(state === 'revoked' ? '服务账号已吊销' : '服务账号已过期'), {
      reason: state,
    });
  const ts = Number(h.timestamp);
  if (!h.timestamp || !/^\d{9,11}$/.test(h.timestamp) || !Number.isFinite(ts))
    throw await refuse(ctx, a, unauthorized('缺少或错误的时间戳请求头 X-Tanfang-Timestamp（Unix 秒）'), {
      reason: 'timestamp',
    });
  if (Math.abs(now.getTime() / 1000 - ts) > REPLAY_WINDOW_SECONDS)
    throw await refuse(
      ctx,
      a,
      unauthorized(`请求时间戳与服务器时间相差超过 ${REPLAY_WINDOW_SECONDS} 秒，已拒绝（防重放）`),
      { reason: 'stale', timestamp: ts },
    );
  const expected = createHmac('sha256', ctx.fields.decrypt(a.secret_enc))
    .update(`${h.timestamp}.`)
    .update(h.rawBody)
    .digest();
  const given = /^sha256=([0-9a-f]{64})$/.exec(h.signature ?? '');
  if (!given || !timingSafeEqual(Buffer.from(given[1], 'hex'), expected))
    throw await refuse(ctx, a, unauthorized('签名错误（X-Tanfang-Signature）'), { reason: 'signature' });
  return a;
}

/**
 * A service account's token presented to a route for persons (http/auth.ts): refused with 403 and
 * audited under the account — a machine's credential never acts as a user.
 */
export async function refuseServiceToken(ctx: Ctx, token: string, url: string): Promise<never> {
  const a = await repo.accountByTokenHash(ctx.db, sha256(token));
  if (!a) throw unauthorized('服务账号令牌无效');
  throw await refuse(ctx, a, forbidden('服务账号只能调用报送预警接口（POST /api/signals）'), {
    reason: 'route',
    url: url.slice(0, 200),
  });
}
