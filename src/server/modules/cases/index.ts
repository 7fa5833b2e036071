/**
 * The case layer shared by incidents, concerns and referrals (issue 24): their timelines (one shape,
 * one writer and reader over the three tables) and deadline changes that need the bureau's approval.
 * Other modules reach it only here.
 */
export {
  APPROVAL_NEEDED_MESSAGE,
  appendTimeline,
  type CaseEventRow,
  type CaseKind,
  type DeadlineChangeRow,
  deadlineNeedsApproval,
  decideDeadlineChange,
  listDeadlineChanges,
  listTimeline,
  requestDeadlineChange,
} from './service.js';
