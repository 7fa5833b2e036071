import type { Module } from '../types.js';
import { careRoutes } from './routes.js';
import * as service from './service.js';

export const careModule: Module = {
  name: 'care',
  routes: careRoutes,
  jobs: [{ name: 'care.agreements', everyMinutes: 60, run: (c) => service.runAgreementJob(c) }],
};
