import { randomUUID } from 'node:crypto';
import type { Queryable } from '../src/server/db/db.js';
import { sql } from '../src/server/db/sql.js';
import type { VisitMethod, VisitOutcome } from '../src/shared/checklist.js';
import { periodWindow } from '../src/shared/schedule.js';
import { TEST_FIELDS } from './context.js';

/**
 * Rows of the visits schema (004) written directly, for the oversight tests and benchmarks: the figures
 * are defined on these tables, so a test can state exactly which tasks and visits exist.
 */
export async function insertTaskRow(
  q: Queryable,
  t: {
    personId: number;
    period: string;
    status: 'open' | 'done' | 'missed' | 'cancelled';
    townId: number;
    villageId: number;
    visitorId: number | null;
    tier?: 'general' | 'key';
    visitId?: number | null;
  },
): Promise<number> {
  const w = periodWindow(t.period);
  const [r] = await q.query<{ id: number }>(
    sql(`insert into visit_tasks (person_id, kind, period, tier, window_start, window_end, due_date, visitor_id,
       town_id, village_id, status, visit_id)
     values ($1, 'regular', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id`),
    [
      t.personId,
      t.period,
      t.tier ?? (t.period.length === 7 ? 'general' : 'key'),
      w.start,
      w.end,
      w.endDate,
      t.visitorId,
      t.townId,
      t.villageId,
      t.status,
      t.visitId ?? null,
    ],
  );
  return r.id;
}

export async function insertVisitRow(
  q: Queryable,
  v: {
    personId: number;
    visitorId: number;
    townId: number;
    villageId: number;
    at: Date;
    method: VisitMethod;
    outcome: VisitOutcome;
    answers?: unknown;
  },
): Promise<number> {
  const [r] = await q.query<{ id: number }>(
    sql(`insert into visits (client_id, person_id, visitor_id, town_id, village_id, at, method, outcome, qualifying,
       checklist_version, answers, recorded_by, recorded_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $3, $6) returning id`),
    [
      randomUUID(),
      v.personId,
      v.visitorId,
      v.townId,
      v.villageId,
      v.at,
      v.method,
      v.outcome,
      v.outcome === 'reached',
      JSON.stringify(v.answers ?? {}),
    ],
  );
  return r.id;
}

/** An incident with its acknowledging parties (006 schema). */
export async function insertIncidentRow(
  q: Queryable,
  i: {
    personId: number;
    townId: number;
    villageId: number;
    type?: string;
    status?: 'open' | 'closed';
    openedAt: Date;
    parties: { party: string; dueAt: Date; acknowledgedAt?: Date | null }[];
  },
): Promise<number> {
  const [r] = await q.query<{ id: number }>(
    sql(`insert into incidents (person_id, town_id, village_id, type, source, status, opened_at, closed_at, outcome)
     values ($1, $2, $3, $4, 'manual', $5, $6, $7, $8) returning id`),
    [
      i.personId,
      i.townId,
      i.villageId,
      i.type ?? 'serious_illness',
      i.status ?? 'open',
      i.openedAt,
      i.status === 'closed' ? i.openedAt : null,
      i.status === 'closed' ? '已处置' : null,
    ],
  );
  for (const p of i.parties) {
    await q.query(
      sql(
        'insert into incident_parties (incident_id, party, due_at, acknowledged_at) values ($1, $2, $3, $4)',
      ),
      [r.id, p.party, p.dueAt, p.acknowledgedAt ?? null],
    );
  }
  return r.id;
}

/** A concern (006 schema). */
export async function insertConcernRow(
  q: Queryable,
  c: {
    personId: number;
    townId: number;
    villageId: number;
    handling: 'immediate' | 'time_limited';
    deadline?: string | null;
    status: 'open' | 'in_progress' | 'resolved' | 'verified';
    resolvedAt?: Date | null;
    createdAt: Date;
    description?: string;
  },
): Promise<number> {
  const [r] = await q.query<{ id: number }>(
    sql(`insert into concerns (person_id, town_id, village_id, category, description, source, handling, deadline, status,
       resolved_at, resolution, created_at, updated_at)
     values ($1, $2, $3, 'housing', $4, 'manual', $5, $6, $7, $8, $9, $10, $10) returning id`),
    [
      c.personId,
      c.townId,
      c.villageId,
      c.description ?? '房屋漏雨需修缮',
      c.handling,
      c.deadline ?? null,
      c.status,
      c.resolvedAt ?? null,
      c.resolvedAt ? '已修缮' : null,
      c.createdAt,
    ],
  );
  return r.id;
}

let caregiverSerial = 0;
/** A caregiver and a care agreement (007 schema); optionally a review of it. */
export async function insertAgreementRow(
  q: Queryable,
  a: {
    personId: number;
    townId: number;
    startDate: string;
    endDate: string;
    status: 'active' | 'expired' | 'terminated';
    review?: { periodFrom: string; periodTo: string; passed: boolean };
  },
): Promise<number> {
  const n = `${Date.now()}${++caregiverSerial}${Math.random()}`;
  // A real ciphertext: key rotation and backups read every *_enc column of the shared test database.
  const [cg] = await q.query<{ id: number }>(
    sql(`insert into caregivers (name, id_number_enc, id_number_hash, id_number_masked, area_id)
     values ('测试照料人', $3, $1, '1527**********0000', $2) returning id`),
    [`hash-${n}`, a.townId, TEST_FIELDS.encrypt(`caregiver-${n}`)],
  );
  const [ag] = await q.query<{ id: number }>(
    sql(`insert into care_agreements (person_id, caregiver_id, relation, party_area_id, town_id, content, frequency,
       self_care, monthly_fee, start_date, end_date, signed_on, status, terminated_on, termination_reason)
     values ($1, $2, '邻居', $3, $3, '日常照料', '每日', 'partial', 600, $4, $5, $4, $6, $7, $8) returning id`),
    [
      a.personId,
      cg.id,
      a.townId,
      a.startDate,
      a.endDate,
      a.status,
      a.status === 'terminated' ? a.startDate : null,
      a.status === 'terminated' ? '考核不合格' : null,
    ],
  );
  if (a.review) {
    await q.query(
      sql(`insert into caregiver_reviews (agreement_id, person_id, caregiver_id, period_from, period_to, satisfaction,
         satisfaction_score, score, passed, rule)
       values ($1, $2, $3, $4, $5, $6, $7, $7, $8, '{}')`),
      [
        ag.id,
        a.personId,
        cg.id,
        a.review.periodFrom,
        a.review.periodTo,
        a.review.passed ? 5 : 1,
        a.review.passed ? 90 : 30,
        a.review.passed,
      ],
    );
  }
  return ag.id;
}
