import { requestsOf } from '../../../shared/checklist.js';
import * as persons from '../persons/index.js';
import type { VisitHandler } from '../visits/index.js';
import { openConcern } from './service.js';

/** Each request (section J) on a stored visit becomes a concern for the town, in the visit's transaction. */
export const concernsVisitHandler: VisitHandler = {
  name: 'concerns',
  acts: (visit) => visit.qualifying && requestsOf(visit.answers).length > 0,
  run: async (q, ctx, visit) => {
    const requests = requestsOf(visit.answers);
    const person = await persons.getPersonById(q, visit.personId);
    if (!person) return;
    for (const [i, r] of requests.entries()) {
      await openConcern(q, {
        person,
        category: r.category,
        description: r.note,
        source: 'visit',
        visitId: visit.id,
        sourceItem: `J.requests.${i}`,
        actorId: visit.recordedBy,
        now: ctx.clock.now(),
      });
    }
  },
};
