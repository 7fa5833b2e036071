import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';

/**
 * The shared PDF facility: printable documents with Chinese text (care agreements, pledges, the person
 * file, the monthly report). pdfkit embeds only the glyphs a document uses from the bundled Noto Sans SC
 * (OFL, npm @expo-google-fonts/noto-sans-sc), so a two-page document stays well under 100 KB.
 */

const require = createRequire(import.meta.url);
let fonts: { regular: Buffer; bold: Buffer } | undefined;

/** The two font files, read once per process (about 10 MB each). */
function loadFonts() {
  if (!fonts) {
    const dir = dirname(require.resolve('@expo-google-fonts/noto-sans-sc/package.json'));
    fonts = {
      regular: readFileSync(join(dir, '400Regular/NotoSansSC_400Regular.ttf')),
      bold: readFileSync(join(dir, '700Bold/NotoSansSC_700Bold.ttf')),
    };
  }
  return fonts;
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 56;
const CONTENT_W = A4.width - MARGIN * 2;
const GREY = '#666666';
const LINE = '#999999';

export interface PdfOptions {
  /** Document title (also the PDF metadata title). */
  title: string;
  /** A faint line printed across the top of every page, e.g. who printed it and when. */
  watermark?: string;
  /** Footer text left of the page number. */
  footer?: string;
  author?: string;
}

export interface Column {
  title: string;
  /** Relative width; columns share the content width. */
  width?: number;
  align?: 'left' | 'right' | 'center';
}

/** A small document builder: call the parts in order, then `toBuffer()`. */
export class PdfBuilder {
  private readonly doc: PDFKit.PDFDocument;
  private readonly chunks: Buffer[] = [];
  private readonly done: Promise<Buffer>;

  constructor(private readonly opts: PdfOptions) {
    const f = loadFonts();
    this.doc = new PDFDocument({
      size: 'A4',
      margins: { top: MARGIN + 8, bottom: MARGIN + 8, left: MARGIN, right: MARGIN },
      bufferPages: true,
      info: { Title: opts.title, Author: opts.author ?? 'tanfang 探访', Creator: 'tanfang' },
    });
    this.doc.registerFont('cjk', f.regular);
    this.doc.registerFont('cjk-bold', f.bold);
    this.doc.font('cjk').fontSize(11).fillColor('black');
    this.doc.on('data', (c: Buffer) => this.chunks.push(c));
    this.done = new Promise((resolve, reject) => {
      this.doc.on('end', () => resolve(Buffer.concat(this.chunks)));
      this.doc.on('error', reject);
    });
  }

  /** Starts a new page when fewer than `needed` points remain. */
  private ensureSpace(needed: number) {
    if (this.doc.y + needed > A4.height - MARGIN - 8) this.doc.addPage();
  }

  /** The document's centred heading (and an optional subtitle). */
  title(text = this.opts.title, subtitle?: string): this {
    this.doc
      .font('cjk-bold')
      .fontSize(18)
      .text(text, MARGIN, this.doc.y, { width: CONTENT_W, align: 'center' });
    if (subtitle) {
      this.doc.moveDown(0.2).font('cjk').fontSize(10).fillColor(GREY);
      this.doc.text(subtitle, { width: CONTENT_W, align: 'center' }).fillColor('black');
    }
    this.doc.moveDown(0.8).font('cjk').fontSize(11);
    return this;
  }

  heading(text: string): this {
    this.ensureSpace(40);
    this.doc.moveDown(0.4).font('cjk-bold').fontSize(13).text(text, MARGIN, this.doc.y, { width: CONTENT_W });
    this.doc.moveDown(0.3).font('cjk').fontSize(11);
    return this;
  }

  /** A paragraph; `indent` indents the first line by two characters, as Chinese documents do. */
  paragraph(text: string, o: { indent?: boolean; size?: number; color?: string } = {}): this {
    const size = o.size ?? 11;
    this.doc
      .font('cjk')
      .fontSize(size)
      .fillColor(o.color ?? 'black');
    this.doc.text(text, MARGIN, this.doc.y, {
      width: CONTENT_W,
      indent: o.indent === false ? 0 : size * 2,
      lineGap: 4,
      paragraphGap: 4,
      align: 'justify',
    });
    this.doc.fillColor('black');
    return this;
  }

  /**
   * Label–value pairs in a two-column bordered grid (two pairs per row unless `perRow` is 1). The
   * label column is as wide as the widest label (a fixed width broke 与照料对象关/系 mid-word), at
   * most 45 % of a cell; only a label longer than that wraps.
   */
  keyValues(pairs: [string, string | number | null | undefined][], perRow: 1 | 2 = 2): this {
    const cellW = CONTENT_W / perRow;
    const doc = this.doc.font('cjk').fontSize(10);
    const widest = Math.max(0, ...pairs.map(([k]) => doc.widthOfString(k)));
    const labelW = Math.min(Math.max(Math.ceil(widest) + 12, 60), Math.floor(cellW * 0.45));
    for (let i = 0; i < pairs.length; i += perRow) {
      const row = pairs.slice(i, i + perRow);
      const h =
        Math.max(
          ...row.map(([k, v]) =>
            Math.max(
              doc.heightOfString(k, { width: labelW - 10 }),
              doc.heightOfString(String(v ?? '—'), { width: cellW - labelW - 10 }),
            ),
          ),
        ) + 10;
      this.ensureSpace(h);
      const y = doc.y;
      row.forEach(([k, v], j) => {
        const x = MARGIN + j * cellW;
        doc.rect(x, y, labelW, h).fillAndStroke('#f2f2f2', LINE);
        doc.rect(x + labelW, y, cellW - labelW, h).stroke(LINE);
        doc.fillColor('black').text(k, x + 5, y + 5, { width: labelW - 10 });
        doc.text(String(v ?? '—'), x + labelW + 5, y + 5, { width: cellW - labelW - 10 });
      });
      doc.x = MARGIN;
      doc.y = y + h;
    }
    doc.moveDown(0.6);
    return this;
  }

  /** A table with a header row (repeated on each new page). */
  table(columns: Column[], rows: (string | number | null | undefined)[][]): this {
    const doc = this.doc.font('cjk').fontSize(9.5);
    const total = columns.reduce((a, c) => a + (c.width ?? 1), 0);
    const widths = columns.map((c) => ((c.width ?? 1) / total) * CONTENT_W);
    const drawRow = (cells: string[], header: boolean) => {
      doc.font(header ? 'cjk-bold' : 'cjk');
      const h = Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: widths[i] - 8 }))) + 8;
      if (!header)
        this.ensureSpaceWithHeader(h, () =>
          drawRow(
            columns.map((c) => c.title),
            true,
          ),
        );
      // The repeated header leaves its bold font set.
      doc.font(header ? 'cjk-bold' : 'cjk');
      const y = doc.y;
      let x = MARGIN;
      cells.forEach((c, i) => {
        if (header) doc.rect(x, y, widths[i], h).fillAndStroke('#e8eef7', LINE);
        else doc.rect(x, y, widths[i], h).stroke(LINE);
        doc
          .fillColor('black')
          .text(c, x + 4, y + 4, { width: widths[i] - 8, align: columns[i].align ?? 'left' });
        x += widths[i];
      });
      doc.x = MARGIN;
      doc.y = y + h;
    };
    this.ensureSpace(40);
    drawRow(
      columns.map((c) => c.title),
      true,
    );
    for (const r of rows)
      drawRow(
        r.map((c) => (c == null ? '' : String(c))),
        false,
      );
    doc.font('cjk').fontSize(11).moveDown(0.6);
    return this;
  }

  private ensureSpaceWithHeader(needed: number, header: () => void) {
    if (this.doc.y + needed > A4.height - MARGIN - 8) {
      this.doc.addPage();
      header();
    }
  }

  /** Signature blocks side by side: party name, then 签字（盖章） and 日期 lines. */
  signatures(parties: { role: string; name?: string }[]): this {
    const doc = this.doc;
    this.ensureSpace(110);
    doc.moveDown(1);
    const w = CONTENT_W / parties.length;
    const y = doc.y;
    parties.forEach((p, i) => {
      const x = MARGIN + i * w;
      doc
        .font('cjk-bold')
        .fontSize(10.5)
        .text(p.role, x, y, { width: w - 12 });
      doc.font('cjk').fontSize(10);
      if (p.name) doc.text(p.name, x, doc.y + 2, { width: w - 12 });
      const ly = y + 58;
      doc.text('签字（盖章）：', x, ly, { width: w - 12 });
      doc
        .moveTo(x + 66, ly + 13)
        .lineTo(x + w - 14, ly + 13)
        .stroke(LINE);
      doc.text('日期：      年    月    日', x, ly + 24, { width: w - 12 });
    });
    doc.x = MARGIN;
    doc.y = y + 104;
    return this;
  }

  spacer(lines = 1): this {
    this.doc.moveDown(lines);
    return this;
  }

  /**
   * A drawn figure (a chart): reserves `height` points across the content width (a new page when
   * needed) and hands the caller the document and the box to draw in with pdfkit's vector calls.
   * The 'cjk' and 'cjk-bold' fonts are registered for labels.
   */
  /** Points left on the current page above the bottom margin. */
  spaceLeft(): number {
    return this.doc.page.height - this.doc.page.margins.bottom - this.doc.y;
  }

  figure(
    height: number,
    draw: (doc: PDFKit.PDFDocument, box: { x: number; y: number; w: number; h: number }) => void,
  ): this {
    this.ensureSpace(height);
    const y = this.doc.y;
    this.doc.save();
    draw(this.doc, { x: MARGIN, y, w: CONTENT_W, h: height });
    this.doc.restore();
    this.doc.font('cjk').fontSize(11).fillColor('black');
    this.doc.x = MARGIN;
    this.doc.y = y + height;
    return this;
  }

  /** Finishes the document: watermark line and page numbers on every page. */
  async toBuffer(): Promise<Buffer> {
    const doc = this.doc;
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      // Writing inside the margins would start a new page; lift the bottom margin while stamping.
      const bottom = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      doc.font('cjk').fontSize(8).fillColor('#b0b0b0');
      if (this.opts.watermark) {
        doc.text(this.opts.watermark, MARGIN, MARGIN - 26, {
          width: CONTENT_W,
          align: 'center',
          lineBreak: false,
        });
      }
      doc.fillColor(GREY);
      const footer = `${this.opts.footer ? `${this.opts.footer}    ` : ''}第 ${i - range.start + 1} 页 / 共 ${range.count} 页`;
      doc.text(footer, MARGIN, A4.height - MARGIN + 14, {
        width: CONTENT_W,
        align: 'center',
        lineBreak: false,
      });
      doc.page.margins.bottom = bottom;
    }
    doc.fillColor('black');
    doc.end();
    return this.done;
  }
}

/** Starts a document. */
export function createPdf(opts: PdfOptions): PdfBuilder {
  return new PdfBuilder(opts);
}
