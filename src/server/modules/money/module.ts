import type { Module } from '../types.js';
import { moneyRoutes } from './routes.js';
import * as service from './service.js';

export const moneyModule: Module = {
  name: 'money',
  routes: moneyRoutes,
  jobs: [{ name: 'money.unpaid-check', everyMinutes: 360, run: (c) => service.runUnpaidCheck(c) }],
};
