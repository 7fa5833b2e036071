import type { Module } from '../types.js';
import { visitorAppRoutes } from './routes.js';

export const visitorAppModule: Module = { name: 'visitor-app', routes: visitorAppRoutes };
