import type { Module } from '../types.js';
import { areaRoutes } from './routes.js';

export const areasModule: Module = { name: 'areas', routes: areaRoutes };
