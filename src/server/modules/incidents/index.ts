export { openIncident } from './service.js';
export { incidentsVisitHandler } from './visit-hook.js';
