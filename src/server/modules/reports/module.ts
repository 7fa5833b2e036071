import type { Module } from '../types.js';
import { reportRoutes } from './routes.js';

export const reportsModule: Module = { name: 'reports', routes: reportRoutes };
