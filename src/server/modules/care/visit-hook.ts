import { caregiverOf } from '../../../shared/checklist.js';
import { onVisitRecorded } from '../visits/events.js';
import * as service from './service.js';

/**
 * A serious infringement by the caregiver (section H) on a stored visit opens the replacement case, in
 * the visit's transaction. Registered at import time (routes.ts and modules/visit-hooks.ts import this file).
 */
onVisitRecorded(
  'care.serious-infringement',
  (v) => caregiverOf(v.answers).seriousInfringement,
  async (q, c, v) => {
    const h = caregiverOf(v.answers);
    await service.onVisitForCare(q, {
      id: v.id,
      personId: v.personId,
      infringementNote: h.infringementNote ?? h.problems,
      actorId: v.recordedBy,
      now: c.clock.now(),
    });
  },
);
