import { existsSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../server/config.js';
import { openDb } from '../server/db/db.js';
import { migrate } from '../server/db/migrate.js';
import { openContext, startServer } from '../server/main.js';
import { countUsers } from '../server/modules/users/index.js';
import { compactStoredAnswers } from '../server/modules/visits/index.js';
import { ROOT } from '../server/paths.js';
import { seedDemo } from '../server/seed/demo.js';
import { registerFilesCommands } from './files.js';
import { registerLedgerCommands } from './ledger.js';
import { registerTrustCommands } from './trust.js';
import { createUser } from './user-create.js';

/** Builds the web app when dist/web is missing (first `npm start` after `npm ci`). */
async function ensureWebBuilt() {
  if (existsSync(join(ROOT, 'dist/web/index.html'))) return;
  console.log('首次启动：正在构建网页（约 30 秒）…');
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn' });
}

const program = new Command('tanfang').description('探访 — 分散供养特困人员定期探访系统');

program
  .command('start')
  .description('启动服务（首次启动会构建网页、建库并载入演示数据）')
  .action(async () => {
    const config = loadConfig();
    await ensureWebBuilt();
    // The signal handlers are in place before the server starts, so a stop that arrives as soon as the
    // start is printed (a supervisor, a test) is a graceful one: it waits for the start to finish.
    const running = startServer(config);
    let signals = 0;
    const shutdown = async (signal: string) => {
      // A second signal, or a shutdown that hangs, ends the process at once.
      if (++signals > 1) process.exit(1);
      console.log(`收到 ${signal}，正在停止（等待进行中的请求和任务完成）…`);
      setTimeout(() => {
        console.error('停止超时（30 秒），强制退出');
        process.exit(1);
      }, 30000).unref();
      await (await running).stop();
      console.log('已停止');
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    await running;
  });

const db = program.command('db').description('数据库');
db.command('migrate')
  .description('应用数据库迁移')
  .action(async () => {
    const config = loadConfig();
    const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const applied = await migrate(db);
      console.log(applied.length ? `已应用迁移：${applied.join('、')}` : '数据库已是最新，无需迁移');
    } finally {
      await db.close();
    }
  });

db.command('compact-answers')
  .description('把升级前保存的探访检查表答案改为紧凑存储（分批进行，系统照常使用，可中断后重跑）')
  .option('--batch <n>', '每批探访记录数', '5000')
  .action(async (opts) => {
    const config = loadConfig();
    const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    const bar = new cliProgress.SingleBar(
      { format: '  {bar} {percentage}% | {value}/{total} 编号 | {eta_formatted}' },
      cliProgress.Presets.shades_classic,
    );
    try {
      const batch = Number(opts.batch);
      if (!Number.isInteger(batch) || batch < 1) throw new ConfigError('--batch 须为正整数');
      let started = false;
      const res = await compactStoredAnswers(
        { db },
        {
          batch,
          onProgress: (done, total) => {
            if (!started) bar.start(total, 0);
            started = true;
            bar.update(done);
          },
        },
      );
      if (started) bar.stop();
      console.log(`共 ${res.visits} 条探访记录，改为紧凑存储 ${res.compacted} 条`);
    } finally {
      await db.close();
    }
  });

const seed = program.command('seed').description('演示数据');
seed
  .command('demo')
  .description('在空数据库中载入演示数据')
  .action(async () => {
    const ctx = await openContext(loadConfig());
    try {
      if ((await countUsers(ctx.db)) > 0) throw new ConfigError('数据库中已有用户，演示数据只能载入空数据库');
      await seedDemo(ctx, (s) => console.log(`载入：${s}`));
      console.log('演示数据已载入');
    } finally {
      await ctx.db.close();
    }
  });

const user = program.command('user').description('用户');
user
  .command('create')
  .description('创建用户')
  .requiredOption('--username <name>', '用户名')
  .requiredOption(
    '--role <role>',
    '角色：bureau_admin、bureau_supervisor、town_officer、village_officer、visitor、department_liaison',
  )
  .requiredOption('--area <code>', '辖区代码，例如 150602 或 150602101')
  .option('--name <displayName>', '姓名')
  .option('--password <password>', '密码（省略则生成）')
  .option('--department <dept>', '部门联络人的部门：health、police…')
  .option('--visitor-type <type>', '探访责任人类型：cadre、coordinator、social_worker、volunteer')
  .action(async (opts) => {
    const ctx = await openContext(loadConfig());
    try {
      const res = await createUser(ctx, opts);
      console.log(
        `已创建用户 ${opts.username}（id ${res.id}）${res.password ? `，密码 ${res.password}` : ''}`,
      );
    } finally {
      await ctx.db.close();
    }
  });

registerTrustCommands(program);
registerLedgerCommands(program);
registerFilesCommands(program);

program.parseAsync().catch((e) => {
  if (e instanceof ConfigError || (e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    const msg =
      (e as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? `端口已被占用：${(e as Error).message}（请设置 PORT）`
        : e.message;
    console.error(`启动失败：${msg}`);
  } else {
    console.error(`错误：${(e as Error).message}`);
    if (process.env.TANFANG_DEBUG) console.error(e);
  }
  process.exit(1);
});
