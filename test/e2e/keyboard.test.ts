import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, apiToken, baseUrl, freshIdNumber, hasChromium, launch, SKIP_REASON } from './browser.js';

if (!hasChromium()) console.warn(SKIP_REASON);

/**
 * The main flows with the keyboard only (issue 26, WCAG 2.1.1): no mouse, no click() — Tab to the
 * control by its name, Enter or Space, type. A control that cannot be reached or worked this way
 * fails the test.
 */
const focusedName = (page: Page) =>
  page.evaluate(() => {
    const e = document.activeElement as HTMLElement | null;
    // The page itself (focus between two cycles) is no control: its text would match anything.
    if (!e || e === document.body) return '\u0000';
    return (e.getAttribute('aria-label') || e.innerText || e.textContent || '').trim();
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
    ws.addRow(['键盘甲', freshIdNumber('1950-01-01'), '罕台镇', '罕台村', '自理', '2020-01-01']);
    await wb.xlsx.writeFile(file);
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    // Listening from the start: Playwright intercepts file choosers only once a listener is on, and
    // one added together with the key press raced it (the chooser opened unseen now and then).
    const chooser = page.waitForEvent('filechooser', { timeout: 60_000 });
    await keyboardLogin(page, 'hantai');
    await page.goto(`${baseUrl()}/persons/import`);
    await page.getByText('下载模板').waitFor();
    await tabTo(page, /点击或拖入花名册/);
    await page.keyboard.press('Enter');
    await (await chooser).setFiles(file);
    await page.getByText('检查完成').waitFor();
    await tabTo(page, /确认导入\s*1\s*行/);
    await page.keyboard.press('Enter');
    // A confirmation, if one is asked, is answered by keyboard too.
    const confirm = page.getByRole('button', { name: /^(确\s*定|确认|导\s*入)$/ });
    if (await confirm.count()) await page.keyboard.press('Enter');
    // Written: the office finds the person through the API.
    const token = await apiToken('hantai');
    const found = async () =>
      (await apiCall(token, 'GET', `/api/persons?q=${encodeURIComponent('键盘甲')}`)).body.items.length;
    await expect.poll(found, { timeout: 20_000 }).toBe(1);
    await page.screenshot({ path: 'test-output/e2e/keyboard-import.png' });
    await page.close();
  });

  it('a visitor records a visit on the phone: Tab to the task, 记录探访, 一切正常, 保存', async () => {
    const token = await apiToken('visitor1');
    const bundle = (await apiCall(token, 'GET', '/api/visitor/bundle')).body;
    // A person with an open regular task this month whose name no other person of the list has (the
    // list's first item with that name opens the person, whichever of their tasks it is: the browser
    // tests before this one add follow-ups and reopen tasks).
    const names = new Map<number, string>(
      bundle.persons.map((p: { id: number; name: string }) => [p.id, p.name]),
    );
    const unique = (id: number) => [...names.values()].filter((n) => n === names.get(id)).length === 1;
    const task = bundle.tasks.find(
      (t: { status: string; kind: string; personId: number }) =>
        t.status === 'open' && t.kind === 'regular' && unique(t.personId),
    );
    expect(task, 'an open regular task of visitor1').toBeTruthy();
    const name = names.get(task.personId)!;
    const visitsOf = async () =>
      (await apiCall(token, 'GET', `/api/persons/${task.personId}/visits`)).body.items.length as number;
    const before = await visitsOf();
    const page = await browser.newPage({
      viewport: { width: 360, height: 740 },
      locale: 'zh-CN',
      isMobile: true,
      hasTouch: true,
    });
    await page.goto(`${baseUrl()}/m/`);
    await page.getByLabel('用户名').waitFor();
    await tabTo(page, /^$/, 5); // into the form: the user name field
    await page.keyboard.type('visitor1');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Demo@2026');
    await page.keyboard.press('Enter');
    await page.getByTestId('task-list').waitFor();
    await tabTo(page, new RegExp(`^${name}\\s`));
    await page.keyboard.press('Enter');
    await page.getByTestId('person-name').waitFor();
    await tabTo(page, /^记录探访$/);
    await page.keyboard.press('Enter');
    await tabTo(page, /未填项全部按“正常”填写/);
    await page.keyboard.press('Enter');
    // Past every checklist item to the save button, by Tab alone.
    await tabTo(page, /^保存/, 400);
    await page.keyboard.press('Enter');
    await expect.poll(visitsOf, { timeout: 30_000 }).toBe(before + 1);
    await page.screenshot({ path: 'test-output/e2e/keyboard-visit.png' });
    await page.close();
  });
});
