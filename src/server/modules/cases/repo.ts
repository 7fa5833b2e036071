import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';

export type CaseKind = 'concern' | 'incident' | 'referral';
export type DeadlineChangeStatus = 'pending' | 'approved' | 'refused';

export interface DeadlineChangeRow {
  id: number;
  case_kind: CaseKind;
  case_id: number;
  old_deadline: string | null;
  new_deadline: string;
  reason: string;
  status: DeadlineChangeStatus;
  requested_by: number;
  requested_by_name: string | null;
  requested_at: Date;
  decided_by: number | null;
  decided_by_name: string | null;
  decided_at: Date | null;
  decision_note: string | null;
}

const SELECT = `select c.id, c.case_kind, c.case_id, c.old_deadline::text as old_deadline,
    c.new_deadline::text as new_deadline, c.reason, c.status, c.requested_by, ru.display_name as requested_by_name,
    c.requested_at, c.decided_by, du.display_name as decided_by_name, c.decided_at, c.decision_note
  from case_deadline_changes c
  left join users ru on ru.id = c.requested_by
  left join users du on du.id = c.decided_by`;

export async function insertDeadlineChange(
  q: Queryable,
  r: {
    kind: CaseKind;
    caseId: number;
    oldDeadline: string | null;
    newDeadline: string;
    reason: string;
    by: number;
    at: Date;
  },
): Promise<number | null> {
  const rows = await q.query<{ id: number }>(
    sql(`insert into case_deadline_changes
           (case_kind, case_id, old_deadline, new_deadline, reason, requested_by, requested_at)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (case_kind, case_id) where status = 'pending' do nothing
         returning id`),
    [r.kind, r.caseId, r.oldDeadline, r.newDeadline, r.reason, r.by, r.at],
  );
  return rows[0]?.id ?? null;
}

export async function getDeadlineChange(q: Queryable, kind: CaseKind, caseId: number, id: number) {
  const rows = await q.query<DeadlineChangeRow>(
    sql(`${SELECT} where c.case_kind = $1 and c.case_id = $2 and c.id = $3`),
    [kind, caseId, id],
  );
  return rows[0] ?? null;
}

export async function listDeadlineChanges(q: Queryable, kind: CaseKind, caseId: number) {
  return q.query<DeadlineChangeRow>(
    sql(`${SELECT} where c.case_kind = $1 and c.case_id = $2 order by c.id`),
    [kind, caseId],
  );
}

/** Decides a pending request; null when it was decided already (by someone else). */
export async function decideDeadlineChange(
  q: Queryable,
  d: { id: number; status: 'approved' | 'refused'; by: number; at: Date; note: string | null },
): Promise<boolean> {
  const rows = await q.query<{ id: number }>(
    sql(`update case_deadline_changes set status = $2, decided_by = $3, decided_at = $4, decision_note = $5
         where id = $1 and status = 'pending' returning id`),
    [d.id, d.status, d.by, d.at, d.note],
  );
  return rows.length > 0;
}

/**
 * The case timelines: one shape over the three tables that hold them (incident_actions,
 * concern_entries, referral_entries — kept as they are, their rows are not rewritten). A referral's
 * entry kind is the status it moved to ('note' when none).
 */
const TIMELINES: Record<CaseKind, { table: string; fk: string; kind: string; text: string; detail: string }> =
  {
    incident: {
      table: 'incident_actions',
      fk: 'incident_id',
      kind: 'x.kind',
      text: 'x.note',
      detail: 'x.detail',
    },
    concern: {
      table: 'concern_entries',
      fk: 'concern_id',
      kind: 'x.kind',
      text: 'x.body',
      detail: 'x.detail',
    },
    referral: {
      table: 'referral_entries',
      fk: 'referral_id',
      kind: "coalesce(x.status, 'note')",
      text: 'x.note',
      detail: "'{}'::jsonb",
    },
  };

export interface CaseEventRow {
  id: number;
  at: Date;
  kind: string;
  text: string;
  actor_name: string | null;
  detail: Record<string, unknown>;
}

export async function listTimeline(q: Queryable, kind: CaseKind, caseId: number): Promise<CaseEventRow[]> {
  const t = TIMELINES[kind];
  const rows = await q.query<CaseEventRow>(
    sql(`select x.id, x.at, ${t.kind} as kind, ${t.text} as text, u.display_name as actor_name, ${t.detail} as detail
           from ${t.table} x left join users u on u.id = x.actor_id
          where x.${t.fk} = $1 order by x.id`),
    [caseId],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export async function appendTimeline(
  q: Queryable,
  kind: CaseKind,
  e: { caseId: number; kind: string; text?: string; actorId: number | null; detail?: object; at: Date },
): Promise<void> {
  if (kind === 'referral') {
    await q.query(
      sql(
        'insert into referral_entries (referral_id, at, status, note, actor_id) values ($1, $2, $3, $4, $5)',
      ),
      [e.caseId, e.at, e.kind === 'note' ? null : e.kind, e.text ?? '', e.actorId],
    );
    return;
  }
  const t = TIMELINES[kind];
  const textCol = kind === 'incident' ? 'note' : 'body';
  await q.query(
    sql(
      `insert into ${t.table} (${t.fk}, at, kind, ${textCol}, actor_id, detail) values ($1, $2, $3, $4, $5, $6)`,
    ),
    [e.caseId, e.at, e.kind, e.text ?? '', e.actorId, JSON.stringify(e.detail ?? {})],
  );
}
