import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { crc32, inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { neutraliseFormula } from '../../shared/spreadsheet-text.js';
import { DATE_FORMAT, DATETIME_FORMAT, PAGE_NUMBER_FOOTER } from './sheet-layout.js';
import ExcelJS from './xlsx.js';
import {
  type Cell,
  day,
  ExportClosedError,
  type SheetOptions,
  XlsxWriter,
  type XlsxWriterOptions,
} from './xlsx-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'xlsx-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hasUnzip = (() => {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Everything written into a PassThrough, read as it comes. */
function collect(out: PassThrough): Promise<Buffer> {
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve, reject) => {
    out.on('end', () => resolve(Buffer.concat(chunks)));
    out.on('error', reject);
  });
}

async function build(
  opts: XlsxWriterOptions,
  write: (w: XlsxWriter) => void | Promise<void>,
): Promise<Buffer> {
  const out = new PassThrough();
  const body = collect(out);
  const w = new XlsxWriter(out, { created: new Date('2026-03-29T10:00:00Z'), ...opts });
  await write(w);
  await w.finish();
  return body;
}

async function load(buf: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as any);
  return wb;
}

/**
 * Rows of every sheet by the streaming reader (lib/xlsx.ts' patched one): values from column A.
 * Sheet names are not reliable there: unzipper 0.10's Parse (under exceljs' reader) emits 'end' when
 * it reaches the end record, or when its input ends, even while parsed entries still wait in its
 * buffer for exceljs, which is busy copying a sheet to a temporary file. Small entries after the
 * sheets (workbook.xml and its rels: the names) are then dropped now and then, with exceljs' own
 * files as well; a sheet larger than a stream buffer is not (the parser waits for it to be read).
 */
async function streamRead(buf: Buffer): Promise<{ name: string; rows: unknown[][] }[]> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([buf]), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'ignore',
  } as any);
  const sheets: { name: string; rows: unknown[][] }[] = [];
  for await (const sheet of reader) {
    const rows: unknown[][] = [];
    for await (const row of sheet as any) rows.push((row.values as unknown[]).slice(1));
    sheets.push({ name: (sheet as any).name, rows });
  }
  return sheets;
}

function unzipTest(buf: Buffer, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, buf);
  return execFileSync('unzip', ['-t', file], { encoding: 'utf8' });
}

interface ZipEntry {
  name: string;
  data: Buffer;
  zip64Sizes: boolean;
  zip64Offset: boolean;
  descriptor: boolean;
  /** "Version needed to extract" of the local header. */
  version: number;
}

/**
 * Reads a zip by its central directory as a strict reader would: the zip64 end record when the end
 * record says so, each entry's zip64 extra field, its local header at the offset, the inflated data
 * against CRC and size, and the data descriptor (64-bit sizes exactly when the entry is zip64).
 */
