import type { Module } from '../types.js';
import { signalRoutes } from './routes.js';

export const signalsModule: Module = {
  name: 'signals',
  routes: signalRoutes,
};
