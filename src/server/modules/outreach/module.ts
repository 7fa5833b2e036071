import type { Module } from '../types.js';
import { outreachRoutes } from './routes.js';

export const outreachModule: Module = { name: 'outreach', routes: outreachRoutes };