function readZip(buf: Buffer): { entries: ZipEntry[]; zip64End: boolean } {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd).toBe(buf.length - 22);
  let records = buf.readUInt16LE(eocd + 10);
  let cdSize = buf.readUInt32LE(eocd + 12);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  const zip64End = records === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff;
  if (zip64End) {
    const loc = eocd - 20;
    expect(buf.readUInt32LE(loc)).toBe(0x07064b50);
    const rec = Number(buf.readBigUInt64LE(loc + 8));
    expect(buf.readUInt32LE(rec)).toBe(0x06064b50);
    expect(rec + 56).toBe(loc);
    records = Number(buf.readBigUInt64LE(rec + 32));
    cdSize = Number(buf.readBigUInt64LE(rec + 40));
    cdOffset = Number(buf.readBigUInt64LE(rec + 48));
    expect(cdOffset + cdSize).toBe(rec);
  } else {
    expect(cdOffset + cdSize).toBe(eocd);
  }
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < records; i++) {
    expect(buf.readUInt32LE(p)).toBe(0x02014b50);
    const flags = buf.readUInt16LE(p + 8);
    expect(buf.readUInt16LE(p + 10)).toBe(8);
    const crc = buf.readUInt32LE(p + 16);
    let csize = buf.readUInt32LE(p + 20);
    let usize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let offset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const zip64Sizes = csize === 0xffffffff;
    expect(usize === 0xffffffff).toBe(zip64Sizes);
    const zip64Offset = offset === 0xffffffff;
    if (zip64Sizes || zip64Offset) {
      let e = p + 46 + nameLen;
      expect(buf.readUInt16LE(e)).toBe(1);
      expect(buf.readUInt16LE(e + 2)).toBe((zip64Sizes ? 16 : 0) + (zip64Offset ? 8 : 0));
      e += 4;
      if (zip64Sizes) {
        usize = Number(buf.readBigUInt64LE(e));
        csize = Number(buf.readBigUInt64LE(e + 8));
        e += 16;
      }
      if (zip64Offset) offset = Number(buf.readBigUInt64LE(e));
    } else {
      expect(extraLen).toBe(0);
    }
    expect(flags & 0x800).toBe(0x800);
    expect(buf.readUInt32LE(offset)).toBe(0x04034b50);
    expect(buf.readUInt16LE(offset + 6)).toBe(flags);
    const start = offset + 30 + buf.readUInt16LE(offset + 26) + buf.readUInt16LE(offset + 28);
    expect(buf.toString('utf8', offset + 30, offset + 30 + nameLen)).toBe(name);
    const data = inflateRawSync(buf.subarray(start, start + csize));
    expect(data.length).toBe(usize);
    expect(crc32(data)).toBe(crc);
    const descriptor = (flags & 8) !== 0;
    if (descriptor) {
      const d = start + csize;
      expect(buf.readUInt32LE(d)).toBe(0x08074b50);
      expect(buf.readUInt32LE(d + 4)).toBe(crc);
      if (zip64Sizes) {
        expect([Number(buf.readBigUInt64LE(d + 8)), Number(buf.readBigUInt64LE(d + 16))]).toEqual([
          csize,
          usize,
        ]);
      } else {
        expect([buf.readUInt32LE(d + 8), buf.readUInt32LE(d + 12)]).toEqual([csize, usize]);
      }
    } else {
      // Sizes in the local header: 0xFFFFFFFF and a zip64 extra field (usize, csize) when zip64.
      const local = [
        buf.readUInt32LE(offset + 14),
        buf.readUInt32LE(offset + 18),
        buf.readUInt32LE(offset + 22),
      ];
      const localExtra = buf.readUInt16LE(offset + 28);
      if (zip64Sizes) {
        expect(local).toEqual([crc, 0xffffffff, 0xffffffff]);
        const e = offset + 30 + nameLen;
        expect([localExtra, buf.readUInt16LE(e), buf.readUInt16LE(e + 2)]).toEqual([20, 1, 16]);
        expect([Number(buf.readBigUInt64LE(e + 4)), Number(buf.readBigUInt64LE(e + 12))]).toEqual([
          usize,
          csize,
        ]);
      } else {
        expect(local).toEqual([crc, csize, usize]);
        expect(localExtra).toBe(0);
      }
    }
    const version = buf.readUInt16LE(offset + 4);
    // The central directory's says 4.5 also for an entry that only starts past the threshold.
    expect(buf.readUInt16LE(p + 6)).toBe(zip64Sizes || zip64Offset ? 45 : version);
    entries.push({ name, data, zip64Sizes, zip64Offset, descriptor, version });
    p += 46 + nameLen + extraLen + commentLen;
  }
  expect(p).toBe(cdOffset + cdSize);
  return { entries, zip64End };
}

