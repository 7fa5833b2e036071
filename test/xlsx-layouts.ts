/**
 * .xlsx files laid out as other programs write them, for tests of the reader (lib/xlsx.ts) and the
 * roster import: the parts of a file, re-zipped in Excel's or WPS's order, and exceljs' temporary
 * files made slow (the condition under which its forward zip reader dropped parts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { zipDirectory, zipEntryStream } from '../src/server/lib/xlsx.js';

/** The parts in the order Excel writes them: the sheet before the theme, styles and shared strings. */
export const EXCEL_ORDER = [
  '[Content_Types].xml',
  '_rels/.rels',
  'xl/workbook.xml',
  'xl/_rels/workbook.xml.rels',
  'xl/worksheets/sheet1.xml',
  'xl/theme/theme1.xml',
  'xl/styles.xml',
  'xl/sharedStrings.xml',
  'docProps/core.xml',
  'docProps/app.xml',
];
/** WPS: the workbook and its rels last, after the sheet, styles and shared strings. */
export const WPS_ORDER = [
  'docProps/app.xml',
  'docProps/core.xml',
  'xl/theme/theme1.xml',
  'xl/worksheets/sheet1.xml',
  'xl/styles.xml',
  'xl/sharedStrings.xml',
  'xl/_rels/workbook.xml.rels',
  'xl/workbook.xml',
  '[Content_Types].xml',
  '_rels/.rels',
];

/** The parts of an .xlsx file by name (folders left out). */
export async function partsOf(path: string): Promise<Map<string, Buffer>> {
  const fh = await open(path);
  try {
    const parts = new Map<string, Buffer>();
    for (const e of await zipDirectory(fh)) {
      if (e.name.endsWith('/')) continue;
      const chunks: Buffer[] = [];
      for await (const c of await zipEntryStream(fh, e)) chunks.push(c);
      parts.set(e.name, Buffer.concat(chunks));
    }
    return parts;
  } finally {
    await fh.close();
  }
}

/** The parts in `order`, then any others as they came. */
export const inOrder = (parts: Map<string, Buffer>, order: string[]): [string, Buffer][] => [
  ...order.filter((n) => parts.has(n)).map((n): [string, Buffer] => [n, parts.get(n)!]),
  ...[...parts].filter(([n]) => !order.includes(n)),
];

/** A zip of `files` in this order, sizes in the local headers (as Excel writes), stored or deflated. */
export function zipOf(files: [string, Buffer][], store = false): Buffer {
  const out: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of files) {
    const n = Buffer.from(name);
    const body = store ? data : deflateRawSync(data);
    const local = Buffer.alloc(30);
    const cd = Buffer.alloc(46);
    local.writeUInt32LE(0x04034b50, 0);
    cd.writeUInt32LE(0x02014b50, 0);
    // Local header fields from offset 4, central ones from offset 6 (after "version made by").
    for (const [h, at] of [
      [local, 4],
      [cd, 6],
    ] as const) {
      h.writeUInt16LE(20, at); // version needed
      h.writeUInt16LE(0x800, at + 2); // UTF-8 names
      h.writeUInt16LE(store ? 0 : 8, at + 4);
      h.writeUInt32LE(crc32(data), at + 10);
      h.writeUInt32LE(body.length, at + 14);
      h.writeUInt32LE(data.length, at + 18);
      h.writeUInt16LE(n.length, at + 22);
    }
    cd.writeUInt32LE(offset, 42);
    out.push(local, n, body);
    central.push(cd, n);
    offset += 30 + n.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...out, cd, end]);
}

/** An .xlsx file (as bytes) re-zipped as Excel lays it out. */
export async function excelOrdered(buf: Buffer): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'xlsx-layout-'));
  try {
    const path = join(dir, 'in.xlsx');
    writeFileSync(path, buf);
    return zipOf(inOrder(await partsOf(path), EXCEL_ORDER));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `f` with exceljs' temporary files created `ms` late, as on a slow or busy disk. exceljs' own
 * forward zip reader copies a sheet that comes before the shared strings to such a file, and unzipper
 * meanwhile reached the end of a small zip and ended it, the entries after the sheet unread: the
 * shared strings (every text cell empty), styles, and for WPS the sheet names. lib/xlsx.ts reads a
 * path by the zip's central directory and uses no temporary file.
 */
export async function withSlowTempFiles<T>(ms: number, f: () => Promise<T>): Promise<T> {
  const tmp = createRequire(import.meta.url)('tmp');
  const file = tmp.file;
  tmp.file = (...args: any[]) => {
    const done = args.pop();
    file.call(tmp, ...args, (...r: unknown[]) => setTimeout(() => done(...r), ms));
  };
  try {
    return await f();
  } finally {
    tmp.file = file;
  }
}
