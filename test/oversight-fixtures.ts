import { randomUUID } from 'node:crypto';
import type { Queryable } from '../src/server/db/db.js';
import type { VisitMethod, VisitOutcome } from '../src/shared/checklist.js';
import { periodWindow } from '../src/shared/schedule.js';

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
    `insert into visit_tasks (person_id, kind, period, tier, window_start, window_end, due_date, visitor_id,
       town_id, village_id, status, visit_id)
     values ($1, 'regular', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id`,
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
    `insert into visits (client_id, person_id, visitor_id, town_id, village_id, at, method, outcome, qualifying,
       checklist_version, answers, recorded_by, recorded_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $3, $6) returning id`,
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
