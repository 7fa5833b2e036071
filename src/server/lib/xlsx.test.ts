import { existsSync, mkdirSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  EXCEL_ORDER,
  inOrder,
  partsOf,
  WPS_ORDER,
  withSlowTempFiles,
  zipOf,
} from '../../../test/xlsx-layouts.js';
import ExcelJS, {
  addPlainRow,
  cellText,
  drained,
  prefetchedBatches,
  sheetBacklog,
  XML_LIMITS,
  XmlLimitError,
  xmlGuard,
  ZIP_LIMITS,
} from './xlsx.js';

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

describe('streaming .xlsx reader: the zip read by its central directory', () => {
  const dir = join('.tmp', `xlsx-zip-test-${process.pid}`);
  const read = async (path: string) => {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
      sharedStrings: 'cache',
      styles: 'cache',
      hyperlinks: 'ignore',
      worksheets: 'emit',
      entries: 'ignore',
    });
    const sheets: { name: string; rows: unknown[][] }[] = [];
    for await (const ws of reader) {
      const rows: unknown[][] = [];
      for await (const row of ws) rows.push((row.values as unknown[]).slice(1));
      sheets.push({ name: (ws as unknown as { name: string }).name, rows });
    }
    return sheets;
  };

  it('reads Excel- and WPS-ordered files whole (shared strings, styles, sheet names), also with a slow temporary disk', async () => {
    mkdirSync(dir, { recursive: true });
    try {
      const source = join(dir, 'source.xlsx');
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: source, useSharedStrings: true });
      const ws = wb.addWorksheet('花名册');
      ws.addRow(['姓名', '户籍地址', '供养开始日期']).commit();
      for (let i = 0; i < 10; i++)
        ws.addRow([`对象${i}`, `罕台镇巴音敖包村${i}号`, new Date(Date.UTC(2020, 0, i + 1))]).commit();
      ws.commit();
      await wb.commit();
      const parts = await partsOf(source);
      for (const [layout, order] of [
        ['excel', EXCEL_ORDER],
        ['wps', WPS_ORDER],
      ] as const) {
        const path = join(dir, `${layout}.xlsx`);
        writeFileSync(path, zipOf(inOrder(parts, order)));
        for (let i = 0; i < 3; i++) {
          const sheets = await withSlowTempFiles(50, () => read(path));
          expect({ layout, sheets: sheets.map((s) => s.name) }).toEqual({ layout, sheets: ['花名册'] });
          const rows = sheets[0].rows;
          expect(rows[0]).toEqual(['姓名', '户籍地址', '供养开始日期']);
          expect(rows.slice(1).map((r) => [r[0], r[1], cellText(r[2])])).toEqual(
            Array.from({ length: 10 }, (_, i) => [
              `对象${i}`,
              `罕台镇巴音敖包村${i}号`,
              `2020-01-${String(i + 1).padStart(2, '0')}`,
            ]),
          );
          expect(rows[1][2]).toBeInstanceOf(Date); // a date cell: its style was read
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives the sheets in the order of their tabs, visible ones first, whatever the order of the zip', async () => {
    mkdirSync(dir, { recursive: true });
    try {
      const source = join(dir, 'tabs.xlsx');
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: source, useSharedStrings: true });
      for (const name of ['旧表', '花名册', '说明']) {
        const ws = wb.addWorksheet(name);
        ws.addRow([`${name}第一行`]).commit();
        ws.commit();
      }
      await wb.commit();
      const parts = await partsOf(source);
      const book = parts.get('xl/workbook.xml')!.toString();
      const tab = (name: string) => book.match(new RegExp(`<sheet [^>]*name="${name}"[^>]*/>`))![0];
      // In Excel, 花名册 (sheet2.xml) dragged in front of 旧表 (sheet1.xml); the parts keep their names.
      const tabs = (xml: string[]) =>
        book.replace(/<sheets>.*<\/sheets>/s, `<sheets>${xml.join('')}</sheets>`);
      const cases: [string, string, string[]][] = [
        ['zip order', tabs([tab('旧表'), tab('花名册'), tab('说明')]), ['旧表', '花名册', '说明']],
        ['moved tab', tabs([tab('花名册'), tab('说明'), tab('旧表')]), ['花名册', '说明', '旧表']],
        [
          'hidden first tab',
          tabs([tab('旧表').replace(/state="\w+"/, 'state="hidden"'), tab('说明'), tab('花名册')]),
          ['说明', '花名册', '旧表'],
        ],
      ];
      for (const [label, xml, expected] of cases) {
        const path = join(dir, 'tabs-moved.xlsx');
        const moved = new Map(parts).set('xl/workbook.xml', Buffer.from(xml));
        writeFileSync(path, zipOf(inOrder(moved, EXCEL_ORDER)));
        const sheets = await read(path);
        expect({ label, sheets: sheets.map((s) => [s.name, s.rows[0][0]]) }).toEqual({
          label,
          sheets: expected.map((n) => [n, `${n}第一行`]),
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an entry whose data does not match its CRC instead of reading it changed', async () => {
    mkdirSync(dir, { recursive: true });
    try {
      const source = join(dir, 'source.xlsx');
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: source, useSharedStrings: false });
      const ws = wb.addWorksheet('花名册');
      ws.addRow(['姓名', '身份证号码']).commit();
      ws.addRow(['张三', '150602194203041234']).commit();
      ws.commit();
      await wb.commit();
      const zip = zipOf(inOrder(await partsOf(source), EXCEL_ORDER), true); // stored: the XML as is
      const at = zip.indexOf('150602194203041234');
      expect(at).toBeGreaterThan(0);
      zip.write('9', at + 17); // one digit of the ID number changed on the way
      const path = join(dir, 'damaged.xlsx');
      writeFileSync(path, zip);
      await expect(read(path)).rejects.toThrow(/damaged/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a workbook whose parts would unpack past the limits, before inflating them', async () => {
    mkdirSync(dir, { recursive: true });
    const saved = { ...ZIP_LIMITS };
    const savedRun = XML_LIMITS.run;
    // The padding below is one 3 MB run of whitespace, which the XML limit refuses by itself.
    XML_LIMITS.run = Number.POSITIVE_INFINITY;
    try {
      const source = join(dir, 'source.xlsx');
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: source, useSharedStrings: true });
      const ws = wb.addWorksheet('花名册');
      ws.addRow(['姓名', '户籍地址']).commit();
      ws.addRow(['张三', '罕台镇']).commit();
      ws.commit();
      await wb.commit();
      const parts = await partsOf(source);
      // A bomb: shared strings of 3 MB of spaces (a few KB zipped); then a sheet of 3 MB.
      const padded = (xml: Buffer) =>
        Buffer.concat([xml.subarray(0, xml.length - 1), Buffer.alloc(3 * 2 ** 20, ' '), xml.subarray(-1)]);
      const bomb = new Map(parts).set('xl/sharedStrings.xml', padded(parts.get('xl/sharedStrings.xml')!));
      const big = new Map(parts).set(
        'xl/worksheets/sheet1.xml',
        padded(parts.get('xl/worksheets/sheet1.xml')!),
      );
      const paths = {
        plain: join(dir, 'plain.xlsx'),
        bomb: join(dir, 'bomb.xlsx'),
        big: join(dir, 'big.xlsx'),
      };
      writeFileSync(paths.plain, zipOf(inOrder(parts, EXCEL_ORDER)));
      writeFileSync(paths.bomb, zipOf(inOrder(bomb, EXCEL_ORDER)));
      writeFileSync(paths.big, zipOf(inOrder(big, EXCEL_ORDER)));
      expect(statSync(paths.bomb).size).toBeLessThan(64 * 1024);
      // Within the limits all three are read (the padding is whitespace between XML elements).
      for (const p of Object.values(paths)) expect((await read(p))[0].rows[1]).toEqual(['张三', '罕台镇']);
      ZIP_LIMITS.part = 2 * 2 ** 20;
      ZIP_LIMITS.total = 2.5 * 2 ** 20;
      expect((await read(paths.plain))[0].rows[1]).toEqual(['张三', '罕台镇']);
      await expect(read(paths.bomb)).rejects.toThrow(/xl\/sharedStrings\.xml 解压后 3 MB，超过 2 MB/);
      await expect(read(paths.big)).rejects.toThrow(/解压后超过 3 MB|解压后超过 2 MB/);
    } finally {
      Object.assign(ZIP_LIMITS, saved);
      XML_LIMITS.run = savedRun;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(existsSync('/proc/self/fd'))('closes the file when the caller stops reading early', async () => {
    mkdirSync(dir, { recursive: true });
    try {
      const path = join(dir, 'big.xlsx');
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
      const ws = wb.addWorksheet('花名册');
      for (let i = 0; i < 5000; i++) ws.addRow([i, `对象${i}`]).commit();
      ws.commit();
      wb.addWorksheet('说明').addRow(['说明']).commit();
      await wb.commit();
      // The descriptors open on this file (others come and go with the rest of the process).
      const target = resolve(path);
      const fds = () =>
        readdirSync('/proc/self/fd').filter((fd) => {
          try {
            return readlinkSync(`/proc/self/fd/${fd}`) === target;
          } catch {
            return false; // closed meanwhile
          }
        }).length;
      const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
        sharedStrings: 'cache',
        worksheets: 'emit',
      });
      let rows = 0;
      let open = 0;
      for await (const sheet of reader) {
        for await (const _ of sheet) if (++rows === 30) break;
        open = fds();
        break;
      }
      expect(rows).toBe(30);
      expect(open).toBe(1); // the check sees the file while it is read
      await new Promise((r) => setTimeout(r, 20));
      expect(fds()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('drained (streamed exports wait for their reader)', () => {
  it('waits while the reader is behind, goes on when it caught up, and throws when it went away', async () => {
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

describe('addPlainRow (one style object for plain cells)', () => {
  it('writes the same sheet as plain addRow, with styled rows kept, and shares one style object', async () => {
    const write = async (plain: boolean) => {
      const chunks: Buffer[] = [];
      const out = new PassThrough();
      out.on('data', (c: Buffer) => chunks.push(c));
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
        stream: out,
        useStyles: true,
        useSharedStrings: false,
      });
      const ws = wb.addWorksheet('台账');
      ws.columns = [{ width: 7 }, { width: 20 }, { width: 10 }];
      const head = ws.addRow(['序号', '姓名', '金额']);
      head.font = { bold: true };
      head.commit();
      for (let i = 1; i <= 300; i++) {
        const values = [i, `对象${i}`, i % 3 ? i * 1.5 : ''];
        if (plain) addPlainRow(ws, values);
        else ws.addRow(values).commit();
      }
      ws.commit();
      await wb.commit();
      return Buffer.concat(chunks);
    };
    const sheetOf = async (file: Buffer) => {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(file as unknown as ArrayBuffer);
      const ws = wb.worksheets[0];
      const rows: unknown[] = [];
      ws.eachRow((r) => rows.push([...(r.values as unknown[]).slice(1), r.getCell(1).font?.bold ?? false]));
      return rows;
    };
    const before = await write(false);
    const after = await write(true);
    // Committed rows leave a streamed sheet; in a workbook held in memory they stay, and every plain
    // cell of every row has the one style object.
    const held = new ExcelJS.Workbook().addWorksheet('台账');
    held.getColumn(3).numFmt = '0.00';
    for (let i = 1; i <= 3; i++) addPlainRow(held, [i, `对象${i}`, i / 3]);
    const shared = new Set<unknown>();
    held.eachRow((r) => {
      for (const c of [1, 2]) shared.add(r.getCell(c).style);
    });
    expect(shared.size).toBe(1);
    // A style the column gives keeps its cells (their own objects, not the shared one).
    held.eachRow((r) => expect(r.getCell(3).numFmt).toBe('0.00'));
    expect(held.getRow(1).getCell(3).style).not.toBe(held.getRow(1).getCell(1).style);
    const [a, b] = [await sheetOf(before), await sheetOf(after)];
    expect(b).toEqual(a);
    expect(b[0]).toEqual(['序号', '姓名', '金额', true]);
    expect(b[1]).toEqual([1, '对象1', 1.5, false]);
    expect(b).toHaveLength(301);
  });
});

describe('prefetchedBatches (the next batch read while this one is written)', () => {
  const table = Array.from({ length: 25 }, (_, i) => ({ id: i + 1 }));
  const source = () => {
    const asked: (number | null)[] = [];
    const fetch = async (after: number | null) => {
      asked.push(after);
      await new Promise((r) => setTimeout(r, 1));
      return table.filter((r) => r.id > (after ?? 0)).slice(0, 10);
    };
    return { asked, fetch };
  };

  it('yields every batch in order, asking for the next before the caller is done with this one', async () => {
    const { asked, fetch } = source();
    const seen: number[] = [];
    const askedWhenYielded: number[] = [];
    for await (const rows of prefetchedBatches(fetch, (last) => last.id, 10)) {
      askedWhenYielded.push(asked.length);
      seen.push(...rows.map((r) => r.id));
    }
    expect(seen).toEqual(table.map((r) => r.id));
    expect(asked).toEqual([null, 10, 20]);
    // Batch 1 is handed over with batch 2 already asked for, batch 2 with batch 3; the last (5 rows,
    // shorter than the batch size) asks for nothing more.
    expect(askedWhenYielded).toEqual([2, 3, 3]);
  });

  it('stops asking when the caller stops, and a failed batch nobody waits for is not an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      let calls = 0;
      const fetch = async (after: number | null) => {
        calls++;
        if (after != null) throw new Error('connection lost');
        return table.slice(0, 10);
      };
      for await (const rows of prefetchedBatches(fetch, (last) => last.id, 10)) {
        expect(rows).toHaveLength(10);
        break; // the reader went away
      }
      await new Promise((r) => setTimeout(r, 20));
      expect(calls).toBe(2);
      expect(unhandled).toEqual([]);
      // A failure the caller does wait for reaches it.
      await expect(async () => {
        for await (const _ of prefetchedBatches(fetch, (last) => last.id, 10)) {
          /* drain */
        }
      }).rejects.toThrow('connection lost');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('XML limits of uploaded workbooks (xmlGuard)', () => {
  it('refuses a run of text or a tag longer than the limit, across chunks, and passes the rest', () => {
    const g = xmlGuard(false);
    g(`<si><t>${'x'.repeat(150_000)}`);
    g(`${'x'.repeat(50_000)}</t></si>`); // 200,000 exactly: fine
    g(`<si><t>${'y'.repeat(199_990)}`);
    expect(() => g('y'.repeat(11))).toThrow(/32,767/);
    const tag = xmlGuard(false);
    expect(() => tag(`<c r="A1" ${'a="1" '.repeat(40_000)}>`)).toThrow(XmlLimitError);
  });

  it('refuses a sheet whose declared extent passes the row limit before its rows', () => {
    const saved = XML_LIMITS.rows;
    XML_LIMITS.rows = 1000;
    try {
      expect(() => xmlGuard(true)('<worksheet><dimension ref="A1:R1001"/><sheetData>')).toThrow(/1,000 行/);
      expect(() => xmlGuard(true)('<worksheet><dimension ref="A1:R1000"/><sheetData>')).not.toThrow();
      // Only the head of the sheet is looked at: a later "dimension" is cell text.
      const g = xmlGuard(true);
      g('<worksheet><sheetData><row r="1">');
      expect(() => g('<dimension ref="A1:A5000"/>')).not.toThrow();
    } finally {
      XML_LIMITS.rows = saved;
    }
  });
});
