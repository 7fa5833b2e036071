import { areasModule } from './areas/module.js';
import { auditModule } from './audit/module.js';
import { authModule } from './auth/module.js';
import { authenticityAssessor } from './authenticity/index.js';
import { authenticityModule } from './authenticity/module.js';
import { careVisitHandler } from './care/index.js';
import { careModule } from './care/module.js';
import { concernsVisitHandler } from './concerns/index.js';
import { concernsModule } from './concerns/module.js';
import { filesModule } from './files/module.js';
import { healthModule } from './health/module.js';
import { incidentsVisitHandler } from './incidents/index.js';
import { incidentsModule } from './incidents/module.js';
import { jobsModule } from './jobs/module.js';
import { ledgerModule } from './ledger/module.js';
import { moneyVisitHandler } from './money/index.js';
import { moneyModule } from './money/module.js';
import { notificationsModule } from './notifications/module.js';
import { outreachModule } from './outreach/module.js';
import { oversightModule } from './oversight/module.js';
import { personsModule } from './persons/module.js';
import { referralsVisitHandler } from './referrals/index.js';
import { referralsModule } from './referrals/module.js';
import { reportsModule } from './reports/module.js';
import { securityModule } from './security/module.js';
import { signalsModule } from './signals/module.js';
import type { Module, Registry } from './types.js';
import { usersModule } from './users/module.js';
import { visitorAppModule } from './visitor-app/module.js';
import { visitsPersonListener } from './visits/index.js';
import { visitsModule } from './visits/module.js';

/**
 * The system's modules and their hooks, in one place and in the order they run. Nothing is wired by
 * importing a file for its side effects: a new module is added here, and its visit handler or person
 * listener in the list where it must run. (The context holds this: `ctx.registry`.)
 */
const MODULES: readonly Module[] = [
  healthModule,
  authModule,
  areasModule,
  usersModule,
  personsModule,
  careModule,
  moneyModule,
  auditModule,
  securityModule,
  notificationsModule,
  oversightModule,
  ledgerModule,
  reportsModule,
  visitsModule,
  authenticityModule,
  incidentsModule,
  concernsModule,
  referralsModule,
  outreachModule,
  signalsModule,
  visitorAppModule,
  filesModule,
  jobsModule,
];

export const REGISTRY: Registry = {
  modules: MODULES,
  jobs: MODULES.flatMap((m) => m.jobs ?? []),
  // Inside a visit's transaction, in this order: a caregiver's serious infringement opens the
  // replacement case, requests become concerns, ticked risks open incidents, money not received
  // opens a concern, wishes and eligibility draft referrals.
  visitHandlers: [
    careVisitHandler,
    concernsVisitHandler,
    incidentsVisitHandler,
    moneyVisitHandler,
    referralsVisitHandler,
  ],
  // Before a visit is stored: its authenticity signals, written by its own insert.
  visitAssessor: authenticityAssessor,
  // Inside a person change's transaction: the schedule follows the registry.
  personListeners: [visitsPersonListener],
};
