import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCall as api,
  baseUrl,
  freshIdNumber,
  hasChromium,
  launch,
  SKIP_REASON,
  apiToken as token,
} from './browser.js';

if (!hasChromium()) console.warn(SKIP_REASON);

/**
 * An administrator resets a visitor's password while a visit waits on the visitor's phone (issue 25
 * made a reset force a change before anything else). The server then answers the phone's upload with
 * 403 PASSWORD_CHANGE_REQUIRED: the phone must not take that as the visit being refused — it keeps
 * the visit, asks for the new password, and sends the visit once it is set.
 */
describe.runIf(hasChromium())('a password reset while a visit waits on the phone', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('keeps the visit, asks for a new password, then sends it', async () => {
    const admin = await token('admin');
    const officer = await token('hantai');
    // A new person of a 罕台镇 village, given to a new visitor of that village.
    const any = await api(officer, 'GET', '/api/persons?limit=1');
    expect(any.status, JSON.stringify(any.body)).toBe(200);
    const villageId = any.body.items[0].villageId as number;
    const createdPerson = await api(officer, 'POST', '/api/persons', {
      name: '重置测试对象',
      idNumber: freshIdNumber('1948-03-03'),
      villageId,
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
    expect(createdPerson.status, JSON.stringify(createdPerson.body)).toBe(201);
    const person = { id: createdPerson.body.id as number, name: '重置测试对象', villageId };
    const username = `reset${Date.now() % 1_000_000}`;
    const firstPassword = 'Start#2026ab';
    const made = await api(admin, 'POST', '/api/users', {
      username,
      displayName: '重置测试员',
      visitorType: 'cadre',
      password: firstPassword,
      grants: [{ role: 'visitor', areaId: person.villageId }],
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const moved = await api(officer, 'POST', '/api/persons/reassign', {
      personIds: [person.id],
      toVisitorId: made.body.user.id,
    });
    expect(moved.status, JSON.stringify(moved.body)).toBeLessThan(300);
    const visits = async () =>
      (await api(officer, 'GET', `/api/persons/${person.id}/visits`)).body.items.length as number;
    const before = await visits();

    const ctx = await browser.newContext({
      viewport: { width: 360, height: 740 },
      locale: 'zh-CN',
      isMobile: true,
      hasTouch: true,
    });
    const page = await ctx.newPage();
    await page.goto(`${baseUrl()}/m/`);
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill(firstPassword);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByTestId('task-list').waitFor();

    // Offline, a visit is recorded and waits in the queue.
    await ctx.setOffline(true);
    await page.getByTestId('tab-persons').click();
    await page.getByLabel('搜索对象').fill(person.name);
    await page.locator('.prow', { hasText: person.name }).first().click();
    await page.getByTestId('record-visit').click();
    await page.getByTestId('fill-fine').click();
    await page.getByTestId('save-visit').click();
    await page.getByTestId('person-name').waitFor();

    // Meanwhile the office resets the password.
    const reset = await api(admin, 'POST', `/api/users/${made.body.user.id}/password`, {});
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    const temporary = reset.body.password as string;

    // Back online: the reset ended the phone's session (401): log in again with the temporary
    // password; then every request is answered 403 until the password is changed.
    await ctx.setOffline(false);
    await page.getByTestId('session-expired').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('session-expired').innerText()).toContain('1 条记录仍在');
    await page.getByLabel('密码').fill(temporary);
    await page.getByRole('button', { name: '登录' }).click();
    const screen = page.getByTestId('change-password');
    await screen.waitFor({ timeout: 30_000 });
    expect(await screen.innerText()).toContain('1 条记录仍在');
    expect(await visits()).toBe(before);
    expect(await page.evaluate(() => document.body.innerText)).not.toContain('被退回');

    await page.getByLabel('当前密码（管理员告知的临时密码）').fill(temporary);
    await page.getByLabel('新密码', { exact: true }).fill('Fresh#2026xy');
    await page.getByLabel('再次输入新密码').fill('Fresh#2026xy');
    await page.getByRole('button', { name: '保存新密码' }).click();
    await expect.poll(visits, { timeout: 30_000 }).toBe(before + 1);
    await screen.waitFor({ state: 'hidden' });
    await page.screenshot({ path: 'test-output/e2e/visitor-after-reset.png' });
    await ctx.close();
  });
});
