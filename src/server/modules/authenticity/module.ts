import type { Module } from '../types.js';
import { authenticityRoutes } from './routes.js';

export const authenticityModule: Module = { name: 'authenticity', routes: authenticityRoutes };
