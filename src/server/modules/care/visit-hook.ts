import { caregiverOf } from '../../../shared/checklist.js';
import type { VisitHandler } from '../visits/index.js';
import * as service from './service.js';

/**
 * A serious infringement by the caregiver (section H) on a stored visit opens the replacement case, in
 * the visit's transaction. Listed in modules/registry.ts.
 */
export const careVisitHandler: VisitHandler = {
  name: 'care.serious-infringement',
  acts: (v) => caregiverOf(v.answers).seriousInfringement,
  run: async (q, c, v) => {
    const h = caregiverOf(v.answers);
    await service.onVisitForCare(q, {
      id: v.id,
      personId: v.personId,
      infringementNote: h.infringementNote ?? h.problems,
      actorId: v.recordedBy,
      now: c.clock.now(),
    });
  },
};
