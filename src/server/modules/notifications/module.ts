import type { Module } from '../types.js';
import { notificationRoutes } from './routes.js';
import * as service from './service.js';

export const notificationsModule: Module = {
  name: 'notifications',
  routes: notificationRoutes,
  jobs: [{ name: 'notifications.deliver', everyMinutes: 1, run: (c) => service.deliverDue(c) }],
};
