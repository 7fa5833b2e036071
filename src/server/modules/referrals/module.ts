import type { Module } from '../types.js';
import { referralRoutes } from './routes.js';

export const referralsModule: Module = { name: 'referrals', routes: referralRoutes };
