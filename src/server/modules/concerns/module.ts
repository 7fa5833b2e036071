import type { Module } from '../types.js';
import { concernRoutes } from './routes.js';
import * as service from './service.js';

export const concernsModule: Module = {
  name: 'concerns',
  routes: concernRoutes,
  jobs: [{ name: 'concerns.escalate-overdue', everyMinutes: 30, run: (c) => service.escalateOverdue(c) }],
};
