import type { Module } from '../types.js';
import { incidentRoutes } from './routes.js';
import * as service from './service.js';

export const incidentsModule: Module = {
  name: 'incidents',
  routes: incidentRoutes,
  jobs: [{ name: 'incidents.escalate', everyMinutes: 5, run: (c) => service.escalateUnacknowledged(c) }],
};