const WIDTHS = [7, 17, 12, 12, 10];
const head = (title: string): SheetOptions['head'] => [
  { values: [title], style: 'title' },
  { values: ['序号', '探访时间', '镇（街道）', '村（社区）', '探访对象'], style: 'header' },
];
const dataRow = (i: number): Cell[] => [
  i,
  `2026-10-${String((i % 28) + 1).padStart(2, '0')} 10:00`,
  '罕台镇',
  `巴音敖包村${i}组`,
  `鄂尔多斯市东胜区罕台镇${i}号院独居老人`,
];

describe('XlsxWriter cells', () => {
  it('writes text, numbers and booleans that exceljs reads back: Chinese, <&>, control characters dropped, spaces kept', async () => {
    const long = '长'.repeat(40_000);
    const cut = `${'x'.repeat(32_766)}👍`;
    const buf = await build({}, (w) => {
      w.sheet('值');
      w.row(['罕台镇', 12, -1.5, 0, 1e21, 1e-7, true, false]);
      w.row([
        '<b>&amp;</b> "q" \'a\' >',
        'a\x00b\x01c\x08d\x0Be\x0Cf\x1Fg\uFFFEh\uFFFFi',
        'x\uD800y\uDC00z',
        '👍🏻家',
      ]);
      w.row(['  两头空格  ', ' ', 'a\tb\nc', '\tTab', '末尾\n']);
      w.row(['a', null, undefined, '', 'e', Number.NaN]);
      w.row([long, cut]);
      w.row([long, long, long]); // larger than the writer's buffer
      w.row(['after']);
    });
    const ws = (await load(buf)).worksheets[0];
    expect(ws.name).toBe('值');
    const v = (r: number) => (ws.getRow(r).values as unknown[]).slice(1);
    expect(v(1)).toEqual(['罕台镇', 12, -1.5, 0, 1e21, 1e-7, true, false]);
    expect(v(2)).toEqual(['<b>&amp;</b> "q" \'a\' >', 'abcdefghi', 'xyz', '👍🏻家']);
    // A leading tab is one of the formula starts a CSV round trip would run: neutralised.
    expect(v(3)).toEqual(['  两头空格  ', ' ', 'a\tb\nc', "'\tTab", '末尾\n']);
    expect(v(4)).toEqual(['a', undefined, undefined, undefined, 'e', 'NaN']);
    expect(ws.getRow(4).cellCount).toBe(6);
    expect(ws.getCell('B4').value).toBeNull();
    // Excel's limit of 32,767 characters, without splitting a surrogate pair.
    expect(v(5)).toEqual(['长'.repeat(32_767), 'x'.repeat(32_766)]);
    expect(v(6)).toEqual(new Array(3).fill('长'.repeat(32_767)));
    expect(v(7)).toEqual(['after']);
    expect(ws.rowCount).toBe(7);
    // Excel trims text without xml:space="preserve" (exceljs does not); rows and cells carry `r`.
    const xml = readZip(buf)
      .entries.find((e) => e.name === 'xl/worksheets/sheet1.xml')!
      .data.toString();
    expect(xml).toContain('<c r="A3" t="inlineStr"><is><t xml:space="preserve">  两头空格  </t></is></c>');
    expect(xml).toContain('<c r="E3" t="inlineStr"><is><t xml:space="preserve">末尾\n</t></is></c>');
    expect(xml).toContain(
      '<row r="1"><c r="A1" t="inlineStr"><is><t>罕台镇</t></is></c><c r="B1"><v>12</v></c>',
    );
    expect(xml).toContain('<c r="G1" t="b"><v>1</v></c>');
    expect(xml).toContain('<row r="4"><c r="A4" t="inlineStr"><is><t>a</t></is></c><c r="E4" ');
  });

  it('refuses values it cannot write instead of writing something else', async () => {
    const out = new PassThrough();
    const w = new XlsxWriter(out);
    expect(() => w.row(['x'])).toThrow('before sheet()');
    w.sheet('s');
    expect(() => w.row([Symbol('x') as unknown as Cell])).toThrow(TypeError);
    expect(() => w.row(new Array(16_385).fill(1))).toThrow(RangeError);
    out.destroy();
    // A refused row leaves no gap.
    const buf = await build({}, (w) => {
      w.sheet('s');
      w.row([1]);
      expect(() => w.row(['x', {} as unknown as Cell])).toThrow(TypeError);
      w.row([2]);
    });
    const ws = (await load(buf)).worksheets[0];
    expect([ws.getCell('A1').value, ws.getCell('A2').value, ws.rowCount]).toEqual([1, 2, 2]);
  });

  it('writes column widths, the frozen pane and the title and header styles', async () => {
    const buf = await build({}, (w) => {
      w.sheet('台账', {
        columns: [...WIDTHS, 16, 16, 0, 8],
        frozen: { xSplit: 5, ySplit: 2 },
        head: head('标题'),
      });
      w.row(dataRow(1));
      w.sheet('只冻结行', { frozen: { xSplit: 0, ySplit: 1 } });
      w.row(['x']);
    });
    const wb = await load(buf);
    const ws = wb.worksheets[0];
    expect([1, 2, 3, 4, 5, 6, 7, 9].map((c) => ws.getColumn(c).width)).toEqual([...WIDTHS, 16, 16, 8]);
    expect(ws.getColumn(8).width).toBeUndefined();
    expect(ws.views[0]).toMatchObject({ state: 'frozen', xSplit: 5, ySplit: 2, topLeftCell: 'F3' });
    expect(wb.worksheets[1].views[0]).toMatchObject({ state: 'frozen', ySplit: 1, topLeftCell: 'A2' });
    expect(ws.getCell('A1').value).toBe('标题');
    expect(ws.getCell('A1').font).toMatchObject({ bold: true, size: 13 });
    for (const c of ['A2', 'E2']) {
      expect(ws.getCell(c).font).toMatchObject({ bold: true });
      expect(ws.getCell(c).font.size).not.toBe(13);
      expect(ws.getCell(c).alignment).toMatchObject({ wrapText: true, vertical: 'middle' });
    }
    for (const c of ['A3', 'E3']) {
      expect(ws.getCell(c).font?.bold).toBeFalsy();
      expect(ws.getCell(c).alignment?.wrapText).toBeFalsy();
    }
    expect(wb.creator).toBeUndefined();
  });

  it('keeps Chinese text intact through the streaming reader over many compressed chunks', async () => {
    const n = 20_000;
    const buf = await build({ creator: '探访' }, (w) => {
      w.sheet('台账', { columns: WIDTHS, head: head('标题') });
      for (let i = 1; i <= n; i++) w.row(dataRow(i));
    });
    const [sheet] = await streamRead(buf);
    expect(sheet.rows).toHaveLength(n + 2);
    let broken = 0;
    for (let i = 1; i <= n; i++)
      if (JSON.stringify(sheet.rows[i + 1]) !== JSON.stringify(dataRow(i))) broken++;
    expect(broken).toBe(0);
    expect((await load(buf)).creator).toBe('探访');
  });
});

