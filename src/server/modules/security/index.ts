export { assertPasswordNotReused, rememberCurrentPassword } from './service.js';
