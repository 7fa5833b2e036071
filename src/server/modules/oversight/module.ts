import type { Module } from '../types.js';
import { oversightRoutes } from './routes.js';
import * as service from './service.js';

export const oversightModule: Module = {
  name: 'oversight',
  routes: oversightRoutes,
  jobs: [{ name: 'oversight.cells', everyMinutes: 5, run: (c) => service.refreshMetricCells(c) }],
};
