import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { FieldCipher } from './crypto/field-cipher.js';
import type { Db } from './db/db.js';
import type { Registry } from './modules/types.js';

/** What the running server holds once: handed to routes, jobs and the CLI. */
export interface Ctx {
  db: Db;
  /**
   * Replicas (DATABASE_READ_URL) for reads that may lag a moment behind the primary: ledgers, exports,
   * drill-down lists, dashboards' live figures. Never for what a user just wrote and reads back.
   * Unset: the primary. Read it through `replicaDb(ctx)`.
   */
  readDb?: Db;
  clock: Clock;
  config: Config;
  /** Encrypts ID numbers and phones at rest. */
  fields: FieldCipher;
  /** The modules, their jobs and hooks, in order (modules/registry.ts `REGISTRY`). */
  registry: Registry;
}

/** The database for reads that may lag: the replicas when DATABASE_READ_URL is set, else the primary. */
export function replicaDb(ctx: Ctx): Db {
  return ctx.readDb ?? ctx.db;
}
