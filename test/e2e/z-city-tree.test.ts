import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCall,
  apiToken,
  baseUrl,
  freshIdNumber,
  hasChromium,
  launch,
  loginAs,
  SKIP_REASON,
} from './browser.js';

if (!hasChromium()) console.warn(SKIP_REASON);

/**
 * Issue 31 in the browser: the demo district joins its city, the city gets a banner with a 苏木 and a
 * 嘎查, and the city admin drills from the city down to the 嘎查's records. The file's name sorts it
 * last: joining a city changes the tree's root for every test after it on the same server.
 */
describe.runIf(hasChromium())('a city of counties, 苏木 and 嘎查 in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  const rows = (page: Page) => page.locator('.ant-table-tbody tr.ant-table-row');

  it('the city admin opens the city dashboard, drills to a 嘎查 and opens its records', async () => {
    const admin = await apiToken('admin');
    const joined = await apiCall(admin, 'POST', '/api/areas/above-root', {
      name: '鄂尔多斯市',
      code: '150600',
    });
    expect(joined.status, JSON.stringify(joined.body)).toBe(201);
    const add = async (parentId: number, name: string) => {
      const r = await apiCall(admin, 'POST', '/api/areas', { parentId, name });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body as { id: number; kind: string };
    };
    const banner = await add(joined.body.id, '伊金霍洛旗');
    const sumu = await add(banner.id, '红庆河苏木');
    const gacha = await add(sumu.id, '巴音敖包嘎查');
    expect([banner.kind, sumu.kind, gacha.kind]).toEqual(['旗', '苏木', '嘎查']);
    const person = await apiCall(admin, 'POST', '/api/persons', {
      name: '巴特尔',
      idNumber: freshIdNumber('1946-05-06'),
      villageId: gacha.id,
      supportStart: '2020-01-01',
      indicators: {
        eating: true,
        dressing: true,
        transfer: true,
        toileting: true,
        walking: true,
        bathing: true,
      },
    });
    expect(person.status, JSON.stringify(person.body)).toBe(201);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    await loginAs(page, 'admin');
    await page.waitForURL(`${baseUrl()}/`);
    await page.getByTestId('oversight-dashboard').waitFor();
    await expect.poll(() => page.getByTestId('dashboard-title').innerText()).toContain('鄂尔多斯市');
    // The city's counties side by side, the column named by their kinds.
    await rows(page).first().waitFor();
    expect(await page.locator('.ant-table-thead').innerText()).toContain('区（旗）');
    const table = await page.locator('.ant-table-tbody').innerText();
    expect(table).toContain('东胜区');
    expect(table).toContain('伊金霍洛旗');

    await page
      .getByRole('link', { name: '伊金霍洛旗' })
      .or(page.locator('a', { hasText: '伊金霍洛旗' }))
      .first()
      .click();
    await expect.poll(() => page.getByTestId('dashboard-title').innerText()).toContain('伊金霍洛旗');
    await expect.poll(() => page.locator('.ant-table-thead').innerText()).toContain('苏木');
    await page.locator('.ant-table-tbody a', { hasText: '红庆河苏木' }).click();
    await expect.poll(() => page.getByTestId('dashboard-title').innerText()).toContain('红庆河苏木');
    await expect.poll(() => page.locator('.ant-table-thead').innerText()).toContain('嘎查');
    const gachaRow = rows(page).filter({ hasText: '巴音敖包嘎查' });
    await expect.poll(() => gachaRow.getByTestId('figure-activePersons').innerText()).toBe('1');
    await page.screenshot({ path: 'test-output/e2e/city-sumu.png', fullPage: true });

    // The 嘎查's records: the one person, by name.
    await gachaRow.getByTestId('figure-activePersons').click();
    await page.waitForURL(/\/oversight\/records\?/);
    await page.getByTestId('records-total').waitFor();
    await expect.poll(() => page.getByTestId('records-total').innerText()).toBe('1');
    expect(await page.locator('.ant-table-tbody').innerText()).toContain('巴特尔');
    await page.close();
  });
});
