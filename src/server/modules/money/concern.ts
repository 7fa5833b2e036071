import type { Queryable } from '../../db/db.js';
import { openConcern } from '../concerns/index.js';
import { getPersonById } from '../persons/index.js';

/**
 * Raises one 资金发放 ('money') concern for the town about a person's support money, inside the caller's
 * transaction, through the concerns module (time-limited, timeline, town inbox, audit). Returns the
 * concern's reference ('concern:<id>'), or '' when the person is gone.
 */
export async function raiseMoneyConcern(
  q: Queryable,
  c: {
    personId: number;
    visitId: number | null;
    description: string;
    actorId: number | null;
    now: Date;
  },
): Promise<string> {
  const person = await getPersonById(q, c.personId);
  if (!person) return '';
  const id = await openConcern(q, {
    person,
    category: 'money',
    description: c.description,
    source: c.visitId ? 'checklist' : 'manual',
    visitId: c.visitId,
    sourceItem: c.visitId ? 'A.moneyReceived' : null,
    actorId: c.actorId,
    now: c.now,
  });
  return id == null ? '' : `concern:${id}`;
}
