import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, apiToken, baseUrl, hasChromium, launch, loginAs, SKIP_REASON } from './browser.js';

if (!hasChromium()) console.warn(SKIP_REASON);

const PHONE = { viewport: { width: 360, height: 740 }, locale: 'zh-CN', isMobile: true, hasTouch: true };
// visitor3: no other browser test records visits for their persons, so the round's task is theirs alone.
const VISITOR = 'visitor3';

/** Today in China, and a season range of two days away from it (so nothing seasonal is asked by date). */
const chinaToday = () => new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);
const offSeason = () => {
  const md = (days: number) =>
    new Date(Date.now() + 8 * 3600000 + days * 86400000).toISOString().slice(5, 10);
  const r = { from: md(40), to: md(41) };
  return { heating: r, flood: r };
};

/** Opens a screen of the phone app without a page load (works offline, as a tap would). */
const go = (page: Page, path: string) =>
  page.evaluate((p) => {
    history.pushState(null, '', `/m${p}`);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);

describe.runIf(hasChromium())(
  'a weather round on the phone: its 取暖 checks out of season (issue 30)',
  () => {
    let browser: Browser;
    let admin: string;
    const cleanup: (() => Promise<unknown>)[] = [];
    beforeAll(async () => {
      browser = await launch();
      admin = await apiToken('admin');
    });
    afterAll(async () => {
      for (const f of cleanup.reverse()) await f().catch(() => undefined);
      await browser?.close();
    });

    it('the round task’s form shows and requires 取暖安全 offline; a person outside the round is not asked; the console lists 须检查', async () => {
      const visitor = await apiToken(VISITOR);
      const bundle = (await apiCall(visitor, 'GET', '/api/visitor/bundle')).body;
      const active = bundle.persons.filter((p: any) => p.status === 'active');
      // In the round: A (the round takes A's village and tier); outside it: B (another village or tier).
      let a: any;
      let b: any;
      for (const x of active) {
        b = active.find((y: any) => y.id !== x.id && (y.villageId !== x.villageId || y.tier !== x.tier));
        if (b) {
          a = x;
          break;
        }
      }
      expect(a && b, `${VISITOR} needs two persons apart by village or tier`).toBeTruthy();

      // Both villages out of season for the test, put back afterwards.
      for (const villageId of new Set([a.villageId, b.villageId])) {
        const set = await apiCall(admin, 'PUT', '/api/visit-settings', {
          areaId: villageId,
          key: 'visits.seasons',
          value: offSeason(),
        });
        expect(set.status, JSON.stringify(set.body)).toBe(200);
        cleanup.push(() =>
          apiCall(admin, 'PUT', '/api/visit-settings', {
            areaId: villageId,
            key: 'visits.seasons',
            value: null,
          }),
        );
      }
      const name = `寒潮专项（浏览器测试${Date.now() % 100000}）`;
      const opened = await apiCall(admin, 'POST', '/api/visit-campaigns', {
        name,
        kind: 'cold_wave',
        areaId: a.villageId,
        deadline: chinaToday(),
        selection: { tiers: [a.tier] },
        checks: ['heating'],
      });
      expect(opened.status, JSON.stringify(opened.body)).toBe(201);
      expect(opened.body.checks).toEqual(['heating']);
      cleanup.push(async () => {
        const c = (await apiCall(admin, 'GET', '/api/visit-campaigns')).body.find(
          (x: any) => x.id === opened.body.id,
        );
        if (c && !c.closedAt)
          await apiCall(admin, 'POST', `/api/visit-campaigns/${c.id}/close`, {
            version: c.version,
            reason: '测试结束',
          });
      });

      const ctx = await browser.newContext(PHONE);
      const page = await ctx.newPage();
      await page.goto(`${baseUrl()}/m/`);
      await page.getByLabel('用户名').fill(VISITOR);
      await page.getByLabel('密码').fill('Demo@2026');
      await page.getByRole('button', { name: '登录' }).click();
      await page.getByTestId('task-list').waitFor();
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
      // The task list says what the round requires.
      await page.getByTestId('task-list').getByText('须检查：取暖安全').first().waitFor();

      // The form's time is to the minute and the round's window opens at the second it was opened: a
      // form opened in that same minute is (rightly) before the round. Wait for the next minute.
      const opensAt = Date.parse(opened.body.opensAt);
      const wait = Math.ceil((opensAt + 1) / 60000) * 60000 - Date.now() + 500;
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));

      // Offline: the bundle on the phone carries the round's checks.
      await ctx.setOffline(true);
      await go(page, `/visit/${a.id}`);
      await page.getByTestId('round-checks').waitFor();
      expect(await page.getByTestId('round-checks').innerText()).toContain(`「${name}」须检查：取暖安全`);
      const g = page.locator('fieldset[data-section="G"]');
      await g.getByText('取暖安全', { exact: true }).waitFor();
      await g.getByText('通风及一氧化碳中毒风险').waitFor();
      expect(await g.getByText('防汛安全').count()).toBe(0);
      // Required: saving without them names the round.
      await page.getByTestId('save-visit').click();
      await g.getByText(`（专项探访「${name}」须检查取暖安全）`).first().waitFor();
      await page.screenshot({ path: 'test-output/e2e/weather-round-phone.png', fullPage: true });

      // B is outside the round: out of season, no section G at all.
      await go(page, `/visit/${b.id}`);
      await page.locator('fieldset[data-section="A"]').waitFor();
      expect(await page.getByTestId('round-checks').count()).toBe(0);
      expect(await page.locator('fieldset[data-section="G"]').count()).toBe(0);

      // Back to A: filled ("all fine" fills the shown items, 取暖 included), saved offline, sent once online.
      await go(page, `/visit/${a.id}`);
      await page.getByTestId('fill-fine').click();
      await page.getByTestId('save-visit').click();
      await page.getByTestId('person-name').waitFor();
      await ctx.setOffline(false);
      await expect
        .poll(async () => (await apiCall(visitor, 'GET', `/api/persons/${a.id}/visit-tasks`)).body.items, {
          timeout: 30000,
        })
        .toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'campaign', status: 'done' })]));
      const visits = (await apiCall(visitor, 'GET', `/api/persons/${a.id}/visits?limit=1`)).body.items;
      const stored = (await apiCall(visitor, 'GET', `/api/visits/${visits[0].id}`)).body;
      expect(stored.answers.G).toMatchObject({ heatingSafety: { value: 'safe' } });
      await ctx.close();

      // The console's list of rounds says what this one requires.
      const office = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
      await loginAs(office, 'admin');
      await office.waitForURL(`${baseUrl()}/`);
      await office.goto(`${baseUrl()}/visit-campaigns`);
      const row = office.locator('.ant-table-tbody tr.ant-table-row').filter({ hasText: name });
      await row.getByTestId('campaign-checks').waitFor();
      expect(await row.getByTestId('campaign-checks').innerText()).toBe('须检查：取暖安全');
      await office.close();
    });

    it('an officer opening a round by hand chooses its checks in the form', async () => {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
      await loginAs(page, 'admin');
      await page.waitForURL(`${baseUrl()}/`);
      await page.goto(`${baseUrl()}/visit-campaigns`);
      await page.getByRole('button', { name: '开启专项探访' }).click();
      const form = page.locator('.ant-modal').filter({ hasText: '须做的季节性检查' });
      const name = `暴雨专项（表单${Date.now() % 100000}）`;
      await form.getByLabel('名称').fill(name);
      await form.getByLabel('范围').click();
      await page.locator('.ant-select-tree-title', { hasText: '东胜区' }).first().click();
      // 120 years and over: nobody, so the round makes no task another test could meet.
      await form.getByLabel('年龄不低于').fill('120');
      const deadline = form.getByLabel('截止日期');
      await deadline.click();
      await deadline.fill(chinaToday());
      await deadline.press('Enter');
      await form.getByRole('checkbox', { name: /防汛与用电安全/ }).check();
      await form.getByRole('button', { name: /确\s*定|OK/ }).click();
      await page.getByText(`已开启「${name}」`).waitFor();
      const row = page.locator('.ant-table-tbody tr.ant-table-row').filter({ hasText: name });
      expect(await row.getByTestId('campaign-checks').innerText()).toBe('须检查：防汛与用电安全');
      const c = (await apiCall(admin, 'GET', '/api/visit-campaigns')).body.find((x: any) => x.name === name);
      expect(c).toMatchObject({ checks: ['flood'], taskCount: 0 });
      await apiCall(admin, 'POST', `/api/visit-campaigns/${c.id}/close`, {
        version: c.version,
        reason: '测试结束',
      });
      await page.close();
    });
  },
);
