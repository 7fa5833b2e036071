import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, hasChromium, launch, loginAs, SKIP_REASON } from './browser.js';

if (!hasChromium()) console.warn(SKIP_REASON);

describe.runIf(hasChromium())('person registry in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a town officer filters the list, opens a file, sees the level derived live and saves an assessment', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    await loginAs(page, 'hantai');
    await page.waitForURL(`${baseUrl()}/`);
    await page.goto(`${baseUrl()}/persons?tier=general&status=active`);
    const firstLink = page.locator('table tbody a').first();
    await firstLink.waitFor();
    const rows = await page.locator('table tbody tr').count();
    expect(rows).toBeGreaterThan(10);
    // Masked ID numbers in the list.
    expect(await page.locator('table tbody tr').first().innerText()).toMatch(/\d{6}\*{8}\d{3}[\dX]/);
    const name = await firstLink.innerText();
    await firstLink.click();
    await page.getByTestId('person-name').waitFor();
    expect(await page.getByTestId('person-name').innerText()).toBe(name);
    await page.getByRole('tab', { name: '自理能力评估' }).click();
    for (const k of ['transfer', 'toileting', 'walking', 'bathing'])
      await page.getByTestId(`indicator-${k}`).click();
    expect(await page.getByTestId('derived-level').innerText()).toContain('完全丧失生活自理能力');
    await page.getByRole('button', { name: '保存评估' }).click();
    await page.getByText('已记录：完全丧失生活自理能力').waitFor();
    await page.getByRole('tab', { name: '时间线' }).click();
    await page
      .getByTestId('timeline')
      .getByText(/具备生活自理能力 → 完全丧失生活自理能力/)
      .waitFor();
    await page.screenshot({ path: 'test-output/e2e/person-timeline.png' });
    await page.close();
  });

  it('a visitor sees only their own persons and cannot change them', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await loginAs(page, 'visitor1');
    await page.waitForURL(`${baseUrl()}/`);
    await page.goto(`${baseUrl()}/persons`);
    await page.locator('table tbody a').first().waitFor();
    const visitors = await page.locator('table tbody tr td:nth-last-child(2)').allInnerTexts();
    expect(new Set(visitors).size).toBe(1);
    expect(await page.getByRole('button', { name: '新建档案' }).count()).toBe(0);
    await page.close();
  });
});
