import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import ExcelJS, { drained, sheetBacklog } from './xlsx.js';

describe('streaming .xlsx reader', () => {
  it('keeps Chinese text intact across compressed-chunk boundaries (inline and shared strings)', async () => {
    const dir = join('.tmp', `xlsx-test-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      for (const useSharedStrings of [false, true]) {
        const path = join(dir, `cjk-${useSharedStrings}.xlsx`);
        const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings });
        const ws = wb.addWorksheet('花名册');
        const text = (i: number) => `鄂尔多斯市东胜区罕台镇${i}号院独居老人部分丧失生活自理能力`;
        for (let i = 0; i < 6000; i++) ws.addRow([i, text(i), `${text(i)}（代管）`]).commit();
        ws.commit();
        await wb.commit();
        const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
          sharedStrings: 'cache',
          worksheets: 'emit',
        });
        let rows = 0;
        let broken = 0;
        for await (const sheet of reader) {
          for await (const row of sheet) {
            const v = row.values as unknown[];
            rows++;
            if (v[2] !== text(Number(v[1])) || v[3] !== `${text(Number(v[1]))}（代管）`) broken++;
          }
        }
        expect({ useSharedStrings, rows, broken }).toEqual({ useSharedStrings, rows: 6000, broken: 0 });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('drained (streamed exports wait for their reader)', () => {
  it('waits while the reader is behind, goes on when it caught up, and throws when it went away', async () => {
    const { PassThrough } = await import('node:stream');
    const out = new PassThrough({ highWaterMark: 16 });
    out.write(Buffer.alloc(64));
    expect(out.writableNeedDrain).toBe(true);
    let done = false;
    const waiting = drained(out).then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    out.resume(); // the reader takes everything
    await waiting;
    expect(done).toBe(true);
    await drained(out); // nothing pending: returns at once

    const gone = new PassThrough({ highWaterMark: 16 });
    gone.write(Buffer.alloc(64));
    const aborted = drained(gone);
    gone.destroy();
    await expect(aborted).rejects.toThrow('closed by its reader');
  });
});

describe('drained with a sheet (streamed exports wait for the compressor)', () => {
  it('keeps the XML waiting for deflate under one batch, where it grew by every batch without the wait', async () => {
    const { Writable } = await import('node:stream');
    const row = (i: number) => [
      i,
      '2026-10-01 10:00',
      '罕台镇',
      '巴音敖包村',
      ...Array.from({ length: 40 }, (_, j) => (j % 3 ? '良好' : '无异常')),
    ];
    const run = async (wait: boolean) => {
      const out = new Writable({ write: (_c, _e, cb) => cb() });
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false });
      const ws = wb.addWorksheet('台账');
      let most = 0;
      for (let b = 0; b < 8; b++) {
        for (let i = 0; i < 1000; i++) ws.addRow(row(b * 1000 + i)).commit();
        if (wait) await drained(out, ws);
        else await new Promise((r) => setImmediate(r));
        most = Math.max(most, sheetBacklog(ws));
      }
      ws.commit();
      await wb.commit();
      return most;
    };
    // Without the wait the backlog is the XML of all batches so far (about 1.6 MB per 1,000 rows).
    expect(await run(false)).toBeGreaterThan(8 * 1048576);
    expect(await run(true)).toBeLessThan(1048576);
  });
});
