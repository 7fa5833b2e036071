import type { Module } from '../types.js';
import { ledgerRoutes } from './routes.js';

export const ledgerModule: Module = { name: 'ledger', routes: ledgerRoutes };