describe('XlsxWriter continuation sheets', () => {
  const base = '一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一'; // 31 characters
  const write = (rows: number) =>
    build({ maxRowsPerSheet: 5 }, (w) => {
      w.sheet(base, { columns: WIDTHS, frozen: { xSplit: 1, ySplit: 2 }, head: head('标题') });
      for (let i = 1; i <= rows; i++) w.row(dataRow(i));
      w.sheet('a/b:c*?[x]\\');
      w.row(['other']);
    });

  it('continues on "<name> (2)", … with the head rows, columns and pane; no row lost or repeated', async () => {
    const buf = await write(10); // 3 data rows a sheet: 3 + 3 + 3 + 1
    const wb = await load(buf);
    const names = wb.worksheets.map((s) => s.name);
    const cut = base.slice(0, 27);
    expect(names).toEqual([base, `${cut} (2)`, `${cut} (3)`, `${cut} (4)`, 'a_b_c___x__']);
    expect(names.every((s) => s.length <= 31)).toBe(true);
    const seen: unknown[] = [];
    for (const ws of wb.worksheets.slice(0, 4)) {
      expect(ws.rowCount).toBeLessThanOrEqual(5);
      expect(ws.getCell('A1').value).toBe('标题');
      expect(ws.getCell('A1').font).toMatchObject({ bold: true, size: 13 });
      expect(ws.getCell('B2').value).toBe('探访时间');
      expect(ws.getCell('B2').alignment).toMatchObject({ wrapText: true });
      expect(ws.views[0]).toMatchObject({ state: 'frozen', xSplit: 1, ySplit: 2 });
      expect(ws.getColumn(2).width).toBe(17);
      for (let r = 3; r <= ws.rowCount; r++) {
        expect((ws.getRow(r).values as unknown[]).slice(1)).toEqual(dataRow(Number(ws.getCell(r, 1).value)));
        seen.push(ws.getCell(r, 1).value);
      }
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(wb.worksheets[4].getCell('A1').value).toBe('other');
  });

  it('gives the streaming reader every row once, in order, after the head rows of each sheet', async () => {
    const n = 7000;
    const buf = await build({ maxRowsPerSheet: 3000 }, (w) => {
      w.sheet('台账', { columns: WIDTHS, head: head('标题') });
      for (let i = 1; i <= n; i++) w.row(dataRow(i));
    });
    const sheets = await streamRead(buf);
    expect(sheets.map((s) => s.rows.length)).toEqual([3000, 3000, 1006]);
    const data: unknown[][] = [];
    for (const s of sheets) {
      expect(s.rows[0]).toEqual(['标题']);
      expect(s.rows[1][1]).toBe('探访时间');
      data.push(...s.rows.slice(2));
    }
    expect(data).toEqual(Array.from({ length: n }, (_, i) => dataRow(i + 1)));
  });

  it('begins no sheet for rows that do not come: a full last sheet is the last one', async () => {
    const wb = await load(await write(9));
    expect(wb.worksheets.map((s) => s.rowCount)).toEqual([5, 5, 5, 1]);
  });

  it('refuses head rows that fill a sheet', () => {
    const out = new PassThrough();
    const w = new XlsxWriter(out, { maxRowsPerSheet: 2 });
    expect(() => w.sheet('s', { head: head('t') })).toThrow(RangeError);
    out.destroy();
  });
});

describe('XlsxWriter backpressure', () => {
  const row = (i: number): Cell[] => [
    i,
    `鄂尔多斯市东胜区罕台镇第${i}号`,
    crc32(String(i)).toString(36).repeat(20),
  ];

  it('flush() waits while the reader is behind, goes on once it reads, and throws once it went away', async () => {
    const out = new PassThrough({ highWaterMark: 1024 });
    const w = new XlsxWriter(out);
    w.sheet('s');
    // ~12 MB of XML, nobody reading: more than the writer lets wait for the compressor.
    for (let i = 0; i < 40_000; i++) w.row(row(i));
    let settled = false;
    const waiting = w.flush().then(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).toBe(false);
    const body = collect(out);
    await waiting;
    for (let i = 40_000; i < 41_000; i++) w.row(row(i));
    await w.flush();
    await w.finish();
    const ws = (await load(await body)).worksheets[0];
    expect(ws.rowCount).toBe(41_000);
    expect((ws.getRow(41_000).values as unknown[]).slice(1)).toEqual(row(40_999));

    const gone = new PassThrough({ highWaterMark: 1024 });
    const w2 = new XlsxWriter(gone);
    w2.sheet('s');
    for (let i = 0; i < 40_000; i++) w2.row(row(i));
    const aborted = w2.flush();
    gone.destroy();
    await expect(aborted).rejects.toThrow(ExportClosedError);
    await expect(w2.flush()).rejects.toThrow('closed by its reader');
    await expect(w2.finish()).rejects.toThrow('closed by its reader');
  });

  it('flush() and finish() throw when the reader went away while nothing was waiting', async () => {
    const out = new PassThrough();
    const w = new XlsxWriter(out);
    w.sheet('s');
    w.row(row(1));
    await w.flush();
    out.destroy();
    await expect(w.flush()).rejects.toThrow(ExportClosedError);
    const out2 = new PassThrough();
    const w2 = new XlsxWriter(out2);
    w2.sheet('s');
    w2.row(row(1));
    out2.destroy();
    await expect(w2.finish()).rejects.toThrow(ExportClosedError);
  });
});

describe('XlsxWriter zip', () => {
  const parts = [
    '[Content_Types].xml',
    '_rels/.rels',
    'docProps/app.xml',
    'docProps/core.xml',
    'xl/_rels/workbook.xml.rels',
    'xl/styles.xml',
    'xl/workbook.xml',
    'xl/worksheets/sheet1.xml',
    'xl/worksheets/sheet2.xml',
  ];
  const write = (opts: XlsxWriterOptions) =>
    build({ maxRowsPerSheet: 3000, ...opts }, (w) => {
      w.sheet('台账', { columns: WIDTHS, head: head('标题') });
      for (let i = 1; i <= 5000; i++) w.row(dataRow(i));
    });

  it('is a valid zip: streamed sheets with data descriptors, UTF-8 names, no zip64 when nothing is large', async () => {
    const buf = await write({});
    const zip = readZip(buf);
    expect(zip.entries.map((e) => e.name).sort()).toEqual(parts);
    expect(zip.zip64End).toBe(false);
    expect(zip.entries.some((e) => e.zip64Sizes || e.zip64Offset)).toBe(false);
    expect(zip.entries.filter((e) => e.descriptor).map((e) => e.name)).toEqual(parts.slice(-2));
    // 4.5 for the sheets, which might have grown past 4 GiB (Excel wants it), 2.0 for the rest.
    expect(zip.entries.map((e) => e.version)).toEqual([45, 45, 20, 20, 20, 20, 20, 20, 20]);
    // Entry times in China time: created 10:00 UTC on 2026-03-29 is 18:00 there (DOS time and date).
    expect([buf.readUInt16LE(10), buf.readUInt16LE(12)]).toEqual([
      18 << 11,
      ((2026 - 1980) << 9) | (3 << 5) | 29,
    ]);
    const xml = zip.entries.find((e) => e.name === 'xl/worksheets/sheet2.xml')!.data.toString();
    expect(xml).toContain(
      '<c r="E3" t="inlineStr"><is><t>鄂尔多斯市东胜区罕台镇2999号院独居老人</t></is></c>',
    );
    if (hasUnzip) expect(unzipTest(buf, 'plain.xlsx')).toContain('No errors detected');
  });

  it.each([
    ['every size and offset', 1],
    ['sheets and later offsets only', 4000],
  ])(
    'writes zip64 records (%s) that exceljs, unzip and a strict reader read back',
    async (_what, threshold) => {
      const buf = await write({ zip64Threshold: threshold });
      const zip = readZip(buf);
      expect(zip.entries.map((e) => e.name).sort()).toEqual(parts);
      expect(zip.zip64End).toBe(true);
      const sheets = zip.entries.filter((e) => e.name.startsWith('xl/worksheets/'));
      expect(sheets.every((e) => e.zip64Sizes)).toBe(true);
      expect(zip.entries.filter((e) => e.zip64Offset).length).toBeGreaterThan(threshold === 1 ? 7 : 0);
      if (threshold > 1) expect(zip.entries.some((e) => !e.zip64Sizes)).toBe(true);
      if (hasUnzip) expect(unzipTest(buf, `zip64-${threshold}.xlsx`)).toContain('No errors detected');
      const wb = await load(buf);
      expect(wb.worksheets.map((s) => s.rowCount)).toEqual([3000, 2004]);
      expect(wb.worksheets[1].getCell('E2004').value).toBe('鄂尔多斯市东胜区罕台镇5000号院独居老人');
      expect(wb.worksheets[1].getCell('A1').font).toMatchObject({ bold: true, size: 13 });
    },
  );
});

describe('XlsxWriter: what a clerk does with the file (issue 26)', () => {
  it('writes real date cells in China time with a Chinese format, which exceljs reads back as dates', async () => {
    const buf = await build({}, (w) => {
      w.sheet('日期');
      // 02:30 UTC is 10:30 in China; a calendar day stays that day.
      w.row([new Date('2026-03-05T02:30:00Z'), day('2026-03-05'), new Date('2026-12-31T16:30:00Z')]);
      w.row([new Date(Number.NaN), 'x']);
    });
    const ws = (await load(buf)).worksheets[0];
    expect(ws.getCell('A1').value).toEqual(new Date('2026-03-05T10:30:00Z'));
    expect(ws.getCell('B1').value).toEqual(new Date('2026-03-05T00:00:00Z'));
    // Past midnight in China: the next year.
    expect(ws.getCell('C1').value).toEqual(new Date('2027-01-01T00:30:00Z'));
    expect(ws.getCell('A1').numFmt).toBe(DATETIME_FORMAT);
    expect(ws.getCell('B1').numFmt).toBe(DATE_FORMAT);
    expect(ws.getCell('A2').value).toBeNull();
  });

  it('neutralises text a CSV round trip would run as a formula, and nothing else', async () => {
    // (A carriage return reads back as a line feed — XML's line-end rule — so it is checked apart.)
    expect(neutraliseFormula('\rcmd')).toBe("'\rcmd");
    const risky = ['=HYPERLINK("http://x","点我")', '+1+2|cmd', '@SUM(A1)', '-2+3', '\ttab'];
    const safe = ['张三', '2+2', 'a=b', '（=）', '13800000000'];
    const buf = await build({}, (w) => {
      w.sheet('s');
      w.row([...risky, ...safe]);
    });
    const v = ((await load(buf)).worksheets[0].getRow(1).values as unknown[]).slice(1);
    expect(v).toEqual([...risky.map((s) => `'${s}`), ...safe]);
  });

  it('prints A4 landscape, one page wide, head rows repeated on every page, page numbers in the footer', async () => {
    const buf = await build({ maxRowsPerSheet: 5 }, (w) => {
      w.sheet('台账', {
        columns: [8, 20],
        frozen: { xSplit: 1, ySplit: 2 },
        head: [
          { values: ['标题'], style: 'title' },
          { values: ['序号', '时间'], style: 'header' },
        ],
      });
      for (let i = 1; i <= 6; i++) w.row([i, 'x']);
      w.sheet('说明', { headerFooter: { header: '&C水印' } });
      w.row(['a']);
    });
    const wb = await load(buf);
    const [first, second, notes] = wb.worksheets;
    expect(wb.worksheets.map((s) => s.name)).toEqual(['台账', '台账 (2)', '说明']);
    for (const ws of [first, second, notes]) {
      expect(ws.pageSetup).toMatchObject({
        paperSize: 9,
        orientation: 'landscape',
        fitToPage: true,
        fitToWidth: 1,
        fitToHeight: 0,
      });
      expect(ws.headerFooter.oddFooter).toBe(PAGE_NUMBER_FOOTER);
    }
    // The continuation sheet repeats its head rows on paper too; the notes sheet has none.
    expect(first.pageSetup.printTitlesRow).toBe('1:2');
    expect(second.pageSetup.printTitlesRow).toBe('1:2');
    expect(notes.pageSetup.printTitlesRow).toBeUndefined();
    expect(notes.headerFooter.oddHeader).toBe('&C水印');
    expect(first.views[0]).toMatchObject({ state: 'frozen', xSplit: 1, ySplit: 2 });
  });
});
