import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { day, XlsxWriter } from './xlsx-writer.js';

/**
 * What the clerk gets on paper, checked by a reader this project did not write: LibreOffice Calc
 * turns a ledger-shaped workbook into a PDF (as "打印" would), and poppler reads the pages back.
 * CI installs LibreOffice (.ci/run); a machine without it skips, CI does not.
 */
const has = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const ready = has('soffice') && has('pdftotext') && has('pdfinfo');
if (!ready && process.env.CI) throw new Error('CI needs LibreOffice (soffice) and poppler-utils');

const dir = mkdtempSync(join(tmpdir(), 'xlsx-print-'));
afterAll(() => (process.env.KEEP_PRINT ? undefined : rmSync(dir, { recursive: true, force: true })));

async function ledgerLike(rows: number): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const w = new XlsxWriter(out, { created: new Date('2026-03-29T10:00:00Z') });
  const header = ['序号', '探访时间', '镇（街道）', '村（社区）', '探访对象', '身份证号码', '探访责任人'];
  const extra = Array.from({ length: 30 }, (_, i) => `检查项${i + 1}`);
  w.sheet('探访记录台账', {
    columns: [7, 20, 12, 12, 10, 20, 10, 15, ...extra.slice(1).map(() => 12)],
    frozen: { xSplit: 5, ySplit: 2 },
    headerFooter: { header: '&C&8张三 于 2026-03-29 导出 · 用途：核对 · 仅限本次用途' },
    head: [
      { values: ['罕台镇 探访记录台账（2026年3月）'], style: 'title' },
      { values: [...header, ...extra], style: 'header' },
    ],
  });
  for (let i = 1; i <= rows; i++)
    w.row([
      i,
      new Date(Date.UTC(2026, 2, 5, 2, 30) + i * 60_000),
      '罕台镇',
      '罕台村',
      `对象${i}`,
      '150602********7788',
      '李探访',
      ...extra.map((_, k) => (k === 0 ? day('2026-03-20') : '正常')),
    ]);
  await w.finish();
  return Buffer.concat(chunks);
}

describe.skipIf(!ready)('a ledger on paper (LibreOffice)', () => {
  it('prints A4 landscape, one page wide, the header on every page, page numbers apart from the watermark, dates as dates', async () => {
    const file = join(dir, 'ledger.xlsx');
    writeFileSync(file, await ledgerLike(600));
    execFileSync('soffice', ['--headless', '--convert-to', 'pdf', '--outdir', dir, file], {
      env: { ...process.env, HOME: dir },
      stdio: 'ignore',
      timeout: 120_000,
    });
    const pdf = join(dir, 'ledger.pdf');
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    const pages = Number(/Pages:\s+(\d+)/.exec(info)![1]);
    const [w, h] = /Page size:\s+([\d.]+) x ([\d.]+)/.exec(info)!.slice(1).map(Number);
    // A4 landscape: 842 × 595 points.
    expect(Math.round(w)).toBe(842);
    expect(Math.round(h)).toBe(595);
    // 37 columns fit one page wide: every page is a band of rows, never a band of columns.
    expect(pages).toBeGreaterThan(1);
    for (let p = 1; p <= pages; p++) {
      const text = execFileSync('pdftotext', ['-f', String(p), '-l', String(p), '-layout', pdf, '-'], {
        encoding: 'utf8',
      });
      expect(text).toContain('探访时间');
      expect(text).toContain('检查项30');
      expect(text).toMatch(new RegExp(`第\\s*${p}\\s*页\\s*/\\s*共\\s*${pages}\\s*页`));
      // No cell too narrow for its value (Calc prints ### for a date that does not fit).
      expect(text).not.toContain('###');
      expect(text).toContain('仅限本次用途');
      // The watermark and the page number are on different lines.
      const line = text.split('\n').find((l) => /页\s*\/\s*共/.test(l))!;
      expect(line).not.toContain('用途');
    }
    const first = execFileSync('pdftotext', ['-f', '1', '-l', '1', '-layout', pdf, '-'], {
      encoding: 'utf8',
    });
    expect(first).toContain('2026年3月5日 10:31');
    expect(first).toContain('2026年3月20日');
  }, 180_000);
});
