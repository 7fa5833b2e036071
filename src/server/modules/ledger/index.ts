export { type LedgerKind, type OpenLedger, openLedger, writeLedger } from './service.js';
