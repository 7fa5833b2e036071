export { compactStoredAnswers } from './compact-answers.js';
export {
  type AssessQuery,
  emitVisitRecorded,
  type RecordedVisit,
  type VisitAssessor,
  type VisitFacts,
  type VisitHandler,
} from './events.js';
export { visitsPersonListener } from './person-listener.js';
export { cancelOpenTasksFrom, qualifyingVisitAnswers } from './repo.js';
export { presentAuthenticity, visitWithAnswers } from './routes.js';
export { createFollowUpTask, generateTasks } from './schedule.js';
export { openCampaignIn } from './service.js';
export { answersToStored, type StoredAnswers, type WithAnswers, withAnswers } from './stored-answers.js';
