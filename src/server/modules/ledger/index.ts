export { ledgerRowCount } from './repo.js';
export { type LedgerKind, type OpenLedger, openLedger, writeLedger } from './service.js';
