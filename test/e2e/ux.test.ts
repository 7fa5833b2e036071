import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDigit } from '../../src/shared/id-card.js';
import { baseUrl, hasChromium, launch, loginAs, SKIP_REASON } from './browser.js';

if (!hasChromium()) console.warn(SKIP_REASON);

/** A JSON call from the page, with its cookie session and CSRF token (test set-up only). */
async function apiFrom(page: Page, method: string, url: string, body?: unknown) {
  return page.evaluate(
    async ([method, url, body]) => {
      const csrf = decodeURIComponent(
        document.cookie
          .split('; ')
          .find((c) => c.startsWith('tf_csrf='))
          ?.slice(8) ?? '',
      );
      const r = await fetch(url as string, {
        method: method as string,
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.status, body: await r.json().catch(() => null) };
    },
    [method, url, body] as const,
  );
}

const shot = async (page: Page, name: string) => {
  await page.waitForTimeout(400);
  await page.screenshot({ path: `test-output/e2e/ux-${name}.png`, fullPage: true });
};
/** Clicks 取消 until the dialog is gone (a click during its opening animation can be lost on a busy machine). */
async function closeDialog(d: ReturnType<Page['locator']>) {
  for (let i = 0; i < 3; i++) {
    await d.getByRole('button', { name: /取\s*消/ }).click();
    if (
      await d.waitFor({ state: 'hidden', timeout: 5000 }).then(
        () => true,
        () => false,
      )
    )
      return;
  }
  await d.waitFor({ state: 'hidden' });
}
const dialog = (page: Page, text: string | RegExp) =>
  page.locator('.ant-modal-confirm, .ant-modal').filter({ hasText: text });

describe.runIf(hasChromium())('issue 25 in Chromium: confirmations, figures, labels, menu', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('用户管理: 停用 and 重置密码 ask first; the reset password must be changed at the next login', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await loginAs(page, 'admin');
    await page.waitForURL(`${baseUrl()}/`);
    const me = (await apiFrom(page, 'GET', '/api/me')).body;
    const district = me.areas[0].id;
    const make = async (name: string, tag: string) => {
      const username = `ux${tag}${Date.now() % 100000}`;
      const r = await apiFrom(page, 'POST', '/api/users', {
        username,
        displayName: `测试${name}`,
        grants: [{ role: 'bureau_supervisor', areaId: district }],
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return { username, displayName: `测试${name}` };
    };
    const a = await make('甲', 'a');
    const b = await make('乙', 'b');
    await page.goto(`${baseUrl()}/users`);
    const search = page.getByPlaceholder('用户名或姓名');
    const row = (u: { username: string }) => page.locator('tr.ant-table-row').filter({ hasText: u.username });

    // One's own row offers neither 停用 nor 重置密码.
    await search.fill('admin');
    await search.press('Enter');
    const own = page.locator('tr.ant-table-row').filter({ has: page.getByText('admin', { exact: true }) });
    await own.first().waitFor();
    expect(await own.first().getByText('停用').count()).toBe(0);
    expect(await own.first().getByText('重置密码').count()).toBe(0);

    // 停用: a dialog naming the user and what happens; 取消 changes nothing, 停用 disables.
    await search.fill(a.username);
    await search.press('Enter');
    await row(a).getByText('停用').click();
    const confirmDisable = dialog(page, `停用 ${a.displayName}`);
    await confirmDisable.getByText('立即退出所有已登录的设备').waitFor();
    await shot(page, 'disable-confirm');
    await confirmDisable.getByRole('button', { name: /取\s*消/ }).click();
    await confirmDisable.waitFor({ state: 'hidden' });
    expect(await row(a).innerText()).toContain('正常');
    await row(a).getByText('停用').click();
    await dialog(page, `停用 ${a.displayName}`)
      .getByRole('button', { name: /^停\s*用$/ })
      .click();
    await row(a).getByText('已停用').waitFor();

    // 重置密码: asked first, then the new password shown once.
    await search.fill(b.username);
    await search.press('Enter');
    await row(b).getByText('重置密码').click();
    const confirmReset = dialog(page, `重置 ${b.displayName}`);
    await confirmReset.getByText('必须先修改密码').waitFor();
    await confirmReset.getByRole('button', { name: '重置密码' }).click();
    const pw = (await page.getByTestId('new-password').innerText()).trim();
    expect(pw.length).toBeGreaterThanOrEqual(8);

    // The user logs in with it: a dialog that cannot be closed asks for a new password first.
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    const other = await ctx.newPage();
    await loginAs(other, b.username, pw);
    const force = dialog(other, '请先修改密码');
    await force.waitFor();
    await shot(other, 'forced-change-360');
    await other.keyboard.press('Escape');
    expect(await force.isVisible()).toBe(true);
    await force.getByLabel('管理员告知的密码').fill(pw);
    await force.getByLabel('新密码').fill('Fresh#2026ux');
    await other.getByTestId('forced-password-submit').click();
    await force.waitFor({ state: 'hidden' });
    await other.getByTestId('oversight-dashboard').waitFor();
    await ctx.close();
    await page.close();
  });

  it('批量指定探访责任人 asks first, naming how many persons go to whom', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await loginAs(page, 'hantai');
    await page.waitForURL(`${baseUrl()}/`);
    await page.goto(`${baseUrl()}/persons?status=active`);
    await page.locator('table tbody a').first().waitFor();
    const checks = page.locator('tbody .ant-checkbox-input');
    await checks.nth(0).check();
    await checks.nth(1).check();
    const before = await page.locator('tbody tr.ant-table-row').nth(0).innerText();
    await page.getByRole('button', { name: '批量指定探访责任人' }).click();
    const pick = page.locator('.ant-modal').filter({ hasText: '为 2 人指定探访责任人' });
    await pick.getByRole('combobox').click();
    await page.locator('.ant-select-item-option').first().click();
    await pick.getByRole('button', { name: /确\s*定|OK/ }).click();
    const confirm = dialog(page, '把选中的 2 名对象交给');
    await confirm.getByText('未完成的探访任务一并转给').waitFor();
    await shot(page, 'reassign-confirm');
    await confirm.getByRole('button', { name: /取\s*消/ }).click();
    await confirm.waitFor({ state: 'hidden' });
    await pick.getByRole('button', { name: /取\s*消/ }).click();
    expect(await page.locator('tbody tr.ant-table-row').nth(0).innerText()).toBe(before);

    // 终止供养 names what ends with it before it is confirmed.
    await page.locator('table tbody a').first().click();
    await page.getByTestId('person-name').waitFor();
    await page.getByRole('button', { name: '终止供养' }).click();
    const end = page.locator('.ant-modal').filter({ hasText: '终止供养：' });
    expect(await end.getByTestId('status-consequence').innerText()).toContain('未完成的探访任务取消');
    await closeDialog(end);
    await page.close();
  });

  it('结束专项探访 names the tasks it cancels; 解除协议 asks again, naming both parties', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await loginAs(page, 'hantai');
    await page.waitForURL(`${baseUrl()}/`);
    await page.goto(`${baseUrl()}/visit-campaigns`);
    const town = (await apiFrom(page, 'GET', '/api/me')).body.areas[0].id;
    const deadline = new Date(Date.now() + 5 * 86400000).toISOString().slice(0, 10);
    const name = `确认测试${Date.now() % 10000}`;
    const made = await apiFrom(page, 'POST', '/api/visit-campaigns', {
      name,
      kind: 'cold_wave',
      areaId: town,
      deadline,
      selection: { tiers: ['key'], minAge: 100 },
    });
    expect(made.status).toBe(201);
    await page.reload();
    const crow = page.locator('tr.ant-table-row').filter({ hasText: name });
    await crow.getByRole('button', { name: /结\s*束/ }).click();
    const close = page.locator('.ant-modal').filter({ hasText: '结束专项探访' });
    await close.getByText('个未完成的任务将被取消').waitFor();
    await close.getByRole('button', { name: /取\s*消/ }).click();
    await close.waitFor({ state: 'hidden' });
    expect(await crow.innerText()).toContain('进行中');

    await page.goto(`${baseUrl()}/care-agreements`);
    const term = page.locator('tbody a', { hasText: '解除' }).first();
    await term.waitFor();
    await term.click();
    const form = page.locator('.ant-modal').filter({ hasText: '解除协议：' });
    await form.getByLabel('解除原因').fill('测试：不解除');
    await form.getByRole('button', { name: /解\s*除/ }).click();
    const confirm = dialog(page, /解除 .+ 与 .+ 的照料协议？/);
    await confirm.getByText('不能撤回').waitFor();
    await shot(page, 'terminate-confirm');
    await confirm.getByRole('button', { name: /取\s*消/ }).click();
    await confirm.waitFor({ state: 'hidden' });
    expect(await form.isVisible()).toBe(true);
    await page.close();
  });

  it('镇街考核 states its rule and marks a month in progress; the dashboard states the figure rules', async () => {
    for (const [width, height] of [
      [1366, 900],
      [360, 740],
    ]) {
      const page = await browser.newPage({ viewport: { width, height }, locale: 'zh-CN' });
      await loginAs(page, 'admin');
      await page.waitForURL(`${baseUrl()}/`);
      await page.getByTestId('figure-rules').waitFor();
      expect(await page.getByTestId('in-progress').count()).toBe(1); // the current month
      expect(await page.getByTestId('figure-rules').innerText()).toContain('样本不足');
      await shot(page, `dashboard-${width}`);
      await page.goto(`${baseUrl()}/oversight/assessment`);
      await page.getByTestId('assessment-rule').waitFor();
      expect(await page.getByTestId('assessment-rule').innerText()).toContain('按全区该项的值计分');
      await page.getByTestId('assessment-provisional').waitFor();
      await page.getByTestId('assessment-score').first().waitFor();
      await shot(page, `assessment-${width}`);
      await page.close();
    }
  });

  it('安全审计 and 消息通知 show Chinese labels, names and console dates; the actor filter picks by name', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await loginAs(page, 'admin');
    await page.waitForURL(`${baseUrl()}/`);
    await page.goto(`${baseUrl()}/audit`);
    const rows = page.locator('.ant-table-tbody tr.ant-table-row');
    await rows.first().waitFor();
    const text = await page.locator('.ant-table-tbody').innerText();
    expect(text).not.toMatch(/\b[a-z_]+\.[a-z_]+\b/); // no raw action codes such as visit.view
    expect(text).not.toMatch(/\b(user|person|visit) #\d/);
    expect(text).not.toMatch(/\d{4}\/\d{1,2}\/\d{1,2}/);
    expect(text).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    // The actor is picked by name, not by a number.
    const picker = page.getByLabel('操作人');
    await picker.click();
    await picker.fill('区民政局');
    await page.locator('.ant-select-item-option').filter({ hasText: 'admin' }).first().click();
    await page.getByRole('button', { name: /查\s*询/ }).click();
    await page.waitForTimeout(800);
    const actors = await rows.locator('td:nth-child(4)').allInnerTexts();
    expect(actors.length).toBeGreaterThan(0);
    for (const a of actors) expect(a).toContain('（admin）');
    await shot(page, 'audit-1366');

    await page.goto(`${baseUrl()}/inbox`);
    await page.waitForTimeout(1500);
    const inbox = await page.locator('main, .ant-layout-content').first().innerText();
    expect(inbox).not.toMatch(/\b(care|concern|incident|referral|visit)\.[a-z_]+/);
    await shot(page, 'inbox-1366');
    await page.close();
  });

  it('the menu is grouped by job for each role, and an unknown address shows 页面不存在', async () => {
    const groupsOf = async (page: Page) =>
      (
        await page
          .locator('[data-testid=console-menu] > .ant-menu-submenu > .ant-menu-submenu-title')
          .allInnerTexts()
      ).map((t) => t.trim());
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await loginAs(page, 'admin');
    await page.getByTestId('dashboard-title').waitFor();
    expect(await groupsOf(page)).toEqual(['探访', '事件与整改', '照料与资金', '监督考核', '系统']);
    const system = page.locator('.ant-menu-submenu').filter({ hasText: '系统' });
    expect(await system.innerText()).toContain('用户管理');
    await shot(page, 'menu-admin');

    await page.goto(`${baseUrl()}/no-such-page/42`);
    await page.getByTestId('not-found').waitFor();
    expect(await page.getByTestId('not-found').innerText()).toContain('/no-such-page/42');
    expect(await page.getByTestId('oversight-dashboard').count()).toBe(0);
    await shot(page, 'not-found-1366');
    await page.getByRole('button', { name: '返回工作台' }).click();
    await page.getByTestId('oversight-dashboard').waitFor();
    await page.close();

    const visitor = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await loginAs(visitor, 'visitor1');
    await visitor.getByTestId('dashboard-title').waitFor();
    const vg = await groupsOf(visitor);
    expect(vg).toContain('探访');
    expect(vg).not.toContain('照料与资金');
    await visitor.close();
  });

  it('a birth date after today in the ID field is an error; empty lists say what to do; 360 px fits', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await loginAs(page, 'hantai');
    await page.waitForURL(`${baseUrl()}/`);
    await page.goto(`${baseUrl()}/persons`);
    await page.getByRole('button', { name: '新建档案' }).click();
    const first17 = '15270220300101123';
    await page.getByLabel('身份证号码').fill(first17 + checkDigit(first17));
    const form = page.locator('.ant-modal, form').filter({ hasText: '身份证号码' }).first();
    await form.getByText('出生日期 2030-01-01 晚于今天').waitFor();
    expect(await form.getByText(/^出生日期 2030-01-01，/).count()).toBe(0);
    await page.close();

    // An empty list says what the page is for and what to do first.
    const admin = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
    await loginAs(admin, 'admin');
    await admin.waitForURL(`${baseUrl()}/`);
    await admin.goto(`${baseUrl()}/oversight/ledgers`);
    const empty = admin.getByTestId('empty-state');
    if ((await empty.count()) > 0) expect(await empty.first().innerText()).toContain('生成');
    await admin.goto(`${baseUrl()}/oversight/records?metric=incidentAckWithin&period=2020-01`);
    await admin.getByTestId('empty-state').waitFor();
    expect(await admin.getByTestId('empty-state').innerText()).not.toBe('暂无数据');
    await admin.close();

    // 360 px: the console frame and the public notice page fit the screen (tables scroll inside).
    const phone = await browser.newPage({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    await loginAs(phone, 'hantai');
    await phone.getByTestId('oversight-dashboard').waitFor();
    await phone.waitForTimeout(800);
    const overflow = () => phone.evaluate(() => document.documentElement.scrollWidth);
    expect(await overflow()).toBeLessThanOrEqual(362);
    await phone.screenshot({ path: 'test-output/e2e/ux-console-360.png' });
    await phone.goto(`${baseUrl()}/persons`);
    await phone.locator('table tbody a').first().waitFor();
    expect(await overflow()).toBeLessThanOrEqual(362);
    await phone.screenshot({ path: 'test-output/e2e/ux-persons-360.png' });
    await phone.goto(`${baseUrl()}/public/pledges`);
    await phone.locator('h1').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(362);
    await phone.screenshot({ path: 'test-output/e2e/ux-pledges-360.png', fullPage: true });
    await phone.close();
  });
});
