export { careSettings } from './settings.js';
export { careVisitHandler } from './visit-hook.js';
