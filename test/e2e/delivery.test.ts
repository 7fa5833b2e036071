import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, hasChromium, launch, SKIP_REASON, usableAt, watchUsable } from './browser.js';

if (!hasChromium()) console.warn(SKIP_REASON);

const DIST = join(import.meta.dirname, '../../dist/web');
const OUT = 'test-output/e2e';
/** A township office line: 2 Mbit/s down, 1 Mbit/s up, 300 ms round trip. */
const OFFICE_LINE = { offline: false, latency: 300, downloadThroughput: 250_000, uploadThroughput: 125_000 };

/** Bytes on the wire (headers and compressed body) per request, by resource type, read from CDP. */
function wireMeter(cdp: CDPSession) {
  const kinds = new Map<string, { type: string; url: string }>();
  const done: { type: string; url: string; bytes: number }[] = [];
  cdp.on('Network.responseReceived', (e) => kinds.set(e.requestId, { type: e.type, url: e.response.url }));
  cdp.on('Network.loadingFinished', (e) => {
    const k = kinds.get(e.requestId);
    if (k) done.push({ ...k, bytes: e.encodedDataLength });
  });
  return {
    reset: () => done.splice(0),
    script: () => done.filter((d) => d.type === 'Script').reduce((n, d) => n + d.bytes, 0),
    total: () => done.reduce((n, d) => n + d.bytes, 0),
    count: () => done.length,
    list: () =>
      done
        .filter((d) => d.type === 'Script')
        .map((d) => `${d.url.replace(/^.*\//, '')} ${(d.bytes / 1024).toFixed(1)}`),
  };
}

async function throttled(browser: Browser, network = OFFICE_LINE, cpu = 1) {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  const meter = wireMeter(cdp);
  await cdp.send('Network.emulateNetworkConditions', network);
  if (cpu > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpu });
  return { ctx, page, cdp, meter };
}

/** The login form can be used: both fields visible and the button enabled. */
async function loginUsable(page: Page) {
  await page.getByLabel('用户名').waitFor();
  await page.getByLabel('密码').waitFor();
  await page.getByRole('button', { name: /登\s*录/ }).isEnabled();
}

/** The HTML document's bytes on the wire. */
const navigationBytes = (page: Page) =>
  page.evaluate(
    () => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).transferSize,
  );

const KB = (n: number) => (n / 1024).toFixed(1);

