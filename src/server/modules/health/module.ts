import type { Module } from '../types.js';
import { healthRoutes } from './routes.js';

export const healthModule: Module = { name: 'health', routes: healthRoutes };
