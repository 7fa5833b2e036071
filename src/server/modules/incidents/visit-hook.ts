import { risksOf } from '../../../shared/checklist.js';
import { onVisitRecorded } from '../visits/events.js';
import * as repo from './repo.js';
import { openIncident } from './service.js';

/**
 * A stored visit opens one incident per ticked risk (section I), in the visit's own transaction.
 * Registered at import time (routes.ts imports this file). Concerns and referrals register theirs
 * in their own modules.
 */
onVisitRecorded(
  'incidents',
  (visit) => visit.qualifying && risksOf(visit.answers).length > 0,
  async (q, ctx, visit) => {
    for (const risk of risksOf(visit.answers)) {
      const person = await repo.getPersonById(q, visit.personId);
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
);
