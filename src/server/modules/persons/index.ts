export { emitPersonEvent, type PersonListener } from './hooks.js';
export {
  type CasePerson,
  getPerson,
  getPersonById,
  getPersonInScope,
  insertPersonEvent,
  listAssessments,
  listAssignments,
} from './repo.js';
export { IMPORT_MAX_BYTES } from './routes.js';
export { assertAreaHasNoPersons, assertVisitorFor, changePersonStatus } from './service.js';
