import type { PersonListener } from '../persons/index.js';
import { createFollowUpTask, generateTasks, onPersonReassigned, onPersonStatusChanged } from './schedule.js';

/**
 * The schedule follows the registry, inside the registry's own transaction: a new person gets the
 * task of the current period; pause and end cancel open tasks from their date, resuming brings the
 * current one back; reassignment moves open tasks to the new visitor; a change of self-care level
 * adds a follow-up visit (its new tier applies from the next period, see generateTasks).
 */
export const visitsPersonListener: PersonListener = {
  name: 'visits',
  async created(q, e) {
    await generateTasks(q, { now: e.at, personIds: e.personIds });
  },
  async statusChanged(q, e) {
    await onPersonStatusChanged(q, { personId: e.personId, to: e.to, effectiveOn: e.effectiveOn, at: e.at });
  },
  async reassigned(q, e) {
    await onPersonReassigned(q, { personIds: e.moves.map((m) => m.personId), toVisitorId: e.toVisitorId });
  },
  async selfCareChanged(q, e) {
    await createFollowUpTask(q, {
      personId: e.personId,
      now: e.at,
      severity: 'normal',
      reason: '生活自理能力等级变更后跟进探访',
      sourceEntity: 'self_care',
      sourceId: `${e.personId}:${e.effectiveOn}:${e.to}`,
    });
  },
};
