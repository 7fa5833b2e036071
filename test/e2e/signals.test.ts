import { createHmac, randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
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

/** A signed POST /api/signals, as an outside system sends it. */
async function sendSignals(token: string, secret: string, signals: unknown[]) {
  const body = JSON.stringify(signals);
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
  const res = await fetch(`${baseUrl()}/api/signals`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'x-tanfang-timestamp': ts,
      'x-tanfang-signature': `sha256=${sig}`,
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe.runIf(hasChromium())('预警信息 in Chromium (issue 30)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a service account is made once (token shown once), its signals show with what they opened, an unmatched one is reviewed', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl() });
    await loginAs(page, 'admin');
    await page.waitForURL(`${baseUrl()}/`);

    // 预警接入与规则: create an account; the token and secret are shown once, with copy buttons.
    await page.goto(`${baseUrl()}/signal-settings`);
    await page.getByRole('button', { name: '新建服务账号' }).click();
    const create = page.locator('.ant-modal').filter({ hasText: '新建服务账号' });
    await create.getByLabel('名称').fill('区卫健委推送（浏览器测试）');
    await create.getByLabel('辖区').click();
    await page.locator('.ant-select-tree-title', { hasText: '东胜区' }).first().click();
    await create.getByRole('button', { name: /确\s*定|OK/ }).click();
    const issued = page.locator('.ant-modal').filter({ hasText: '只显示这一次' });
    await issued.waitFor();
    const token = await issued.getByLabel('令牌').inputValue();
    const secret = await issued.getByLabel('签名密钥').inputValue();
    expect(token).toMatch(/^tfsa_/);
    await issued.getByRole('button', { name: '复制' }).first().click();
    await page.getByText('已复制令牌').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    await page.screenshot({ path: 'test-output/e2e/signals-token-once.png' });
    await issued.getByRole('button', { name: '我已妥善保存' }).click();
    await issued.waitFor({ state: 'detached' });
    const row = page.locator('tr.ant-table-row').filter({ hasText: '区卫健委推送（浏览器测试）' });
    await row.getByText('有效').waitFor();
    expect(await page.content()).not.toContain(token);

    // The system sends: a discharge of a person on file, and an ID number nobody has.
    const admin = await apiToken('admin');
    const persons = await apiCall(admin, 'GET', '/api/persons?limit=50');
    const person = persons.body.items.find((p: any) => p.status === 'active' && p.visitorId);
    const sensitive = await apiCall(admin, 'GET', `/api/persons/${person.id}/sensitive`);
    const unknown = freshIdNumber('1944-02-02');
    const sent = await sendSignals(token, secret, [
      {
        key: randomUUID(),
        type: 'hospital_discharge',
        occurredAt: new Date().toISOString(),
        idNumber: sensitive.body.idNumber,
        source: '区人民医院',
        description: '肺炎好转出院',
      },
      {
        key: randomUUID(),
        type: 'meter_silent',
        occurredAt: new Date().toISOString(),
        idNumber: unknown,
        description: '水表 26 小时无用水',
      },
    ]);
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body.results.map((r: any) => r.status)).toEqual(['opened', 'unmatched']);

    // 预警信息: both, what the discharge opened, the unmatched one in the review list.
    await page.goto(`${baseUrl()}/signals`);
    const list = page.locator('.ant-layout-content');
    const discharge = list.locator('tr.ant-table-row:visible').filter({ hasText: '肺炎好转出院' });
    await discharge.getByText('已派核查').waitFor();
    await discharge.getByText(person.name).waitFor();
    await discharge.getByText(`任务 #${sent.body.results[0].taskId}`).waitFor();
    await list
      .locator('tr.ant-table-row')
      .filter({ hasText: '水表 26 小时无用水' })
      .getByText('查无此人')
      .first()
      .waitFor();
    await page.getByText('收到预警').waitFor();
    await page.screenshot({ path: 'test-output/e2e/signals-page.png', fullPage: true });
    // The dashboard shows the same figures once its own have loaded.
    await page.goto(`${baseUrl()}/`);
    const card = page.locator('.ant-card').filter({ hasText: '预警信息（近 30 天' });
    await card.getByText('收到预警').waitFor({ timeout: 20000 });
    await card.getByText('出院：1').waitFor();
    await page.goto(`${baseUrl()}/signals`);

    await page.getByRole('tab', { name: '待人工核对' }).click();
    const pending = page.locator('tr.ant-table-row:visible').filter({ hasText: '水表 26 小时无用水' });
    await pending.getByRole('button', { name: /核\s*对/ }).click();
    const modal = page.locator('.ant-modal').filter({ hasText: '核对预警' });
    await modal.getByRole('button', { name: '确认已核对' }).click();
    await modal.getByText('请填写核对情况').waitFor();
    await modal.getByLabel('核对情况').fill('已与卫健委核实：非本区特困对象');
    await modal.getByRole('button', { name: '确认已核对' }).click();
    await page.getByText('已核对，移出待核对列表').waitFor();
    await pending.waitFor({ state: 'hidden' });

    // 360 px wide: the page still shows its list.
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${baseUrl()}/signals`);
    await page.locator('tr.ant-table-row').filter({ hasText: '肺炎好转出院' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);

    // Revoke, confirmed in a dialog: the token stops working.
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(`${baseUrl()}/signal-settings`);
    await page
      .locator('tr.ant-table-row')
      .filter({ hasText: '区卫健委推送（浏览器测试）' })
      .getByRole('button', { name: /^吊\s*销$/ })
      .click();
    const revoke = page.locator('.ant-modal').filter({ hasText: '不可恢复' });
    await revoke.getByLabel('吊销原因').fill('测试结束');
    await revoke.getByRole('button', { name: /^吊\s*销$/ }).click();
    await page.getByText('已吊销「区卫健委推送（浏览器测试）」').waitFor();
    expect(
      (
        await sendSignals(token, secret, [
          {
            key: randomUUID(),
            type: 'meter_silent',
            occurredAt: new Date().toISOString(),
            idNumber: unknown,
          },
        ])
      ).status,
    ).toBe(401);
    await page.close();
  });
});
