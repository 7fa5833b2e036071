import { chinaDayStart } from '../../../shared/china-time.js';
import type { Ctx } from '../../context.js';
import type { Queryable } from '../../db/db.js';
import { badRequest } from '../../http/errors.js';
import type { Actor } from '../../http/scope.js';
import { type AuditFilter, appendAudit, listAuditActions, searchAudit, searchAuditActors } from './repo.js';
import { verifyAuditChain } from './verify.js';

/**
 * Records that an actor looked at sensitive data (a person file, full ID numbers, an export). Call it
 * in the transaction that reads the data, so a view that is not logged is a view that did not happen.
 */
export async function recordView(
  q: Queryable,
  o: {
    actor: Actor;
    at: Date;
    entity: string;
    entityId: string | number;
    areaId?: number | null;
    personId?: number | null;
    /** What was shown, e.g. ['idNumber', 'phone'] or 'file'. */
    what?: string | string[];
    reason?: string;
    ip?: string | null;
  },
): Promise<void> {
  await appendAudit(q, {
    at: o.at,
    actorId: o.actor.userId,
    action: `${o.entity}.view`,
    entity: o.entity,
    entityId: o.entityId,
    areaId: o.areaId ?? null,
    detail: {
      ...(o.personId != null ? { personId: o.personId } : {}),
      ...(o.what ? { what: o.what } : {}),
      ...(o.reason ? { reason: o.reason } : {}),
    },
    ip: o.ip ?? null,
  });
}

/** A date `YYYY-MM-DD` is a China-time calendar day; anything else must be an ISO instant. */
function toInstant(v: string, field: string, endOfDay: boolean): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const d = chinaDayStart(v);
    return endOfDay ? new Date(d.getTime() + 86400000) : d;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw badRequest('日期格式应为 YYYY-MM-DD 或 ISO 时间', field);
  return new Date(t);
}

/** Searches the log. Searching it is itself an access to personal data: the search is logged too. */
export async function search(
  ctx: Ctx,
  actor: Actor,
  f: Omit<AuditFilter, 'from' | 'to'> & { from?: string; to?: string },
  ip: string,
) {
  const from = f.from ? toInstant(f.from, 'from', false) : undefined;
  const to = f.to ? toInstant(f.to, 'to', true) : undefined;
  if (from && to && from >= to) throw badRequest('开始日期应早于结束日期', 'from');
  const rows = await searchAudit(ctx.db, { ...f, from, to }, actor.scope);
  await appendAudit(ctx.db, {
    at: ctx.clock.now(),
    actorId: actor.userId,
    action: 'audit.search',
    entity: 'audit',
    detail: { filter: f, rows: rows.length },
    ip,
  });
  return rows;
}

/** Verifies the hash chains (`verifyAuditChain`) and logs that it was done, with the outcome. */
export async function verify(ctx: Ctx, actor: Actor, range: { from?: number; to?: number }, ip: string) {
  const res = await verifyAuditChain(ctx.db, range);
  await appendAudit(ctx.db, {
    at: ctx.clock.now(),
    actorId: actor.userId,
    action: 'audit.verify',
    entity: 'audit',
    detail: { ok: res.ok, checked: res.checked, problems: res.problems.length },
    ip,
  });
  return res;
}

/** The actions that occur in the log (the search form's choices). */
export const actions = (ctx: Ctx) => listAuditActions(ctx.db);

/** People who appear in the log as actors, found by name or user name (the search form's picker). */
export async function actors(ctx: Ctx, actor: Actor, q: string) {
  const rows = await searchAuditActors(ctx.db, q, actor.scope);
  return rows.map((u) => ({ id: u.id, username: u.username, displayName: u.display_name }));
}