describe.runIf(hasChromium())(
  'what leaves the server: compression, caching, console load on a slow line',
  () => {
    let browser: Browser;
    let ctx: BrowserContext | undefined;
    beforeAll(async () => {
      browser = await launch();
    });
    afterAll(async () => {
      await ctx?.close();
      await browser?.close();
    });

    it('built files go out brotli- or gzip-compressed; hashed assets are immutable for a year, pages and the service worker are revalidated', async () => {
      const html = readFileSync(join(DIST, 'index.html'), 'utf8');
      const script = html.match(/src="(\/assets\/[^"]+\.js)"/)![1];
      const raw = readFileSync(join(DIST, script));
      const get = (path: string, encoding?: string) =>
        fetch(`${baseUrl()}${path}`, { headers: encoding ? { 'accept-encoding': encoding } : {} }).then(
          async (r) => ({ r, body: Buffer.from(await r.arrayBuffer()) }),
        );
      // Node's fetch would inflate for us; asking with decompress off is not possible, so the raw
      // bytes are read through a plain request instead.
      const rawGet = async (path: string, encoding: string) => {
        const { request } = await import('node:http');
        return new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>(
          (resolve, reject) => {
            const req = request(
              `${baseUrl()}${path}`,
              { headers: { 'accept-encoding': encoding } },
              (res) => {
                const parts: Buffer[] = [];
                res.on('data', (c) => parts.push(c));
                res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
              },
            );
            req.on('error', reject);
            req.end();
          },
        );
      };
      const br = await rawGet(script, 'gzip, deflate, br');
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(br.headers.vary).toMatch(/accept-encoding/i);
      expect(brotliDecompressSync(br.body).equals(raw)).toBe(true);
      expect(br.body.length).toBeLessThan(raw.length / 2);
      const gz = await rawGet(script, 'gzip');
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gz.body).equals(raw)).toBe(true);
      const plain = await rawGet(script, 'identity');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body.equals(raw)).toBe(true);

      for (const page of ['/login', '/persons/12', '/m/', '/visitor-sw.js', '/m/manifest.webmanifest']) {
        const { r } = await get(page, 'br');
        expect(r.status, page).toBe(200);
        expect(r.headers.get('cache-control'), page).toBe('no-cache');
        expect(r.headers.get('etag') ?? r.headers.get('last-modified'), page).toBeTruthy();
      }
      // A JSON answer of some size is compressed too (brotli at a low quality, on the fly).
      const login = await fetch(`${baseUrl()}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'Demo@2026' }),
      });
      const cookie = login.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const { request } = await import('node:http');
      const areas = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve) => {
        request(`${baseUrl()}/api/areas`, { headers: { cookie, 'accept-encoding': 'br' } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c) => parts.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
        }).end();
      });
      expect(areas.headers['content-encoding']).toBe('br');
      expect(areas.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(brotliDecompressSync(areas.body).toString()).length).toBeGreaterThan(0);
    });

    it('console on a 2 Mbit/s, 300 ms line: the login page is usable within 2.5 s on ≤ 150 KB of script; the dashboard follows on ≤ 450 KB', async () => {
      const t = await throttled(browser);
      ctx = t.ctx;
      await watchUsable(t.page, 'form button[type=submit]');
      await t.page.goto(`${baseUrl()}/login`);
      await loginUsable(t.page);
      // From the navigation's start, timed by the page.
      const loginMs = await usableAt(t.page);
      // What had arrived when the form became usable, by the page's own clock (the console's idle
      // prefetch starts after that and is not the login page's).
      const arrived = await t.page.evaluate(
        (until) =>
          (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
            .filter((e) => e.responseEnd <= until)
            .map((e) => ({ script: e.name.endsWith('.js'), bytes: e.transferSize })),
        loginMs,
      );
      const loginScript = arrived.filter((a) => a.script).reduce((n, a) => n + a.bytes, 0);
      const loginTotal = arrived.reduce((n, a) => n + a.bytes, 0) + (await navigationBytes(t.page));
      await t.page.screenshot({ path: `${OUT}/login-slow-line.png` });

      const t1 = Date.now();
      await t.page.getByLabel('用户名').fill('admin');
      await t.page.getByLabel('密码').fill('Demo@2026');
      await t.page.getByRole('button', { name: /登\s*录/ }).click();
      // Usable: the figures are there (links into the records) and the towns' table has its rows.
      await t.page.locator('[data-testid^=figure-]').first().waitFor({ timeout: 60000 });
      await t.page.locator('.ant-table-tbody tr.ant-table-row').first().waitFor({ timeout: 60000 });
      const dashboardMs = Date.now() - t1;
      const dashboardScript = t.meter.script();
      // The charts follow: ECharts is fetched after the figures (echart.tsx).
      await t.page
        .locator('[data-testid=trend-chart] svg path')
        .first()
        .waitFor({ state: 'attached', timeout: 60000 });
      const chartsMs = Date.now() - t1;
      await t.page.waitForLoadState('networkidle');
      console.log(
        `[console] 2 Mbit/s, 300 ms RTT: login usable ${loginMs} ms (script ${KB(loginScript)} KB, all ${KB(loginTotal)} KB on the wire); login → dashboard figures and table ${dashboardMs} ms on ${KB(dashboardScript)} KB of script from cold; charts drawn at ${chartsMs} ms, all script ${KB(t.meter.script())} KB, everything ${KB(t.meter.total())} KB in ${t.meter.count()} requests`,
      );
      await t.page.screenshot({ path: `${OUT}/dashboard-slow-line.png` });
      if (process.env.E2E_LIST) console.log(t.meter.list().join('\n'));
      expect(loginScript).toBeLessThanOrEqual(150 * 1024);
      expect(loginMs).toBeLessThanOrEqual(2500);
      // Issue 26's budget. (For a day it was 460 KB: four modules' menu entries, labels and figure group
      // had brought the first screen to 448–454 KB; the month select instead of antd's date picker and the
      // risks' own module took ~33 KB back off.)
      expect(dashboardScript).toBeLessThanOrEqual(450 * 1024);
      await t.ctx.close();
      ctx = undefined;
    });
  },
);
