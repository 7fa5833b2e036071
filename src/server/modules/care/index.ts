export { getCaregiver as getCaregiverInScope } from './repo.js';
export { careSettings } from './settings.js';
export { careVisitHandler } from './visit-hook.js';
