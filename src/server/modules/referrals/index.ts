export { referralsVisitHandler } from './visit-hook.js';
