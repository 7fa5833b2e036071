import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { createClock } from './clock.js';
import { type Config, ConfigError } from './config.js';
import type { Ctx } from './context.js';
import { loadFieldCipher } from './crypto/field-cipher.js';
import { openDb, openReadDb } from './db/db.js';
import { migrate } from './db/migrate.js';
import { cleanStaleScratch } from './http/uploads.js';
import { startScheduler } from './jobs/runner.js';
import { appendAudit } from './modules/audit/index.js';
import { findUsersForLogin, generatePassword, hashPassword, verifyPassword } from './modules/auth/index.js';
import { REGISTRY } from './modules/registry.js';
import { countUsers, insertUser, replaceGrants } from './modules/users/index.js';
import { DEMO_LOGINS, DEMO_PASSWORD, seedAreas, seedDemo } from './seed/demo.js';

/** Opens the database and brings its schema up to date. */
export async function openContext(config: Config): Promise<Ctx> {
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(db);
    loadFieldCipher(config);
  } catch (e) {
    await db.close();
    throw e;
  }
  return { db, clock: createClock(config.now), config, fields: loadFieldCipher(config), registry: REGISTRY };
}

/** First start: the demo, or (TANFANG_DEMO=0) the district tree and one admin with a printed password. */
async function firstStart(ctx: Ctx, print: (s: string) => void): Promise<'demo' | 'admin' | null> {
  if ((await countUsers(ctx.db)) > 0) return null;
  if (ctx.config.demo) {
    await seedDemo(ctx, (step) => print(`  载入演示数据：${step}…`));
    return 'demo';
  }
  const password = generatePassword();
  const hash = await hashPassword(password);
  await ctx.db.tx(async (q) => {
    const areas = await seedAreas(q);
    const id = await insertUser(q, {
      username: 'admin',
      displayName: '系统管理员',
      passwordHash: hash,
      now: ctx.clock.now(),
    });
    await replaceGrants(q, id, [{ role: 'bureau_admin', areaId: areas.get('150602')!, department: null }]);
    await appendAudit(q, {
      at: ctx.clock.now(),
      actorId: null,
      action: 'user.create',
      entity: 'user',
      entityId: id,
      detail: { username: 'admin', firstStart: true },
    });
  });
  print(`\n  管理员账户已创建（只显示这一次，请立即记下并修改）：\n    用户名 admin   密码 ${password}\n`);
  return 'admin';
}

/**
 * Demo accounts (DEMO_LOGINS) that are enabled and still have the published demo password. Checked
 * at every start: a loud warning, and no start at all with NODE_ENV=production.
 */
export async function demoAccountsWithPublishedPassword(ctx: Ctx): Promise<string[]> {
  const rows = await findUsersForLogin(
    ctx.db,
    DEMO_LOGINS.map((l) => l.username),
  );
  const found: string[] = [];
  for (const r of rows)
    if (!r.disabled_at && (await verifyPassword(DEMO_PASSWORD, r.password_hash))) found.push(r.username);
  return found;
}

export interface Running {
  app: FastifyInstance;
  ctx: Ctx;
  url: string;
  stop(): Promise<void>;
}

export async function startServer(
  config: Config,
  print: (s: string) => void = console.log,
): Promise<Running> {
  const t0 = Date.now();
  const production = process.env.NODE_ENV === 'production';
  if (production && config.demo) {
    throw new ConfigError(
      `NODE_ENV=production 时不载入演示数据（演示账户的密码 ${DEMO_PASSWORD} 是公开的）：请设置 TANFANG_DEMO=0`,
    );
  }
  // Uploads and scratch files of a process that died (a crash, a kill) are removed before this one
  // writes its own: nothing else would ever remove them.
  const cleaned = await cleanStaleScratch();
  const ctx = await openContext(config);
  if (config.databaseReadUrl) {
    let warned = 0;
    ctx.readDb = await openReadDb(config.databaseReadUrl, ctx.db, (e) => {
      // At most one line a minute while the replicas are away.
      if (Date.now() - warned < 60000) return;
      warned = Date.now();
      console.warn(`只读副本不可用，读取改由主库承担（${e.message}）`);
    });
  }
  await firstStart(ctx, print);
  const published = await demoAccountsWithPublishedPassword(ctx);
  if (published.length && production) {
    await ctx.db.close();
    throw new ConfigError(
      `NODE_ENV=production，但数据库中仍有使用公开演示密码的账户（${published.join('、')}）：请先停用或修改其密码`,
    );
  }
  const app = await buildApp(ctx, { logger: { level: config.logLevel } });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await app.close();
    await ctx.readDb?.close();
    await ctx.db.close();
    throw e;
  }
  const stopScheduler =
    process.env.TANFANG_JOBS === '0'
      ? async () => {}
      : startScheduler(ctx, (msg, err) => app.log.error({ err }, msg));
  // The port bound (PORT=0 asks the system for a free one: tests and supervisors read it here).
  const url = `http://localhost:${(app.server.address() as AddressInfo).port}`;
  print(
    `\n探访 tanfang 已启动（${ctx.db.kind === 'pglite' ? `嵌入式数据库 ${config.dataDir}` : `PostgreSQL${ctx.readDb ? '，只读副本用于台账和导出' : ''}`}，用时 ${((Date.now() - t0) / 1000).toFixed(1)} 秒）`,
  );
  if (config.now) print(`  时钟固定为 TANFANG_NOW=${config.now}`);
  if (cleaned) print(`  已清理上次异常退出留下的临时文件：${cleaned} 项`);
  print(`  网址:     ${url}`);
  // The last line of the start: scripts and tests wait for it, so everything above is printed by then.
  print(`  接口文档: ${url}/api/docs`);
  if (published.length) {
    const bar = '!'.repeat(72);
    print(`\n${bar}`);
    print(`  警告：以下账户使用公开的演示密码 ${DEMO_PASSWORD}，任何人都能登录。`);
    print('  这只适合演示；正式使用请以 TANFANG_DEMO=0 在空数据库上启动（NODE_ENV=production 时拒绝启动）。');
    for (const l of DEMO_LOGINS.filter((d) => published.includes(d.username)))
      print(`    ${l.username.padEnd(12)} ${l.role}`);
    print(`${bar}\n`);
  }
  let stopping: Promise<void> | undefined;
  // Graceful: readiness turns 503, no new job starts, the running job and every in-flight request
  // finish (app.close stops accepting and waits for them), then the database closes. Behind a load
  // balancer TANFANG_DRAIN_SECONDS keeps serving while its readiness check takes the process out, so
  // a rolling restart refuses no request (ops/ha/drill.ts upgrade).
  const stop = () => {
    stopping ??= (async () => {
      app.draining.value = true;
      const drained = stopScheduler();
      if (config.drainSeconds > 0) await new Promise((r) => setTimeout(r, config.drainSeconds * 1000));
      await drained;
      await app.close();
      await ctx.readDb?.close();
      await ctx.db.close();
    })();
    return stopping;
  };
  return { app, ctx, url, stop };
}
