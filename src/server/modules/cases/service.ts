import type { Queryable } from '../../db/db.js';
import { badRequest, conflict, notFound } from '../../http/errors.js';
import * as repo from './repo.js';

export type { CaseEventRow, CaseKind, DeadlineChangeRow } from './repo.js';

/**
 * Whether moving a case's deadline needs the bureau's approval: once the deadline has passed or the
 * case was escalated, the town that is late may not move its own deadline (the escalation and the
 * overdue figure would disappear on one click). A request with a reason goes to the bureau instead;
 * until it approves, the old deadline and the escalation stand.
 */
export function deadlineNeedsApproval(c: { deadline: string | null; escalated: boolean }, today: string) {
  return c.escalated || (c.deadline != null && c.deadline < today);
}

export const APPROVAL_NEEDED_MESSAGE =
  '已逾期或已升级的事项不能直接调整期限：请填写原因提交延期申请，经区民政局批准';

/** Opens a deadline-change request (one waits at a time per case). Returns its id. */
export async function requestDeadlineChange(
  q: Queryable,
  r: {
    kind: repo.CaseKind;
    caseId: number;
    oldDeadline: string | null;
    newDeadline: string;
    reason: string;
    by: number;
    at: Date;
    today: string;
  },
): Promise<number> {
  const reason = r.reason.trim();
  if (!reason) throw badRequest('延期须填写原因', 'reason');
  if (r.newDeadline < r.today) throw badRequest('新的期限不能早于今天', 'deadline');
  if (r.oldDeadline && r.newDeadline <= r.oldDeadline)
    throw badRequest(`新的期限应晚于原期限 ${r.oldDeadline}`, 'deadline');
  const id = await repo.insertDeadlineChange(q, { ...r, reason });
  if (id == null) throw conflict('已有一份延期申请等待区民政局审批', 'deadline');
  return id;
}

/** The bureau approves or refuses a pending request (a refusal names its reason). */
export async function decideDeadlineChange(
  q: Queryable,
  d: {
    kind: repo.CaseKind;
    caseId: number;
    requestId: number;
    approve: boolean;
    note: string | undefined;
    by: number;
    at: Date;
  },
): Promise<repo.DeadlineChangeRow> {
  const req = await repo.getDeadlineChange(q, d.kind, d.caseId, d.requestId);
  if (!req) throw notFound('延期申请');
  if (req.status !== 'pending') throw conflict('该延期申请已处理过', 'requestId');
  const note = d.note?.trim() || null;
  if (!d.approve && !note) throw badRequest('不批准须填写理由', 'note');
  const ok = await repo.decideDeadlineChange(q, {
    id: req.id,
    status: d.approve ? 'approved' : 'refused',
    by: d.by,
    at: d.at,
    note,
  });
  if (!ok) throw conflict('该延期申请已处理过', 'requestId');
  return req;
}

export const listDeadlineChanges = repo.listDeadlineChanges;

/** A case's timeline, oldest first, in one shape whatever the case (who, when, what, why). */
export const listTimeline = repo.listTimeline;
/** Adds to a case's timeline, in the caller's transaction, with the change it records. */
export const appendTimeline = repo.appendTimeline;
