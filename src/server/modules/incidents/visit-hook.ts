import { risksOf } from '../../../shared/checklist.js';
import * as persons from '../persons/index.js';
import type { VisitHandler } from '../visits/index.js';
import { openIncident } from './service.js';

/**
 * A stored visit opens one incident per ticked risk (section I), in the visit's own transaction.
 * Listed in modules/registry.ts.
 */
export const incidentsVisitHandler: VisitHandler = {
  name: 'incidents',
  acts: (visit) => visit.qualifying && risksOf(visit.answers).length > 0,
  run: async (q, ctx, visit) => {
    for (const risk of risksOf(visit.answers)) {
      const person = await persons.getPersonById(q, visit.personId);
      if (!person) return;
      await openIncident(ctx, q, {
        person,
        type: risk.code,
        description: risk.note ?? '',
        source: 'visit',
        visitId: visit.id,
        actorId: visit.recordedBy,
        occurredAt: visit.at,
        now: ctx.clock.now(),
      });
    }
  },
};
