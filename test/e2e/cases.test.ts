import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, hasChromium, launch, loginAs, SKIP_REASON } from './browser.js';

if (!hasChromium()) console.warn(SKIP_REASON);

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** Today in China as YYYY-MM-DD, plus `days`. */
const chinaDay = (days = 0) =>
  new Date(Date.now() + 8 * 3600000 + days * 86400000).toISOString().slice(0, 10);

async function openConcern(page: Page, text: string) {
  await page.goto(`${baseUrl()}/concerns`);
  await page.locator('[data-testid=concern-list] tr.ant-table-row').filter({ hasText: text }).first().click();
  const drawer = page.getByRole('dialog').filter({ hasText: text });
  await drawer.getByText(text).first().waitFor();
  return drawer;
}

async function pickDate(page: Page, input: ReturnType<Page['locator']>, date: string) {
  await input.click();
  await input.fill(date);
  await input.press('Enter');
}

describe.runIf(hasChromium())('case drawers in Chromium (issue 25)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('诉求整改: 整改情况 and 留言 keep their own text through an upload and a deadline change', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await loginAs(page, 'hantai');
    await page.waitForURL(`${baseUrl()}/`);
    const drawer = await openConcern(page, '屋顶漏雨');
    const resolution = drawer.getByLabel('整改情况');
    const comment = drawer.getByLabel('留言');
    await resolution.fill('已联系施工队，下周开工');
    expect(await comment.inputValue()).toBe('');
    await comment.fill('先用塑料布遮挡');
    expect(await resolution.inputValue()).toBe('已联系施工队，下周开工');

    await drawer
      .locator('input[type=file]')
      .setInputFiles({ name: '现场照片.png', mimeType: 'image/png', buffer: PNG });
    await page.getByText('已上传证明材料').waitFor();
    await drawer.getByText('现场照片.png').first().waitFor();
    expect(await resolution.inputValue()).toBe('已联系施工队，下周开工');
    expect(await comment.inputValue()).toBe('先用塑料布遮挡');

    await pickDate(page, drawer.getByLabel('整改期限'), chinaDay(20));
    await page.getByText('已调整期限').waitFor();
    await drawer
      .getByText(`→ ${chinaDay(20)}`)
      .first()
      .waitFor();
    expect(await resolution.inputValue()).toBe('已联系施工队，下周开工');
    expect(await comment.inputValue()).toBe('先用塑料布遮挡');
    await page.screenshot({ path: 'test-output/e2e/concern-drawer.png' });
    await page.close();
  });

  it('诉求整改: an escalated deadline moves only by a request with a reason that the bureau approves', async () => {
    const town = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await loginAs(town, 'hantai');
    await town.waitForURL(`${baseUrl()}/`);
    const drawer = await openConcern(town, '本月生活费未到账');
    await drawer.getByText('已升级至民政局').waitFor();
    expect(await drawer.getByLabel('整改期限').count()).toBe(0); // no date picker to move it silently
    await drawer.getByRole('button', { name: '申请延期' }).click();
    const modal = town.locator('.ant-modal').filter({ hasText: '申请延期' });
    await modal.getByRole('button', { name: '提交申请' }).click();
    await modal.getByText('请填写延期原因').waitFor();
    await pickDate(town, modal.getByLabel('新的整改期限'), chinaDay(10));
    await modal.getByLabel('延期原因').fill('银行系统升级，下周补发');
    await modal.getByRole('button', { name: '提交申请' }).click();
    await town.getByText('已提交延期申请，等待区民政局审批').waitFor();
    await drawer
      .getByTestId('deadline-request')
      .getByText(`→ ${chinaDay(10)}`)
      .waitFor();
    await drawer.getByText('已升级至民政局').waitFor(); // stands until approved
    await town.close();

    const bureau = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await loginAs(bureau, 'supervisor');
    await bureau.waitForURL(`${baseUrl()}/`);
    const d = await openConcern(bureau, '本月生活费未到账');
    const req = d.getByTestId('deadline-request');
    await req.getByText('银行系统升级，下周补发').waitFor();
    await req.getByRole('button', { name: '批准延期' }).click();
    await bureau
      .locator('.ant-popover')
      .getByText(`整改期限改为 ${chinaDay(10)}`)
      .waitFor();
    await bureau
      .locator('.ant-popover')
      .getByRole('button', { name: /批\s*准/ })
      .click();
    await bureau.getByText('已批准延期').waitFor();
    await d.getByText('批准延期', { exact: true }).waitFor(); // the timeline entry
    expect(await d.getByText('已升级至民政局').count()).toBe(0);
    expect(await d.innerText()).toContain(`→ ${chinaDay(10)}`);
    await bureau.screenshot({ path: 'test-output/e2e/concern-deadline-approved.png' });
    await bureau.close();
  });

  it('应急处置: 结案 needs an outcome, a reason for each party that never acknowledged, and a confirmation', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await loginAs(page, 'hantai');
    await page.waitForURL(`${baseUrl()}/`);
    const opened = await page.evaluate(async () => {
      const csrf = decodeURIComponent(document.cookie.match(/tf_csrf=([^;]+)/)?.[1] ?? '');
      const persons = await (await fetch('/api/persons?status=active&limit=5')).json();
      const r = await fetch('/api/incidents', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({
          personId: persons.items[4].id,
          type: 'infringement',
          description: '邻里纠纷被推搡',
        }),
      });
      return { status: r.status, body: await r.json() };
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    await page.goto(`${baseUrl()}/incidents?id=${opened.body.id}`);
    const drawer = page.getByRole('dialog').filter({ hasText: '邻里纠纷被推搡' });
    await drawer.getByLabel('处置结果').fill('已调解，双方和解');
    const close = drawer.getByRole('button', { name: /^结\s*案$/ });
    expect(await close.isDisabled()).toBe(true); // 区民政局 and 公安 never acknowledged: a reason first
    await drawer.getByText('尚未确认收到').waitFor();
    await drawer.getByLabel('未经确认结案的原因').fill('派出所已到场处理，电话告知无需确认');
    await close.click();
    const confirm = page.getByTestId('close-confirm');
    await confirm.waitFor();
    const text = await confirm.innerText();
    expect(text).toContain('区民政局');
    expect(text).toContain('公安');
    expect(text).toContain('已调解，双方和解');
    await page
      .locator('.ant-modal-confirm')
      .getByRole('button', { name: /^结\s*案$/ })
      .click();
    await page.getByText('已结案', { exact: true }).first().waitFor();
    await drawer.getByText('未经确认结案', { exact: true }).waitFor();
    expect(await drawer.innerText()).toContain('派出所已到场处理，电话告知无需确认');
    await page.screenshot({ path: 'test-output/e2e/incident-closed.png' });
    await page.close();
  });

  it('卫健 liaison lands on the incidents waiting for 卫健, with their deadlines', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await loginAs(page, 'weijian');
    await page.waitForURL(`${baseUrl()}/`);
    const work = page.getByTestId('department-incidents');
    await work.getByText('待本部门确认的应急事件').waitFor();
    const rows = work.locator('tr.ant-table-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBeGreaterThanOrEqual(2);
    for (const text of await rows.allInnerTexts()) {
      expect(text).toContain('发生重病');
      expect(text).toMatch(/时限 \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    }
    // The demo's two 发生重病 incidents are past 卫健's deadline: shown as such.
    expect(await work.getByText(/确认已超时/).count()).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: 'test-output/e2e/department-landing.png' });
    // One click opens the incident with its 确认收到.
    await rows.first().click();
    await page.waitForURL(/\/incidents\?id=\d+/);
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /确认收到/ })
      .waitFor();
    await page.close();
  });

  it('转介: the one case drawer; 撤回 asks first and names what happens', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await loginAs(page, 'hantai');
    await page.waitForURL(`${baseUrl()}/`);
    await page.goto(`${baseUrl()}/referrals`);
    await page.locator('tr.ant-table-row').filter({ hasText: '疑似精神疾病' }).first().click();
    const drawer = page.getByRole('dialog').filter({ hasText: '疑似精神疾病' });
    await drawer.getByText('身份证号').waitFor();
    const status = await drawer.locator('.ant-descriptions-item-content').first().innerText();
    await drawer.getByRole('button', { name: /^撤\s*回$/ }).click();
    const pop = page.locator('.ant-popover').filter({ hasText: '撤回后该转介结束' });
    await pop.waitFor();
    await pop.getByRole('button', { name: /取\s*消/ }).click();
    expect(await drawer.locator('.ant-descriptions-item-content').first().innerText()).toBe(status);
    await page.close();
  });

  it('the changed pages at 360 px: the department landing and the concern drawer fit the width', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    await loginAs(page, 'weijian');
    await page.waitForURL(`${baseUrl()}/`);
    await page.getByTestId('department-incidents').locator('tr.ant-table-row').first().waitFor();
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    ).toBeLessThanOrEqual(0);
    await page.screenshot({ path: 'test-output/e2e/department-landing-360.png', fullPage: true });
    await page.close();
    const town = await browser.newPage({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    await loginAs(town, 'hantai');
    await town.waitForURL(`${baseUrl()}/`);
    const drawer = await openConcern(town, '需要代购降压药');
    await town.screenshot({ path: 'test-output/e2e/concern-drawer-360.png' });
    // The drawer takes the screen's width, not more (the list under it is the page's own layout).
    const box = await drawer.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 360, JSON.stringify(box)).toBe(true);
    expect(await drawer.getByLabel('整改情况').isVisible()).toBe(true);
    await town.close();
  });

  it('诉求整改: 核验通过 asks first, naming that the concern is then closed for good', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await loginAs(page, 'supervisor');
    await page.waitForURL(`${baseUrl()}/`);
    const drawer = await openConcern(page, '院内垃圾堆积');
    await drawer.getByRole('button', { name: /核验通过/ }).click();
    const pop = page.locator('.ant-popover').filter({ hasText: '不能再修改' });
    await pop.waitFor();
    await pop.getByRole('button', { name: /取\s*消/ }).click();
    await drawer.getByText('已整改待核验').first().waitFor(); // nothing changed
    await page.close();
  });
});
