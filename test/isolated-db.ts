import { buildApp } from '../src/server/app.js';
import { createClock } from '../src/server/clock.js';
import type { Ctx } from '../src/server/context.js';
import { type Db, openDb } from '../src/server/db/db.js';
import { migrate } from '../src/server/db/migrate.js';
import { sql } from '../src/server/db/sql.js';
import { seedAreas } from '../src/server/seed/demo.js';
import type { TestEnv } from './context.js';

/**
 * A second, empty database of its own: another in-memory PGlite, or a fresh schema on the PostgreSQL
 * server of DATABASE_URL. For tests that must write freely (fuzzing) or restore into an empty
 * database, without touching the shared one. `drop()` closes and removes it.
 */
export async function isolatedDb(shared: Db): Promise<{ db: Db; drop: () => Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openDb({});
    return { db, drop: () => db.close() };
  }
  const schema = `iso_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  await shared.exec(sql(`create schema ${schema}`));
  const sep = url.includes('?') ? '&' : '?';
  const db = await openDb({
    databaseUrl: `${url}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
  });
  return {
    db,
    drop: async () => {
      await db.close();
      await shared.exec(sql(`drop schema ${schema} cascade`));
    },
  };
}

/** A whole test environment (migrated database with the district tree, and an app) on an isolated db. */
export async function isolatedEnv(shared: TestEnv): Promise<TestEnv & { drop: () => Promise<void> }> {
  const { db, drop } = await isolatedDb(shared.ctx.db);
  await migrate(db);
  const ctx: Ctx = { ...shared.ctx, db, clock: createClock() };
  const areas = await db.tx((q) => seedAreas(q));
  const app = await buildApp(ctx);
  await app.ready();
  return {
    ctx,
    app,
    districtId: areas.get('150602')!,
    drop: async () => {
      await app.close();
      await drop();
    },
  };
}
