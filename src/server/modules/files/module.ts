import type { Module } from '../types.js';
import { sweepOrphanFiles } from './service.js';

export const filesModule: Module = {
  name: 'files',
  jobs: [{ name: 'files.sweep', everyMinutes: 360, run: (ctx) => sweepOrphanFiles(ctx) }],
};
