import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../server/config.js';
import { loadFieldCipher } from '../server/crypto/field-cipher.js';
import { openDb } from '../server/db/db.js';
import { migrate } from '../server/db/migrate.js';
import { verifyAuditChain } from '../server/modules/audit/index.js';
import { fileStoreOf } from '../server/modules/files/index.js';
import { backup, RestoreError, restore } from '../server/ops/backup.js';
import { rotateKeys, staleCounts } from '../server/ops/key-rotation.js';

async function withDb<T>(fn: (db: Awaited<ReturnType<typeof openDb>>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(`不是正整数：${v}`);
  return n;
};

/** audit verify · keys rotate · backup · restore */
export function registerTrustCommands(program: Command) {
  const audit = program.command('audit').description('审计日志');
  audit
    .command('verify')
    .description('校验审计日志哈希链：找出被改写、删除或调换顺序的行（发现问题时退出码为 2）')
    .option('--from <id>', '从第几行开始', int)
    .option('--to <id>', '到第几行为止', int)
    .option('--table <name>', '校验另一张同结构的表（例如从备份恢复出的副本）', 'audit_log')
    .action(async (opts) =>
      withDb(async (db) => {
        const res = await verifyAuditChain(db, { from: opts.from, to: opts.to, table: opts.table });
        console.log(`已校验 ${res.checked} 行（第 ${res.firstId ?? '-'} 至 ${res.lastId ?? '-'} 行）`);
        if (res.lastHash) console.log(`链尾哈希 ${res.lastHash}（请另行记录，用于发现末尾行被删除）`);
        for (const c of res.chains)
          console.log(`  第 ${c.chain} 号链：${c.rows} 行，链尾第 ${c.lastId} 行，哈希 ${c.lastHash}`);
        if (res.ok) {
          console.log('审计日志完整：未发现改写、删除或调换顺序的行');
          return;
        }
        console.log(`发现 ${res.problems.length} 处问题：`);
        for (const p of res.problems) console.log(`  [${p.kind}] ${p.message}`);
        process.exitCode = 2;
      }),
    );

  const keys = program.command('keys').description('字段加密密钥');
  keys
    .command('rotate')
    .description(
      '用 TANFANG_SECRET_KEY 中最新的密钥重新加密所有 *_enc 列（分批进行，服务无需停机；新旧密钥都应在列表中）',
    )
    .option('--batch <n>', '每批行数', int, 500)
    .option('--rehash', '同时按当前密钥列表重算检索哈希（*_hash）：移除最旧的密钥后运行一次')
    .action(async (opts) => {
      const config = loadConfig();
      const cipher = loadFieldCipher(config);
      await withDb(async (db) => {
        await migrate(db);
        console.log(`当前密钥 ${cipher.keyId}`);
        const reports = await rotateKeys(db, cipher, { batch: opts.batch, rehash: !!opts.rehash });
        for (const r of reports) {
          console.log(
            `  ${r.table}.${r.column}: 重新加密 ${r.reencrypted} 个值${opts.rehash ? `，重算哈希 ${r.rehashed} 个` : ''}`,
          );
        }
        const left = (await staleCounts(db, cipher)).filter((s) => s.stale > 0);
        if (left.length) {
          console.log(
            `仍有旧密钥加密的值（轮换期间被修改？请再运行一次）：${left.map((s) => `${s.table}.${s.column} ${s.stale}`).join('，')}`,
          );
          process.exitCode = 2;
        } else console.log('所有加密字段均已使用当前密钥');
      });
    });

  program
    .command('backup <file>')
    .description(
      '逻辑备份：所有表的数据（gzip 压缩的 JSON 行）及行数、校验和清单；PostgreSQL 上可在运行中备份',
    )
    .option(
      '--files <mode>',
      '文件存储中的文件：include 写入备份（默认），external 不写入（由文件存储自身的复制/版本保留，恢复时核对）',
      'include',
    )
    .action(async (file: string, opts: { files: string }) =>
      withDb(async (db) => {
        if (opts.files !== 'include' && opts.files !== 'external')
          throw new ConfigError('--files 须为 include 或 external');
        const config = loadConfig();
        const m = await backup(db, file, (t) => console.log(`  ${t.name}: ${t.rows} 行`), {
          files: { config },
          external: opts.files === 'external',
        });
        fileStoreOf({ config })?.close?.();
        const rows = m.tables.reduce((a, t) => a + t.rows, 0);
        console.log(`已备份 ${m.tables.length} 张表、${rows} 行到 ${file}`);
        if (m.files)
          console.log(
            m.files.mode === 'included'
              ? `以及文件存储中的 ${m.files.count} 个文件（${(m.files.bytes / 1048576).toFixed(1)} MB）`
              : `文件存储中的 ${m.files.count} 个文件未写入备份：请确认文件存储自身已复制/备份（恢复时将逐个核对）`,
          );
        console.log(
          '注意：备份中的身份证号、电话仍是密文，恢复时需要同一个 TANFANG_SECRET_KEY（或 secret.key 文件）',
        );
      }),
    );

  program
    .command('restore <file>')
    .description('恢复备份到一个空的数据库（先自动迁移）；逐表核对行数与校验和，不一致则全部撤销')
    .action(async (file: string) =>
      withDb(async (db) => {
        await migrate(db);
        try {
          const config = loadConfig();
          const m = await restore(db, file, (t) => console.log(`  ${t.name}: ${t.rows} 行，校验和一致`), {
            files: { config },
          });
          fileStoreOf({ config })?.close?.();
          if (m.files) console.log(`文件存储中的 ${m.files.count} 个文件已就位并核对`);
          console.log(`已恢复 ${m.tables.length} 张表（备份于 ${m.createdAt}，来自 ${m.engine}）`);
        } catch (e) {
          if (e instanceof RestoreError) throw new ConfigError(e.message);
          throw e;
        }
      }),
    );
}
