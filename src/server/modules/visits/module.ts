import { notify } from '../notifications/index.js';
import type { Module } from '../types.js';
import { visitRoutes } from './routes.js';
import { generateTasks, markMissedTasks } from './schedule.js';
import * as service from './service.js';

export const visitsModule: Module = {
  name: 'visits',
  routes: visitRoutes,
  jobs: [
    {
      name: 'visits.generate',
      everyMinutes: 15,
      run: async (c) => {
        const now = c.clock.now();
        const missed = await c.db.tx((q) => markMissedTasks(q, now));
        const generated = await c.db.tx((q) => generateTasks(q, { now }));
        return { missed, ...generated };
      },
    },
    { name: 'visits.remind', everyMinutes: 60, run: (c) => service.remindDueTasks(c, notify) },
    // Photos sent ahead that no visit named within 7 days (their stored objects: files.sweep).
    { name: 'visits.uploads', everyMinutes: 360, run: (c) => service.sweepUploads(c) },
  ],
};
