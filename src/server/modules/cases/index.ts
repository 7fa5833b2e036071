/**
 * The case layer shared by incidents, concerns and referrals (issue 24): deadline changes that need
 * the bureau's approval. Other modules reach it only here.
 */
export {
  APPROVAL_NEEDED_MESSAGE,
  type CaseKind,
  type DeadlineChangeRow,
  deadlineNeedsApproval,
  decideDeadlineChange,
  listDeadlineChanges,
  requestDeadlineChange,
} from './service.js';
