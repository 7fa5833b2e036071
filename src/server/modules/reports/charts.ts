/**
 * Charts drawn with pdfkit's vector calls (crisp at any zoom, no image step, Chinese labels in the
 * embedded font). Used by the monthly report through PdfBuilder.figure().
 */
type Doc = PDFKit.PDFDocument;
export type Box = { x: number; y: number; w: number; h: number };
type ChartData = {
  /** A section heading drawn above the chart, so the two never part across a page break. */
  heading?: string;
  title: string;
  labels: string[];
  series: { name: string; values: (number | null)[] }[];
};

/** Draws the optional section heading and returns the box left for the chart. */
function withHeading(doc: Doc, box: Box, heading?: string): Box {
  if (!heading) return box;
  doc
    .font('cjk-bold')
    .fontSize(13)
    .fillColor('black')
    .text(heading, box.x, box.y + 6, { width: box.w, lineBreak: false });
  return { x: box.x, y: box.y + 30, w: box.w, h: box.h - 30 };
}

const AXIS = '#888888';
const GRID = '#e3e3e3';
export const PALETTE = ['#1677ff', '#52c41a', '#fa8c16', '#eb2f96', '#722ed1'];

const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;

/**
 * Horizontal bars, one row per item, values 0–1 (percentages) — for "all towns side by side, worst first".
 * Several series draw as grouped bars per row.
 */
export function horizontalBars(doc: Doc, outer: Box, o: ChartData) {
  const box = withHeading(doc, outer, o.heading);
  const labelW = 92;
  const legendH = 16;
  doc
    .font('cjk-bold')
    .fontSize(10)
    .fillColor('black')
    .text(o.title, box.x, box.y, { width: box.w, lineBreak: false });
  const top = box.y + 18 + legendH;
  const plotX = box.x + labelW;
  const plotW = box.w - labelW - 40;
  const rowH = (box.h - 18 - legendH - 14) / Math.max(o.labels.length, 1);
  const barH = Math.min(12, (rowH * 0.7) / o.series.length);
  // Legend
  let lx = box.x + labelW;
  doc.font('cjk').fontSize(8);
  o.series.forEach((s, i) => {
    doc.rect(lx, box.y + 19, 9, 7).fill(PALETTE[i % PALETTE.length]);
    doc.fillColor('black').text(s.name, lx + 12, box.y + 17.5, { lineBreak: false });
    lx += 14 + doc.widthOfString(s.name) + 14;
  });
  // Grid at 0, 25, 50, 75, 100 %
  for (let g = 0; g <= 4; g++) {
    const gx = plotX + (plotW * g) / 4;
    doc
      .moveTo(gx, top)
      .lineTo(gx, top + rowH * o.labels.length)
      .lineWidth(0.5)
      .stroke(g === 0 ? AXIS : GRID);
    doc
      .fillColor(AXIS)
      .fontSize(7)
      .text(`${g * 25}%`, gx - 10, top + rowH * o.labels.length + 3, {
        width: 20,
        align: 'center',
        lineBreak: false,
      });
  }
  o.labels.forEach((label, i) => {
    const ry = top + i * rowH;
    doc
      .font('cjk')
      .fontSize(8.5)
      .fillColor('black')
      .text(label, box.x, ry + rowH / 2 - 5, {
        width: labelW - 6,
        align: 'right',
        lineBreak: false,
        ellipsis: true,
      });
    const groupH = barH * o.series.length;
    o.series.forEach((s, j) => {
      const v = s.values[i];
      const by = ry + (rowH - groupH) / 2 + j * barH;
      if (v == null) {
        doc
          .fontSize(7)
          .fillColor(AXIS)
          .text('无数据', plotX + 3, by + barH / 2 - 4, { lineBreak: false });
        return;
      }
      const bw = Math.max(0.5, plotW * Math.min(1, Math.max(0, v)));
      doc.rect(plotX, by, bw, barH - 1).fill(PALETTE[j % PALETTE.length]);
      doc
        .fontSize(7)
        .fillColor('black')
        .text(pct(v), plotX + bw + 3, by + barH / 2 - 4, { lineBreak: false });
    });
  });
}

/** Lines over periods, values 0–1 — the 12-period trend. */
export function lineChart(doc: Doc, outer: Box, o: ChartData) {
  const box = withHeading(doc, outer, o.heading);
  doc
    .font('cjk-bold')
    .fontSize(10)
    .fillColor('black')
    .text(o.title, box.x, box.y, { width: box.w, lineBreak: false });
  const plotX = box.x + 34;
  const plotY = box.y + 36;
  const plotW = box.w - 44;
  const plotH = box.h - 36 - 22;
  let lx = plotX;
  doc.font('cjk').fontSize(8);
  o.series.forEach((s, i) => {
    doc.rect(lx, box.y + 19, 9, 3).fill(PALETTE[i % PALETTE.length]);
    doc.fillColor('black').text(s.name, lx + 12, box.y + 16, { lineBreak: false });
    lx += 14 + doc.widthOfString(s.name) + 14;
  });
  for (let g = 0; g <= 4; g++) {
    const gy = plotY + plotH - (plotH * g) / 4;
    doc
      .moveTo(plotX, gy)
      .lineTo(plotX + plotW, gy)
      .lineWidth(0.5)
      .stroke(g === 0 ? AXIS : GRID);
    doc
      .fontSize(7)
      .fillColor(AXIS)
      .text(`${g * 25}%`, box.x, gy - 4, { width: 28, align: 'right', lineBreak: false });
  }
  const n = o.labels.length;
  const xAt = (i: number) => plotX + (n === 1 ? plotW / 2 : (plotW * i) / (n - 1));
  o.labels.forEach((l, i) => {
    doc
      .fontSize(7)
      .fillColor(AXIS)
      .text(l, xAt(i) - 18, plotY + plotH + 4, { width: 36, align: 'center', lineBreak: false });
  });
  o.series.forEach((s, j) => {
    const color = PALETTE[j % PALETTE.length];
    let started = false;
    s.values.forEach((v, i) => {
      if (v == null) {
        started = false;
        return;
      }
      const px = xAt(i);
      const py = plotY + plotH - plotH * Math.min(1, Math.max(0, v));
      if (!started) doc.moveTo(px, py);
      else doc.lineTo(px, py);
      started = true;
    });
    doc.lineWidth(1.5).stroke(color);
    s.values.forEach((v, i) => {
      if (v == null) return;
      doc.circle(xAt(i), plotY + plotH - plotH * Math.min(1, Math.max(0, v)), 2).fill(color);
    });
  });
}
