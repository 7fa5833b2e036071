export { openConcern } from './service.js';
export { concernsVisitHandler } from './visit-hook.js';
