import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chinaDate, chinaDayStart } from '../../src/shared/china-time.js';
import { apiCall, apiToken, baseUrl, hasChromium, launch, loginAs, SKIP_REASON } from './browser.js';

if (!hasChromium()) console.warn(SKIP_REASON);

const OUT = 'test-output/authenticity';
const KEY = 'authenticity.maxPerDay';

// Polls wait up to 15 s: a save's round trip on a loaded machine took more than vitest's default 1 s
// (it failed so while another suite ran a 200/s load beside it).
const POLL = { timeout: 15000 };

describe.runIf(hasChromium())('authenticity thresholds page (真实性核查 → 规则设置)', () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the bureau sets "too many in a day" for one town with a confirmation; the town sees it; new visits follow it; reset inherits again', async () => {
    const adminT = await apiToken('admin');
    const townT = await apiToken('hantai');
    const visitorT = await apiToken('visitor1');
    const me = (await apiCall(townT, 'GET', '/api/me')).body;
    const townId: number = me.grants.find((g: { role: string }) => g.role === 'town_officer').areaId;
    const read = async () =>
      (await apiCall(adminT, 'GET', `/api/authenticity/settings?areaId=${townId}`)).body[KEY];
    expect((await read()).own).toBe(false);
    // A person of visitor1 in that town (the town officer can open it), by id.
    const bundle = (await apiCall(visitorT, 'GET', '/api/visitor/bundle')).body;
    let personId: number | undefined;
    for (const p of bundle.persons as { id: number; status: string }[]) {
      if (p.status !== 'active') continue;
      if ((await apiCall(townT, 'GET', `/api/persons/${p.id}`)).status === 200) {
        personId = p.id;
        break;
      }
    }
    expect(personId).toBeDefined();

    const office = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    const page = await office.newPage();
    await loginAs(page, 'admin');
    await page.waitForURL(/\/($|\?)/);
    await page.goto(`${baseUrl()}/authenticity?tab=rules&area=${townId}`);
    const row = page.getByTestId(`threshold-${KEY}`);
    const input = row.getByLabel('每日上门次数上限（次）');
    await expect.poll(() => input.inputValue(), POLL).toBe(String((await read()).value));
    // Validation by the contract's schema, in Chinese, before anything is sent.
    await input.fill('0');
    await page.getByTestId(`save-${KEY}`).click();
    await row.getByText('至少 1 次').waitFor();
    await input.fill('2.5');
    await page.getByTestId(`save-${KEY}`).click();
    await row.getByText('请填写整数（单位：次）').waitFor();
    // A valid value asks for a confirmation first; cancelling changes nothing.
    await input.fill('2');
    await page.getByTestId(`save-${KEY}`).click();
    await page.getByRole('button', { name: /^取\s*消$/ }).click();
    expect((await read()).own).toBe(false);
    await page.getByTestId(`save-${KEY}`).click();
    await page.getByRole('button', { name: '确认修改' }).click();
    await expect.poll(async () => (await read()).value, POLL).toBe(2);
    expect((await read()).own).toBe(true);
    await page.getByTestId(`reset-${KEY}`).waitFor();
    await page.screenshot({ path: `${OUT}/thresholds.png`, fullPage: true });

    // The town officer sees the value set for the town, read-only.
    const townCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    const tp = await townCtx.newPage();
    await loginAs(tp, 'hantai');
    await tp.waitForURL(/\/($|\?)/);
    await tp.goto(`${baseUrl()}/authenticity?tab=rules&area=${townId}`);
    await expect.poll(() => tp.getByTestId(`value-${KEY}`).innerText(), POLL).toBe('2 次');
    expect(await tp.getByTestId(`save-${KEY}`).count()).toBe(0);
    expect(await tp.getByTestId(`reset-${KEY}`).count()).toBe(0);
    await townCtx.close();

    // Applied: three in-person visits of visitor1 on one China day — the third is over the town's 2.
    const now = Date.now();
    const dayStart = chinaDayStart(chinaDate(new Date(now))).getTime();
    const base = Math.max(dayStart + 10_000, now - 5 * 60_000);
    const visit = async (i: number) =>
      (
        await apiCall(visitorT, 'POST', '/api/visits', {
          clientId: crypto.randomUUID(),
          personId,
          at: new Date(base + i * 1000).toISOString(),
          method: 'in_person',
          outcome: 'not_home',
        })
      ).body;
    const tooMany = (v: {
      authenticity: { signals: { rule: string; evidence: { limit: number } }[] } | null;
    }) => v.authenticity?.signals.find((s) => s.rule === 'too_many');
    await visit(0);
    await visit(1);
    const third = await visit(2);
    expect(tooMany(third)?.evidence.limit).toBe(2);

    // Reset to inherited (with a confirmation): the next visit is measured against the inherited value.
    await page.getByTestId(`reset-${KEY}`).click();
    await page.getByRole('button', { name: '恢复继承' }).last().click();
    await expect.poll(async () => (await read()).own, POLL).toBe(false);
    const inherited = (await read()).value;
    const fourth = await visit(3);
    expect(tooMany(fourth)?.evidence.limit ?? inherited).toBe(inherited);
    await office.close();
  });

  it('the town removes a home point on the person page (reason, confirmation); the place flag of a visit this month goes', async () => {
    const townT = await apiToken('hantai');
    const visitorT = await apiToken('visitor1');
    const bundle = (await apiCall(visitorT, 'GET', '/api/visitor/bundle')).body;
    const active = (bundle.persons as { id: number; status: string }[]).filter((p) => p.status === 'active');
    let personId: number | undefined;
    for (const p of active.reverse())
      if ((await apiCall(townT, 'GET', `/api/persons/${p.id}`)).status === 200) {
        personId = p.id;
        break;
      }
    expect(personId).toBeDefined();
    const home = { latitude: 40.2, longitude: 110.3 };
    expect((await apiCall(townT, 'PUT', `/api/persons/${personId}/home-point`, home)).status).toBe(200);
    const v = await apiCall(visitorT, 'POST', '/api/visits', {
      clientId: crypto.randomUUID(),
      personId,
      at: new Date(Date.now() - 60_000).toISOString(),
      method: 'in_person',
      outcome: 'not_home',
      location: { consent: true, latitude: 40.7, longitude: 110.3, accuracy: 15 },
    });
    expect(v.status).toBe(201);
    const rules = async () =>
      ((await apiCall(townT, 'GET', `/api/visits/${v.body.id}`)).body.authenticity?.signals ?? []).map(
        (x: { rule: string }) => x.rule,
      );
    expect(await rules()).toContain('place');

    const office = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    const page = await office.newPage();
    await loginAs(page, 'hantai');
    await page.waitForURL(/\/($|\?)/);
    await page.goto(`${baseUrl()}/persons/${personId}?tab=home-point`);
    await page.getByRole('button', { name: '删除坐标' }).click();
    const dialog = page.getByRole('dialog', { name: '删除住址坐标？' });
    await dialog.getByLabel('删除原因').fill('坐标录错，待重新核实');
    const removed = page.waitForResponse(
      (r) => r.url().includes(`/api/persons/${personId}/home-point`) && r.request().method() === 'DELETE',
    );
    await dialog.getByRole('button', { name: /^删\s*除$/ }).click();
    const answer = await removed;
    if (answer.status() !== 204)
      throw new Error(`DELETE home-point: ${answer.status()} ${await answer.text()}`);
    await page.getByText('尚未确认住址坐标').waitFor();
    await expect.poll(rules, POLL).not.toContain('place');
    const hp = (await apiCall(townT, 'GET', `/api/persons/${personId}/home-point`)).body;
    expect(hp.current).toBeNull();
    expect(hp.history[0]).toMatchObject({ removed: true, note: '坐标录错，待重新核实' });
    await page.getByText('删除：坐标录错，待重新核实').waitFor();
    await office.close();
  });
});
