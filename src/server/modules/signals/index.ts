/** Signals from outside (预警信息) and the service accounts that send them (issue 30). */
export { refuseServiceToken } from './machine-auth.js';
