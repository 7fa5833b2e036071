import type { FastifyInstance } from 'fastify';
import type { Ctx } from '../context.js';
import type { Job } from '../jobs/runner.js';
import type { PersonListener } from './persons/hooks.js';
import type { VisitAssessor, VisitHandler } from './visits/events.js';

/** What a module brings to the running system; listed, in order, in modules/registry.ts. */
export interface Module {
  name: string;
  /** Adds the module's HTTP routes (server/http/route.ts, from its contract in src/shared/api). */
  routes?: (app: FastifyInstance, ctx: Ctx) => void;
  /** Periodic jobs (server/jobs/runner.ts): idempotent, advisory-locked on PostgreSQL. */
  jobs?: readonly Job[];
}

/** The registry the running system is wired from (held by the context: `ctx.registry`). */
export interface Registry {
  /** Every module, in the order their routes are added. */
  modules: readonly Module[];
  /** Every module's jobs, in the order the scheduler visits them. */
  jobs: readonly Job[];
  /** Run inside a visit's transaction, in this order (modules/visits/events.ts). */
  visitHandlers: readonly VisitHandler[];
  /** Computes a visit's authenticity signals before it is stored (modules/visits/events.ts). */
  visitAssessor?: VisitAssessor;
  /** Called inside a person change's transaction, in this order (modules/persons/hooks.ts). */
  personListeners: readonly PersonListener[];
}
