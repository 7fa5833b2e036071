import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { createClock } from '../server/clock.js';
import { ConfigError, loadConfig } from '../server/config.js';
import { openDb } from '../server/db/db.js';
import {
  FileMissingError,
  fileStoreOf,
  migrateFilesToStore,
  sweepOrphanFiles,
  verifyStoredFiles,
} from '../server/modules/files/index.js';

const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

async function withFiles<T>(
  fn: (ctx: { db: Awaited<ReturnType<typeof openDb>>; config: ReturnType<typeof loadConfig> }) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await fn({ db, config });
  } catch (e) {
    if (e instanceof FileMissingError) throw new ConfigError(e.message);
    throw e;
  } finally {
    fileStoreOf({ config })?.close?.();
    await db.close();
  }
}

/** `tanfang files migrate | verify | sweep`: the file store (modules/files; README "文件存储"). */
export function registerFilesCommands(program: Command) {
  const files = program.command('files').description('文件存储（照片、签字、扫描件、月报）');
  files
    .command('migrate')
    .description(
      '把保存在数据库中的文件移到文件存储（TANFANG_FILES_DIR 或 TANFANG_S3_BUCKET）：分批进行，逐个按 SHA-256 校验，系统照常使用，可中断后重跑',
    )
    .option('--batch <n>', '每批文件数', '200')
    .action(async (opts) =>
      withFiles(async (ctx) => {
        const batch = Number(opts.batch);
        if (!Number.isInteger(batch) || batch < 1) throw new ConfigError('--batch 须为正整数');
        const store = fileStoreOf(ctx);
        if (!store)
          throw new ConfigError('未配置文件存储：请设置 TANFANG_FILES_DIR 或 TANFANG_S3_BUCKET 后再迁移');
        const bar = new cliProgress.SingleBar(
          { format: '  {table} {bar} {percentage}% | {value}/{total} 个文件 | {moved} | {eta_formatted}' },
          cliProgress.Presets.shades_classic,
        );
        let total = 0;
        const doneBefore = new Map<string, number>();
        const res = await migrateFilesToStore(ctx, {
          batch,
          onStart: (n, bytes) => {
            total = n;
            console.log(`待迁移 ${n} 个文件（${mb(bytes)}）→ ${store.where}`);
            if (n) bar.start(n, 0, { table: '', moved: mb(0) });
          },
          onProgress: (p) => {
            doneBefore.set(p.table, p.done);
            const done = [...doneBefore.values()].reduce((a, b) => a + b, 0);
            bar.update(done, { table: p.table, moved: mb(p.bytes) });
          },
        });
        if (total) bar.stop();
        console.log(`已迁移 ${res.moved} 个文件（${mb(res.bytes)}），均已读回并核对 SHA-256`);
        if (res.mismatched.length) {
          console.log(
            `有 ${res.mismatched.length} 个文件的内容与记录的 SHA-256 不符，未迁移（仍在数据库中）：${res.mismatched
              .slice(0, 20)
              .map((m) => `${m.table}#${m.id}`)
              .join('、')}`,
          );
          process.exitCode = 2;
        }
        console.log(
          '提示：数据库中释放的空间由 VACUUM 重用；要缩小数据文件，需在维护窗口执行 VACUUM FULL 或 pg_repack',
        );
      }),
    );
  files
    .command('verify')
    .description('核对记录所指的每个文件都在文件存储中（--read：并读出核对 SHA-256）')
    .option('--read', '读出每个文件并核对内容')
    .action(async (opts) =>
      withFiles(async (ctx) => {
        const r = await verifyStoredFiles(ctx, { read: !!opts.read });
        console.log(`核对 ${r.checked} 个文件：缺少 ${r.missing.length} 个，损坏 ${r.damaged.length} 个`);
        for (const sha of [...r.missing, ...r.damaged].slice(0, 50)) console.log(`  ${sha}`);
        if (r.missing.length || r.damaged.length) process.exitCode = 2;
      }),
    );
  files
    .command('sweep')
    .description(
      '删除文件存储中没有任何记录引用、且超过保留时间（TANFANG_FILES_GRACE_HOURS，默认 24 小时）的文件',
    )
    .action(async () =>
      withFiles(async (ctx) => {
        const r = await sweepOrphanFiles({ ...ctx, clock: createClock() });
        console.log(`检查 ${r.seen} 个文件，删除无引用文件 ${r.removed} 个`);
      }),
    );
}
