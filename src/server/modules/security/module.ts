import type { Module } from '../types.js';
import { securityRoutes } from './routes.js';

export const securityModule: Module = { name: 'security', routes: securityRoutes };
