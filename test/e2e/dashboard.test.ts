import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOWNS } from '../../src/server/seed/areas.js';
import { baseUrl, hasChromium, launch, loginAs, SKIP_REASON } from './browser.js';

if (!hasChromium()) console.warn(SKIP_REASON);

/** The month before the current one in China time, as 'YYYY-MM' (a whole month of demo data). */
function lastMonth(): string {
  const d = new Date(Date.now() + 8 * 3600000);
  const m = d.getUTCMonth(); // 0-based: the previous month's 1-based number
  return m === 0 ? `${d.getUTCFullYear() - 1}-12` : `${d.getUTCFullYear()}-${String(m).padStart(2, '0')}`;
}

const rows = (page: Page) => page.locator('.ant-table-tbody tr.ant-table-row');
// The dashboard's child areas' table (the outreach card below it has a table of its own).
const townRows = (page: Page) =>
  page.locator('[data-testid=children-table] .ant-table-tbody tr.ant-table-row');

/** Waits until the drill-down shows its total, loads every page and returns [total, rows shown]. */
async function drillDown(page: Page): Promise<[number, number]> {
  const total = page.getByTestId('records-total');
  await page.waitForFunction(() =>
    /^\d+$/.test(document.querySelector('[data-testid=records-total]')?.textContent ?? ''),
  );
  const n = Number(await total.innerText());
  for (;;) {
    const more = page.getByRole('button', { name: '加载更多' });
    if ((await more.count()) === 0) break;
    await more.click();
    await page.waitForTimeout(300);
  }
  if (n > 0) await rows(page).first().waitFor();
  await page
    .waitForFunction(
      (want) => document.querySelectorAll('.ant-table-tbody tr.ant-table-row').length === want,
      n,
      { timeout: 15000 },
    )
    .catch(() => undefined);
  return [n, await rows(page).count()];
}

describe.runIf(hasChromium())('oversight dashboards in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the bureau dashboard draws its charts and the town table; a number opens a drill-down of as many records', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    await loginAs(page, 'admin');
    await page.waitForURL(`${baseUrl()}/`);
    const period = lastMonth();
    await page.goto(`${baseUrl()}/?period=${period}`);
    await page.getByTestId('oversight-dashboard').waitFor();
    // ECharts (SVG renderer) has drawn shapes: a bar per town and series, a line per series.
    await page.locator('[data-testid=children-chart] svg path').first().waitFor({ state: 'attached' });
    await page.locator('[data-testid=trend-chart] svg path').first().waitFor({ state: 'attached' });
    expect(await page.locator('[data-testid=children-chart] svg path').count()).toBeGreaterThan(TOWNS.length);
    expect(await page.locator('[data-testid=trend-chart] svg path').count()).toBeGreaterThan(3);
    expect(await page.locator('[data-testid=children-chart] svg').innerHTML()).toContain('罕台镇');
    // The town table: one row per town, every town named.
    await townRows(page).first().waitFor();
    expect(await townRows(page).count()).toBe(TOWNS.length);
    const table = await page.locator('[data-testid=children-table] .ant-table-tbody').innerText();
    for (const t of TOWNS) expect(table).toContain(t.name);
    await page.waitForTimeout(500); // chart animations settle before the picture
    await page.screenshot({ path: '/tmp/h3-dash.png', fullPage: true });
    await page.screenshot({ path: 'test-output/e2e/dashboard.png', fullPage: true });

    // A count in the town table: the drill-down lists exactly that many records.
    const counts = await townRows(page).getByTestId('figure-missed').allInnerTexts();
    const pick = counts.findIndex((t) => Number(t) > 0);
    expect(pick, `missed per town: ${counts.join(',')}`).toBeGreaterThanOrEqual(0);
    const missed = Number(counts[pick]);
    await townRows(page).getByTestId('figure-missed').nth(pick).click();
    await page.waitForURL(/\/oversight\/records\?/);
    expect(await drillDown(page)).toEqual([missed, missed]);

    // The district's coverage: numerator/denominator under the big figure; the drill-down lists the
    // denominator's records, and "only counted" the numerator's.
    await page.goto(`${baseUrl()}/?period=${period}`);
    const big = page.getByTestId('oversight-dashboard').getByTestId('figure-coverage').first();
    await big.waitFor();
    const [, num, den] = (await big.innerText()).match(/(\d+)\s*\/\s*(\d+)/)!.map(Number);
    expect(den).toBeGreaterThan(0);
    await big.click();
    await page.waitForURL(/\/oversight\/records\?/);
    expect(await drillDown(page)).toEqual([den, den]);
    await page.getByText(/^仅/).click();
    await page.waitForFunction(
      (want) => document.querySelector('[data-testid=records-total]')?.textContent === String(want),
      num,
    );
    expect(await drillDown(page)).toEqual([num, num]);
    await page.close();
  });
});

describe.runIf(hasChromium())('monthly report in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the console generates and keeps a report with a POST (the GET only previews), and lists it', async () => {
    const page = await browser.newPage({
      viewport: { width: 1440, height: 900 },
      locale: 'zh-CN',
      acceptDownloads: true,
    });
    await loginAs(page, 'admin');
    await page.waitForURL(`${baseUrl()}/`);
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/reports/monthly')) posts.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    await page.goto(`${baseUrl()}/oversight/ledgers`);
    const rowsBefore = await page
      .locator('.ant-card:has-text("探访工作月报") .ant-table-tbody tr.ant-table-row')
      .count();
    await page.getByRole('button', { name: /生成 .* 月报/ }).click();
    await page.waitForFunction(
      (n) => document.querySelectorAll('.ant-card .ant-table-tbody tr.ant-table-row').length > n,
      rowsBefore,
      { timeout: 60000 },
    );
    expect(posts).toEqual(['POST /api/reports/monthly']);
    await page.close();
  }, 120000);
});
