import type { Module } from '../types.js';
import { personRoutes } from './routes.js';

export const personsModule: Module = { name: 'persons', routes: personRoutes };
