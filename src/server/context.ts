import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { FieldCipher } from './crypto/field-cipher.js';
import type { Db } from './db/db.js';
import type { Registry } from './modules/types.js';

/** What the running server holds once: handed to routes, jobs and the CLI. */
export interface Ctx {
  db: Db;
  clock: Clock;
  config: Config;
  /** Encrypts ID numbers and phones at rest. */
  fields: FieldCipher;
  /** The modules, their jobs and hooks, in order (modules/registry.ts `REGISTRY`). */
  registry: Registry;
}
