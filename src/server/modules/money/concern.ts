import { addDays, chinaDate } from '../../../shared/china-time.js';
import type { Queryable } from '../../db/db.js';
import { notify } from '../notifications/service.js';
import { insertPersonEvent } from '../persons/repo.js';

/** Time limit for fixing a money problem (DOMAIN.md section 7 default). */
const DEADLINE_DAYS = 15;

/**
 * Raises one 资金发放 concern for the town about a person's support money, inside the caller's
 * transaction: the concern row (time-limited), the person's timeline and the town's inbox. Returns
 * the concern's reference ('concern:<id>').
 */
export async function raiseMoneyConcern(
  q: Queryable,
  c: {
    personId: number;
    townId: number;
    villageId: number;
    visitId: number | null;
    description: string;
    actorId: number | null;
    now: Date;
  },
): Promise<string> {
  const [row] = await q.query<{ id: number }>(
    `insert into concerns (person_id, town_id, village_id, category, description, source, visit_id, source_item, owner,
        handling, deadline, created_at, created_by, updated_at)
     values ($1, $2, $3, 'money', $4, $5, $6, $7, 'town', 'time_limited', $8, $9, $10, $9) returning id`,
    [
      c.personId,
      c.townId,
      c.villageId,
      c.description,
      c.visitId ? 'checklist' : 'manual',
      c.visitId,
      c.visitId ? 'A.moneyReceived' : null,
      addDays(chinaDate(c.now), DEADLINE_DAYS),
      c.now,
      c.actorId,
    ],
  );
  await insertPersonEvent(q, {
    personId: c.personId,
    at: c.now,
    kind: 'concern.opened',
    title: `资金发放问题：${c.description}`,
    actorId: c.actorId,
    refEntity: 'concern',
    refId: row.id,
  });
  await notify(q, {
    recipients: { role: 'town_officer', areaId: c.villageId },
    kind: 'concern.opened',
    title: '资金发放问题待整改',
    body: c.description,
    ref: { entity: 'concern', id: row.id },
    dedupeKey: `concern.opened:${row.id}`,
    now: c.now,
  });
  return `concern:${row.id}`;
}
