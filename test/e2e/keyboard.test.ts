import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, hasChromium, launch, SKIP_REASON } from './browser.js';

if (!hasChromium()) console.warn(SKIP_REASON);

/**
 * The main flows with the keyboard only (issue 26, WCAG 2.1.1): no mouse, no click() — Tab to the
 * control by its name, Enter or Space, type. A control that cannot be reached or worked this way
 * fails the test.
 */
const focusedName = (page: Page) =>
  page.evaluate(() => {
    const e = document.activeElement as HTMLElement | null;
    return e ? (e.getAttribute('aria-label') || e.innerText || e.textContent || '').trim() : '';
  });

/** Presses Tab until the focused element's name matches (at most `max` presses). */
async function tabTo(page: Page, name: RegExp, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (name.test(await focusedName(page))) return;
  }
  throw new Error(`Tab never reached ${name}`);
}

async function keyboardLogin(page: Page, username: string) {
  await page.goto(`${baseUrl()}/login`);
  await page.getByLabel('用户名').waitFor();
  // The user name field has the focus on arrival.
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type('Demo@2026');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${baseUrl()}/`);
}

/** A valid 18-digit ID number (GB 11643 check digit) born on `birth`, unlikely to exist. */
function idNumber(birth: string): string {
  const body = `150602${birth.replace(/-/g, '')}${String(Math.floor(Math.random() * 900) + 100)}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}

describe.runIf(hasChromium())('the main flows by keyboard alone', () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'kb-'));

  beforeAll(async () => {
    mkdirSync('test-output/e2e', { recursive: true });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a department liaison acknowledges an incident: log in, Tab to 确认收到, Enter', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await keyboardLogin(page, 'weijian');
    const rows = page.getByTestId('department-incidents').locator('tr.ant-table-row');
    await rows.first().waitFor();
    const before = await rows.count();
    await tabTo(page, /^确认收到$/);
    await page.keyboard.press('Enter');
    await page.getByText('已确认收到').waitFor();
    await expect.poll(() => rows.count()).toBe(before - 1);
    await page.close();
  });

  it('a town officer imports a roster: Tab to the upload area, Enter opens the file, Tab to 确认导入', async () => {
    const file = join(dir, 'roster.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('花名册');
    ws.addRow(['姓名', '身份证号码', '所属镇（街道）', '村（社区）', '生活自理能力', '供养开始日期']);
    ws.addRow(['键盘甲', idNumber('1950-01-01'), '罕台镇', '罕台村', '自理', '2020-01-01']);
    await wb.xlsx.writeFile(file);
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await keyboardLogin(page, 'hantai');
    await page.goto(`${baseUrl()}/persons/import`);
    await page.getByText('下载模板').waitFor();
    await tabTo(page, /点击或拖入花名册/);
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
    await chooser.setFiles(file);
    await page.getByText('检查完成').waitFor();
    await tabTo(page, /确认导入\s*1\s*行/);
    await page.keyboard.press('Enter');
    // A confirmation, if one is asked, is answered by keyboard too.
    const confirm = page.getByRole('button', { name: /^(确\s*定|确认|导\s*入)$/ });
    if (await confirm.count()) await page.keyboard.press('Enter');
    // Written: the office finds the person through the API.
    const token = (
      await (
        await fetch(`${baseUrl()}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'hantai', password: 'Demo@2026' }),
        })
      ).json()
    ).token;
    const found = async () =>
      (
        await (
          await fetch(`${baseUrl()}/api/persons?q=${encodeURIComponent('键盘甲')}`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).json()
      ).items.length;
    await expect.poll(found, { timeout: 20_000 }).toBe(1);
    await page.screenshot({ path: 'test-output/e2e/keyboard-import.png' });
    await page.close();
  });
});
