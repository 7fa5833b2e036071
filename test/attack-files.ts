/**
 * Hostile .xlsx files for the standing attack suite (test/robustness/uploads.test.ts) and its long
 * form (bench/upload-attack.ts): written part by part and zipped honestly (the sizes in the zip are
 * the real ones), so they pass the zip checks and reach the sheet parser.
 */
import { zipOf } from './xlsx-layouts.js';

const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`;
const ROOT_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`;
const WORKBOOK = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>`;
const WORKBOOK_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const col = (i: number) => String.fromCharCode(65 + i);

/** The roster header and the payments header: the first row of each hostile file. */
export const ROSTER_HEADER = ['姓名', '身份证号码', '村（社区）', '生活自理能力', '供养开始日期'];
export const PAYMENTS_HEADER = ['姓名', '身份证号码', '发放月份', '基本生活费实发'];

/** One row of inline-string cells, XML. */
export function inlineRow(n: number, cells: string[]): string {
  return `<row r="${n}">${cells
    .map((c, i) => `<c r="${col(i)}${n}" t="inlineStr"><is><t>${esc(c)}</t></is></c>`)
    .join('')}</row>`;
}

function workbook(sheetXml: string, shared = ''): Buffer {
  const sst = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>${shared}</t></si></sst>`;
  return zipOf([
    ['[Content_Types].xml', Buffer.from(CONTENT_TYPES)],
    ['_rels/.rels', Buffer.from(ROOT_RELS)],
    ['xl/workbook.xml', Buffer.from(WORKBOOK)],
    ['xl/_rels/workbook.xml.rels', Buffer.from(WORKBOOK_RELS)],
    ['xl/sharedStrings.xml', Buffer.from(sst)],
    ['xl/worksheets/sheet1.xml', Buffer.from(sheetXml)],
  ]);
}

const sheet = (rows: string, dimension?: string) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">${dimension ? `<dimension ref="${dimension}"/>` : ''}<sheetData>${rows}</sheetData></worksheet>`;

/**
 * A workbook under the header `header` whose second row's first cell holds `chars` characters ('x'):
 * in the shared strings (as Excel writes text) or inline in the sheet. 200,000,000 characters zip to
 * about 200 kB.
 */
export function hugeCellXlsx(chars: number, where: 'shared' | 'inline', header = ROSTER_HEADER): Buffer {
  const big = 'x'.repeat(chars);
  if (where === 'shared') {
    const row2 = `<row r="2"><c r="A2" t="s"><v>0</v></c></row>`;
    return workbook(sheet(inlineRow(1, header) + row2), big);
  }
  return workbook(sheet(inlineRow(1, header) + inlineRow(2, [big])));
}

/** A workbook whose sheet declares (`<dimension>`) rows up to `lastRow`, holding just two. */
export function declaredRowsXlsx(lastRow: number, header = ROSTER_HEADER): Buffer {
  return workbook(sheet(inlineRow(1, header) + inlineRow(2, ['张三']), `A1:E${lastRow}`));
}

/** A workbook that declares nothing but numbers its second row `rowNumber`. */
export function farRowXlsx(rowNumber: number, header = ROSTER_HEADER): Buffer {
  return workbook(sheet(inlineRow(1, header) + inlineRow(rowNumber, ['张三'])));
}

/** `rows` data rows under the roster header, every one rejected (an ID number that is no ID number). */
export function rejectedRowsXlsx(rows: number): Buffer {
  const body: string[] = [inlineRow(1, ROSTER_HEADER)];
  for (let i = 0; i < rows; i++)
    body.push(inlineRow(i + 2, [`王${i}`, `12345${i}`, '某村', '自理', '2020-01-01']));
  return workbook(sheet(body.join('')));
}

/** A workbook of one sheet whose `<sheetData>` is `rowsXml` (rows made with `inlineRow`). */
export const xlsxOfRows = (rowsXml: string, dimension?: string): Buffer =>
  workbook(sheet(rowsXml, dimension));
