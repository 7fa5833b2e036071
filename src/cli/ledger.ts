import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../server/config.js';
import type { Actor } from '../server/http/scope.js';
import { openContext } from '../server/main.js';
import { findAreaByCode } from '../server/modules/areas/index.js';
import { ledgerRowCount, openLedger, writeLedger } from '../server/modules/ledger/index.js';
import { findBureauAdmin } from '../server/modules/users/index.js';
import { isPeriod, periodWindow } from '../shared/schedule.js';

/**
 * `tanfang ledger visits|concerns --period 2026-03 [--area CODE] --out file.xlsx`: the same streamed
 * workbook as the web download, written to a file with a progress bar — for very large ledgers.
 * Runs as the named bureau administrator, audited under that user; full ID numbers only with
 * `--reason` (the export guard: the purpose recorded before the file is written, and printed on it).
 */
export function registerLedgerCommands(program: Command) {
  const ledger = program.command('ledger').description('台账导出（.xlsx）');
  for (const kind of ['visits', 'concerns'] as const) {
    ledger
      .command(kind)
      .description(kind === 'visits' ? '探访记录台账' : '问题整改台账')
      .requiredOption('--period <period>', '期间：YYYY-MM 或 YYYY-MM-1 / YYYY-MM-2')
      .requiredOption('--out <file>', '输出文件 .xlsx')
      .option('--area <code>', '辖区代码（默认全区）')
      .option('--as <username>', '以哪个民政局管理员的身份导出（记入审计）', 'admin')
      .option('--reason <text>', '导出完整身份证号码的用途（记入审计并印在文件上）；不填则号码脱敏')
      .action(async (opts) => {
        if (!isPeriod(opts.period))
          throw new ConfigError(`期间格式应为 YYYY-MM 或 YYYY-MM-1 / YYYY-MM-2：${opts.period}`);
        const ctx = await openContext(loadConfig());
        try {
          const user = await findBureauAdmin(ctx.db, opts.as);
          if (!user) throw new ConfigError(`没有名为 ${opts.as} 的民政局管理员`);
          let areaId: number | undefined;
          if (opts.area) {
            const a = await findAreaByCode(ctx.db, opts.area);
            if (!a) throw new ConfigError(`没有代码为 ${opts.area} 的辖区`);
            areaId = a.id;
          }
          const actor: Actor = {
            userId: user.id,
            username: opts.as,
            displayName: user.display_name,
            roles: ['bureau_admin'],
            grants: [],
            sessionId: 'cli',
            viaCookie: false,
            csrfToken: '',
            scope: { userId: user.id, all: true, areaIds: [], visitor: false, departments: [] },
          };
          const w = periodWindow(opts.period);
          const n = await ledgerRowCount(ctx.db, kind, w.start, w.end);
          const bar = new cliProgress.SingleBar(
            { format: '  {bar} {percentage}% | {value}/{total} 行 | {eta_formatted}' },
            cliProgress.Presets.shades_classic,
          );
          // Refused (a bad purpose, an unknown area) before the file is created.
          const l = await openLedger(ctx, actor, kind, { period: opts.period, areaId, reason: opts.reason });
          bar.start(n, 0);
          const out = createWriteStream(opts.out);
          const rows = await writeLedger(ctx, l, out, (k) => bar.update(k));
          if (!out.writableFinished) await once(out, 'finish');
          bar.update(rows);
          bar.stop();
          console.log(`已导出 ${rows} 行：${opts.out}`);
        } finally {
          await ctx.db.close();
        }
      });
  }
}
