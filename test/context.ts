import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/server/app.js';
import { createClock } from '../src/server/clock.js';
import { loadConfig } from '../src/server/config.js';
import type { Ctx } from '../src/server/context.js';
import { createFieldCipher } from '../src/server/crypto/field-cipher.js';
import { openDb } from '../src/server/db/db.js';
import { migrate } from '../src/server/db/migrate.js';
import { REGISTRY } from '../src/server/modules/registry.js';
import { seedAreas } from '../src/server/seed/demo.js';

export interface TestEnv {
  ctx: Ctx;
  app: FastifyInstance;
  districtId: number;
}

let env: Promise<TestEnv> | undefined;

/** The field cipher of the test database (fixed test keys), for fixtures that write rows directly. */
export const TEST_FIELDS = createFieldCipher([Buffer.alloc(32, 7)], Buffer.alloc(32, 9));

/**
 * The one database and app of this test run (PGlite in memory, or DATABASE_URL). Every test file
 * shares it; tests keep apart by building their own areas and users with the factories.
 */
export function testEnv(): Promise<TestEnv> {
  env ??= (async () => {
    const config = {
      ...loadConfig({ ...process.env, TANFANG_DATA_DIR: '.tmp/unused' }),
      loginRateMax: 10,
      // Every test logs in from 127.0.0.1; the spraying test lowers it for an address of its own.
      loginAddressFailures: 100_000,
    };
    const db = await openDb({ databaseUrl: process.env.DATABASE_URL });
    await migrate(db);
    const fields = TEST_FIELDS;
    const ctx: Ctx = { db, clock: createClock(), config, fields, registry: REGISTRY };
    const areas = await db.tx((q) => seedAreas(q));
    const app = await buildApp(ctx);
    await app.ready();
    return { ctx, app, districtId: areas.get('150602')! };
  })();
  return env;
}
