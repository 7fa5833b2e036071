import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, hasChromium, launch, loginAs, SKIP_REASON } from './browser.js';

if (!hasChromium()) console.warn(SKIP_REASON);

describe.runIf(hasChromium())('campaigns in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a town officer opens a campaign, renames it and ends it with a reason', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    await loginAs(page, 'hantai');
    await page.waitForURL(`${baseUrl()}/`);
    await page.goto(`${baseUrl()}/visit-campaigns`);
    const name = `暴雪专项${Date.now() % 100000}`;
    // Opened through the API with the page's session (the open form is older and not under test here).
    const opened = await page.evaluate(async (n) => {
      const csrf = document.cookie.match(/tf_csrf=([^;]+)/)?.[1] ?? '';
      const me = await (await fetch('/api/me')).json();
      const areaId = me.grants[0].areaId;
      const today = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);
      const r = await fetch('/api/visit-campaigns', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf) },
        body: JSON.stringify({ name: n, kind: 'blizzard', areaId, deadline: today }),
      });
      return { status: r.status, body: await r.text() };
    }, name);
    expect(opened.status, opened.body).toBe(201);
    await page.reload();
    const row = page.locator('.ant-table-tbody tr.ant-table-row').filter({ hasText: name });
    await row.waitFor();
    expect(await row.innerText()).toContain('进行中');

    await row.getByRole('button', { name: /^修\s*改$/ }).click();
    const edit = page.locator('.ant-modal').filter({ hasText: '修改专项探访' });
    await edit.getByLabel('名称').fill(`${name}（延长）`);
    await edit.getByRole('button', { name: /确\s*定|OK/ }).click();
    await page.getByText(`已保存「${name}（延长）」`).waitFor();

    const renamed = page.locator('.ant-table-tbody tr.ant-table-row').filter({ hasText: `${name}（延长）` });
    await renamed.getByRole('button', { name: /^结\s*束$/ }).click();
    const close = page.locator('.ant-modal').filter({ hasText: '结束专项探访' });
    await close.getByRole('button', { name: /^结\s*束$/ }).click();
    await close.getByText('请填写结束原因').waitFor(); // the reason is required
    await close.getByLabel('结束原因').fill('暴雪预警解除');
    await close.getByRole('button', { name: /^结\s*束$/ }).click();
    await page.getByText(`已结束「${name}（延长）」`).waitFor();
    await renamed.getByText('已结束').waitFor();
    expect(await renamed.innerText()).toContain('暴雪预警解除');
    expect(await renamed.getByRole('button', { name: /^修\s*改$/ }).count()).toBe(0);
    await page.screenshot({ path: 'test-output/e2e/campaigns.png' });
    await page.close();
  });
});
