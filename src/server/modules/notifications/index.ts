export { notify, type RecipientSelector } from './service.js';
