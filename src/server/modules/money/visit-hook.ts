import { moneyReceivedOf } from '../../../shared/checklist.js';
import type { VisitHandler } from '../visits/index.js';
import * as service from './service.js';

/**
 * "Money not received" (section A) on a stored visit raises the month's money concern, in the visit's
 * transaction. Listed in modules/registry.ts.
 */
export const moneyVisitHandler: VisitHandler = {
  name: 'money.not-received',
  acts: (v) => moneyReceivedOf(v.answers).received === 'no',
  run: (q, c, v) =>
    service.onVisitMoney(q, c, {
      id: v.id,
      personId: v.personId,
      townId: v.townId,
      villageId: v.villageId,
      at: v.at,
      answers: v.answers,
      actorId: v.recordedBy,
    }),
};
