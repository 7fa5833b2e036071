import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPdf } from './document.js';

describe('PDF builder', () => {
  it('renders Chinese text that pdftotext extracts, numbers the pages, and stays small', async () => {
    const doc = createPdf({
      title: '测试文书',
      watermark: '东胜区民政局 · 张三 打印于 2026-03-15 09:00',
      footer: '编号 ZL-000001',
    });
    doc.title('分散供养特困人员测试文书', '罕台镇');
    doc.keyValues([
      ['姓名', '王秀英'],
      ['自理能力', '部分丧失生活自理能力'],
      ['住址', '罕台镇某村 3 组'],
    ]);
    for (let i = 0; i < 10; i++) {
      doc.paragraph(
        '探访责任人要对分散供养特困人员的照料服务的落实情况进行询问，查看特困人员对照料护理工作是否满意。',
      );
    }
    doc.table(
      [{ title: '月份' }, { title: '基本生活费', align: 'right' }, { title: '照料护理费', align: 'right' }],
      Array.from({ length: 24 }, (_, i) => [
        `2026-${String((i % 12) + 1).padStart(2, '0')}`,
        '1200.00',
        '600.00',
      ]),
    );
    doc.signatures([
      { role: '甲方', name: '罕台镇人民政府' },
      { role: '乙方', name: '王秀英' },
      { role: '丙方', name: '李建华' },
    ]);
    const buf = await doc.toBuffer();
    expect(buf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(buf.length).toBeLessThan(500 * 1024);
    const file = join(mkdtempSync(join(tmpdir(), 'pdf-')), 'doc.pdf');
    writeFileSync(file, buf);
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    const pages = Number(info.match(/Pages:\s+(\d+)/)![1]);
    expect(pages).toBeGreaterThanOrEqual(2);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    const flat = text.replace(/\s+/g, '');
    for (const w of [
      '分散供养特困人员测试文书',
      '王秀英',
      '部分丧失生活自理能力',
      '照料护理费',
      '签字（盖章）',
      '东胜区民政局',
    ]) {
      expect(flat).toContain(w);
    }
    expect(flat).toContain(`第${pages}页/共${pages}页`);
    expect(text).not.toMatch(/\uFFFD/);
  });
});
