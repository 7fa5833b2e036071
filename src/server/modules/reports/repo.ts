import type { Queryable } from '../../db/db.js';
import { sql } from '../../db/sql.js';
import type { Scope } from '../../http/scope.js';
import type { KeptFile } from '../files/index.js';
import { type StoredAnswers, withAnswers } from '../visits/index.js';

export async function insertReport(
  q: Queryable,
  r: {
    period: string;
    areaId: number;
    filename: string;
    file: KeptFile;
    createdBy: number;
    now: Date;
  },
): Promise<number> {
  const [row] = await q.query<{ id: number }>(
    sql(`insert into oversight_reports (kind, period, area_id, filename, size, sha256, content, stored, created_by, created_at)
     values ('monthly', $1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`),
    [
      r.period,
      r.areaId,
      r.filename,
      r.file.size,
      r.file.sha256,
      r.file.content,
      r.file.stored,
      r.createdBy,
      r.now,
    ],
  );
  return row.id;
}

export interface ReportRow {
  id: number;
  period: string;
  area_id: number;
  area_name: string;
  filename: string;
  size: number;
  sha256: string;
  created_by_name: string | null;
  created_at: Date;
}

/** Kept reports of areas in scope, newest first (keyset on id). */
export async function listReports(
  q: Queryable,
  scope: Scope,
  f: { areaId?: number; period?: string; before?: number; limit: number },
): Promise<ReportRow[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  if (!scope.all) {
    params.push(scope.areaIds);
    where.push(`r.area_id = any($${params.length}::int[])`);
  }
  if (f.areaId) {
    params.push(f.areaId);
    where.push(`r.area_id = $${params.length}`);
  }
  if (f.period) {
    params.push(f.period);
    where.push(`r.period = $${params.length}`);
  }
  if (f.before) {
    params.push(f.before);
    where.push(`r.id < $${params.length}`);
  }
  params.push(f.limit);
  return q.query<ReportRow>(
    sql(`select r.id, r.period, r.area_id, a.name as area_name, r.filename, r.size, r.sha256,
            u.display_name as created_by_name, r.created_at
       from oversight_reports r join areas a on a.id = r.area_id left join users u on u.id = r.created_by
      ${where.length ? `where ${where.join(' and ')}` : ''}
      order by r.id desc limit $${params.length}`),
    params,
  );
}

export async function getReportContent(q: Queryable, scope: Scope, id: number) {
  const params: unknown[] = [id];
  let cond = 'true';
  if (!scope.all) {
    params.push(scope.areaIds);
    cond = `area_id = any($2::int[])`;
  }
  const [r] = await q.query<{
    filename: string;
    content: Buffer | Uint8Array | null;
    sha256: string;
    stored: boolean;
    area_id: number;
  }>(
    sql(`select filename, content, sha256, stored, area_id from oversight_reports where id = $1 and ${cond}`),
    params,
  );
  return r;
}

/** Everything of a person file that other modules keep, oldest first (a person has a few hundred rows at most). */
export async function dossierParts(q: Queryable, personId: number) {
  const agreements = await q.query<{
    caregiver_name: string;
    relation: string;
    start_date: string;
    end_date: string;
    monthly_fee: number;
    status: string;
    termination_reason: string | null;
    pledge_signed_on: string | null;
  }>(
    sql(`select c.name as caregiver_name, a.relation, a.start_date, a.end_date, a.monthly_fee, a.status,
            a.termination_reason, a.pledge_signed_on
       from care_agreements a join caregivers c on c.id = a.caregiver_id
      where a.person_id = $1 order by a.start_date, a.id`),
    [personId],
  );
  const visits = withAnswers(
    await q.query<{
      at: Date;
      method: string;
      outcome: string;
      qualifying: boolean;
      visitor_name: string;
      duration_minutes: number | null;
      notes: string | null;
      checklist_version: number;
      answers: StoredAnswers;
    }>(
      sql(`select v.at, v.method, v.outcome, v.qualifying, u.display_name as visitor_name, v.duration_minutes, v.notes,
            v.checklist_version, v.answers
       from visits v join users u on u.id = v.visitor_id where v.person_id = $1 order by v.at, v.id`),
      [personId],
    ),
  );
  const incidents = await q.query<{
    opened_at: Date;
    type: string;
    description: string;
    status: string;
    outcome: string | null;
  }>(
    sql(
      'select opened_at, type, description, status, outcome from incidents where person_id = $1 order by opened_at, id',
    ),
    [personId],
  );
  const concerns = await q.query<{
    created_at: Date;
    category: string;
    description: string;
    handling: string;
    deadline: string | null;
    status: string;
    resolution: string | null;
  }>(
    sql(`select created_at, category, description, handling, deadline, status, resolution
       from concerns where person_id = $1 order by created_at, id`),
    [personId],
  );
  const referrals = await q.query<{
    created_at: Date;
    target: string;
    reason: string;
    status: string;
    response: string | null;
  }>(
    sql(
      'select created_at, target, reason, status, response from referrals where person_id = $1 order by created_at, id',
    ),
    [personId],
  );
  const payments = await q.query<{
    month: string;
    kind: string;
    amount_due: number;
    amount_paid: number;
    paid_on: string | null;
  }>(
    sql(
      'select month, kind, amount_due, amount_paid, paid_on from payments where person_id = $1 order by month, kind',
    ),
    [personId],
  );
  return { agreements, visits, incidents, concerns, referrals, payments };
}
