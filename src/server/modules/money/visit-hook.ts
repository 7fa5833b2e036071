import { moneyReceivedOf } from '../../../shared/checklist.js';
import { onVisitRecorded } from '../visits/events.js';
import * as service from './service.js';

/**
 * "Money not received" (section A) on a stored visit raises the month's money concern, in the visit's
 * transaction. Registered at import time (routes.ts and modules/visit-hooks.ts import this file).
 */
onVisitRecorded(
  'money.not-received',
  (v) => moneyReceivedOf(v.answers).received === 'no',
  (q, c, v) =>
    service.onVisitMoney(q, c, {
      id: v.id,
      personId: v.personId,
      townId: v.townId,
      villageId: v.villageId,
      at: v.at,
      answers: v.answers,
      actorId: v.recordedBy,
    }),
);
