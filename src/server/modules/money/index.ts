export { moneyVisitHandler } from './visit-hook.js';
