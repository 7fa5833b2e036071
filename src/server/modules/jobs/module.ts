import type { Module } from '../types.js';
import { jobRoutes } from './routes.js';

export const jobsModule: Module = { name: 'jobs', routes: jobRoutes };
