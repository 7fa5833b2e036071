export { incidentsVisitHandler } from './visit-hook.js';
