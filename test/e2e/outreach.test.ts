import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, apiToken, baseUrl, hasChromium, launch, loginAs, SKIP_REASON } from './browser.js';

if (!hasChromium()) console.warn(SKIP_REASON);

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

describe.runIf(hasChromium())('outreach activities in Chromium (issue 32)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a town officer records an activity with two picked persons and all 独居 of a village; each is on its timeline and the figures count them', async () => {
    const token = await apiToken('hantai');
    const me = (await apiCall(token, 'GET', '/api/me')).body;
    const townId = me.grants[0].areaId as number;
    // Two persons of the town to pick by name, and a village whose 独居 persons the rule names.
    const persons = (await apiCall(token, 'GET', '/api/persons?status=active&limit=50')).body.items as {
      id: number;
      name: string;
      villageId: number;
      villageName: string;
    }[];
    const [a, b] = persons.filter((p, i, all) => all.findIndex((x) => x.name === p.name) === i);
    const village = { id: a.villageId, name: a.villageName };
    const ruled = (
      await apiCall(token, 'POST', '/api/outreach/reach-preview', {
        areaId: village.id,
        flags: ['lives_alone'],
      })
    ).body.items.map((p: { personId: number }) => p.personId) as number[];
    const expected = new Set([a.id, b.id, ...ruled]);
    const before = (await apiCall(token, 'GET', `/api/outreach/figures?areaId=${townId}`)).body.figures;

    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await loginAs(page, 'hantai');
    await page.waitForURL(`${baseUrl()}/`);
    await page.goto(`${baseUrl()}/outreach/activities`);
    await page.getByTestId('outreach-figures').waitFor();
    await page.getByRole('button', { name: '登记活动' }).click();
    const drawer = page.getByRole('dialog').filter({ hasText: '登记关爱活动' });
    await drawer.getByLabel('活动地点').fill('罕台村党群服务中心');
    // Save without a type change: 互助关爱 is the default. Pick two persons by name.
    const picker = drawer.getByLabel('输入姓名搜索对象');
    for (const p of [a, b]) {
      await picker.click();
      await picker.fill(p.name);
      await page.locator('.ant-select-item-option').filter({ hasText: p.name }).first().click();
    }
    await page.keyboard.press('Escape');
    // And all 独居 persons of the first one's village, by rule; the preview says how many.
    await drawer.getByText('按规则添加对象').click();
    const ruleArea = drawer.getByLabel('规则辖区');
    await ruleArea.click();
    await ruleArea.fill(village.name);
    await page
      .locator('.ant-select-tree-node-content-wrapper')
      .filter({ hasText: village.name })
      .first()
      .click();
    await drawer.getByRole('checkbox', { name: '独居', exact: true }).check();
    await drawer.getByTestId('rule-preview').getByText(`规则当前选中 ${ruled.length} 人`).waitFor();
    await drawer.getByRole('button', { name: /^保\s*存$/ }).click();
    await page.getByText(`已登记活动，覆盖 ${expected.size} 名对象`).waitFor();

    // The detail drawer lists them; the server holds the same list and the rule.
    const detail = page.getByRole('dialog').filter({ hasText: '互助关爱' });
    await detail.getByTestId('participant-list').getByText(a.name).first().waitFor();
    await detail.getByText(`按规则：${village.name} · 独居`).waitFor();
    const id = Number(new URL(page.url()).searchParams.get('id'));
    const saved = (await apiCall(token, 'GET', `/api/outreach/activities/${id}`)).body;
    expect(new Set(saved.participants.map((p: { personId: number }) => p.personId))).toEqual(expected);
    expect(saved.reachRule).toEqual({ areaId: village.id, flags: ['lives_alone'] });
    const timeline = (await apiCall(token, 'GET', `/api/persons/${b.id}/timeline`)).body.items;
    expect(timeline.some((e: { kind: string; refId?: string }) => e.kind === 'outreach.activity')).toBe(true);
    // The figures: one activity more; persons reached grew by the ones not reached before this quarter.
    const after = (await apiCall(token, 'GET', `/api/outreach/figures?areaId=${townId}`)).body.figures;
    expect(after.activities).toBe(before.activities + 1);
    expect(after.personsReached).toBeGreaterThanOrEqual(before.personsReached);
    expect(after.personsReached).toBeLessThanOrEqual(before.personsReached + expected.size);
    // A photo, last and optional: uploaded from the drawer, shown as a thumbnail.
    await detail
      .locator('input[type=file]')
      .setInputFiles({ name: '活动.png', mimeType: 'image/png', buffer: PNG });
    await page.getByText('已上传照片').waitFor();
    await detail
      .getByAltText(/活动照片/)
      .first()
      .waitFor();
    expect((await apiCall(token, 'GET', `/api/outreach/activities/${id}`)).body.photos).toHaveLength(1);
    await page.screenshot({ path: 'test-output/e2e/outreach.png' });

    // Delete with confirmation: gone from the list and from the timeline.
    await detail.getByRole('button', { name: /^删\s*除$/ }).click();
    await page
      .locator('.ant-popconfirm')
      .getByRole('button', { name: /^删\s*除$/ })
      .click();
    await page.getByText('已删除活动').waitFor();
    expect((await apiCall(token, 'GET', `/api/outreach/activities/${id}`)).status).toBe(404);
    await page.close();
  });

  it('works at 360 px: the organisations page and its credit-code check', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    await loginAs(page, 'hantai');
    await page.waitForURL(`${baseUrl()}/`);
    await page.goto(`${baseUrl()}/outreach/organisations`);
    await page.getByRole('button', { name: '登记组织' }).click();
    const modal = page.getByRole('dialog').filter({ hasText: '登记社会组织或志愿者' });
    await modal.getByLabel('名称', { exact: true }).fill('罕台镇爱心服务队');
    await modal.getByLabel('统一社会信用代码').fill('53100000500021676A');
    await modal.getByRole('button', { name: /^保\s*存$/ }).click();
    await modal.getByText('统一社会信用代码校验码错误，请核对').waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(360);
    await page.close();
  });
});
