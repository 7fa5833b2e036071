import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, hasChromium, launch, loginAs, SKIP_REASON } from './browser.js';

if (!hasChromium()) console.warn(SKIP_REASON);

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PHONE = { viewport: { width: 360, height: 740 }, locale: 'zh-CN', isMobile: true, hasTouch: true };

interface Finding {
  page: string;
  rule: string;
  impact: string;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules) on what the page shows now and returns the serious and
 * critical violations. axe is evaluated through the DevTools protocol, which the page's CSP does not
 * govern, so the page is tested with its real policy.
 */
async function axe(page: Page, name: string): Promise<Finding[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const w = window as unknown as {
      axe: {
        run: (
          ctx: Document,
          opts: object,
        ) => Promise<{
          violations: {
            id: string;
            impact: string;
            help: string;
            nodes: { target: string[]; html: string; failureSummary: string }[];
          }[];
        }>;
      };
    };
    const r = await w.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      rule: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes
        .slice(0, 5)
        .map(
          (n) => `${n.target.join(' ')} ${n.html.slice(0, 160)} — ${n.failureSummary.split('\n')[1] ?? ''}`,
        ),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ page: name, ...v }));
}

/** Waits until a console page has rendered (the spinner of a lazy page gone, the content in). */
async function settled(page: Page) {
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(() => !document.querySelector('.ant-spin-spinning'), undefined, {
    timeout: 30000,
  });
  await page.waitForTimeout(300);
}

const report = (all: Finding[]) =>
  all.map((f) => `${f.page}: [${f.impact}] ${f.rule} (${f.help})\n    ${f.nodes.join('\n    ')}`).join('\n');

describe.runIf(hasChromium())(
  'accessibility (axe-core, WCAG 2.1 AA): no serious or critical violation',
  () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launch();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('the console login page, and every console page for the bureau admin and a town officer', async () => {
      const found: Finding[] = [];
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
      await page.goto(`${baseUrl()}/login`);
      await page.getByLabel('用户名').waitFor();
      found.push(...(await axe(page, '/login')));
      // The login page with its validation and error messages shown.
      await page.getByRole('button', { name: /登\s*录/ }).click();
      found.push(...(await axe(page, '/login (empty fields)')));
      await page.getByLabel('用户名').fill('admin');
      await page.getByLabel('密码').fill('wrong-password');
      await page.getByRole('button', { name: /登\s*录/ }).click();
      await page.getByTestId('login-error').waitFor();
      found.push(...(await axe(page, '/login (wrong password)')));

      const token = await (
        await fetch(`${baseUrl()}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'admin', password: 'Demo@2026' }),
        })
      ).json();
      const auth = { authorization: `Bearer ${token.token}` };
      const persons = await (await fetch(`${baseUrl()}/api/persons?limit=1`, { headers: auth })).json();
      const personId = persons.items?.[0]?.id;
      const visits = await (await fetch(`${baseUrl()}/api/visits?limit=1`, { headers: auth })).json();
      const visitId = visits.items?.[0]?.id;

      const pages = [
        '/',
        '/oversight/assessment',
        '/oversight/ledgers',
        '/oversight/records?metric=coverage',
        '/visit-tasks',
        '/visit-campaigns',
        '/visit-settings',
        '/incidents',
        '/concerns',
        '/referrals',
        '/inbox',
        '/audit',
        '/account',
        '/notification-settings',
        '/persons',
        '/persons/import',
        ...(personId ? [`/persons/${personId}`] : []),
        ...(visitId ? [`/visits/${visitId}`] : []),
        '/visitors',
        '/caregivers',
        '/care-agreements',
        '/caregiver-reviews',
        '/care-replacements',
        '/payments',
        '/outreach/activities',
        '/outreach/organisations',
        '/users',
        '/areas',
        '/signals',
        '/signal-settings',
        '/authenticity',
        '/authenticity?tab=spot',
        '/authenticity?tab=rules',
      ];
      await loginAs(page, 'admin');
      await page.waitForURL(`${baseUrl()}/`);
      for (const path of pages) {
        await page.goto(`${baseUrl()}${path}`);
        await settled(page);
        found.push(...(await axe(page, `admin ${path}`)));
      }
      await page.context().clearCookies();
      await loginAs(page, 'hantai');
      await page.waitForURL(`${baseUrl()}/`);
      for (const path of [
        '/',
        '/visit-tasks',
        '/visits/new',
        '/persons',
        '/outreach/activities?new=1',
        '/authenticity',
        '/authenticity?tab=rules',
      ]) {
        await page.goto(`${baseUrl()}${path}`);
        await settled(page);
        found.push(...(await axe(page, `hantai ${path}`)));
      }
      await page.close();
      expect(found, report(found)).toEqual([]);
    }, 400_000);

    it('every screen of the phone app', async () => {
      const found: Finding[] = [];
      const ctx = await browser.newContext(PHONE);
      const page = await ctx.newPage();
      await page.goto(`${baseUrl()}/m/`);
      await page.getByLabel('用户名').waitFor();
      found.push(...(await axe(page, 'phone login')));
      await page.getByLabel('用户名').fill('visitor1');
      await page.getByLabel('密码').fill('Demo@2026');
      await page.getByRole('button', { name: '登录' }).click();
      await page.getByTestId('task-list').waitFor();
      found.push(...(await axe(page, 'phone tasks')));
      for (const tab of ['persons', 'recent', 'inbox', 'me']) {
        await page.getByTestId(`tab-${tab}`).click();
        await page.waitForTimeout(300);
        found.push(...(await axe(page, `phone ${tab}`)));
      }
      await page.getByTestId('tab-persons').click();
      await page.locator('.prow').first().click();
      await page.getByTestId('person-name').waitFor();
      found.push(...(await axe(page, 'phone person')));
      await page.getByTestId('record-visit').click();
      await page.getByTestId('save-visit').waitFor();
      found.push(...(await axe(page, 'phone visit form')));
      // The form with its problems shown (saved without answers).
      await page.getByTestId('save-visit').click();
      await page.waitForTimeout(300);
      found.push(...(await axe(page, 'phone visit form (errors)')));
      await ctx.close();
      expect(found, report(found)).toEqual([]);
    });
  },
);
