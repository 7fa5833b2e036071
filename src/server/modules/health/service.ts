import type { Ctx } from '../../context.js';
import { pendingMigrations } from '../../db/migrate.js';

/**
 * Why the server should not get traffic now, or null when it is ready: shutting down, a migration not
 * applied, or the database not answering.
 */
export async function notReady(ctx: Ctx, draining: boolean): Promise<string | null> {
  if (draining) return '正在停机';
  try {
    const pending = await pendingMigrations(ctx.db);
    return pending.length ? `有未应用的数据库迁移：${pending.join('、')}` : null;
  } catch (e) {
    return (e as Error).message;
  }
}
