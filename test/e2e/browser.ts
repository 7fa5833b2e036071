import { type Browser, chromium, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { checkDigit } from '../../src/shared/id-card.js';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const baseUrl = () => inject('e2eUrl');
/** Browser tests run only where Debian's Chromium is installed (CI installs it). */
export const hasChromium = () => baseUrl() !== '';
export const SKIP_REASON = `Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" to run the browser tests`;

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // The console then turns antd's animations off (app.tsx): no click lands on a dialog still
      // zooming in (CI lost one so, on 预警信息's 核对 dialog).
      '--force-prefers-reduced-motion',
    ],
  });
}

export async function loginAs(page: Page, username: string, password = 'Demo@2026') {
  await page.goto(`${baseUrl()}/login`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: /登\s*录/ }).click();
}

/**
 * Records in the page, from the navigation's start, when `selector` first matches an element that is
 * shown (checked every animation frame): `usableAt(page)` reads it. Timed by the page itself, so the
 * harness's own latency (a new context, polling from the test process) is not counted.
 */
export async function watchUsable(page: Page, selector: string) {
  await page.addInitScript((sel) => {
    const w = window as unknown as { __usableAt?: number };
    const check = () => {
      const el = document.querySelector<HTMLElement>(sel);
      if (el && el.offsetParent !== null && !(el as HTMLInputElement).disabled)
        w.__usableAt = performance.now();
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  }, selector);
}

export async function usableAt(page: Page): Promise<number> {
  await page.waitForFunction(() => (window as unknown as { __usableAt?: number }).__usableAt !== undefined);
  return Math.round(await page.evaluate(() => (window as unknown as { __usableAt: number }).__usableAt));
}

/** A valid ID number (shared/id-card's check digit) born on `birth` (YYYY-MM-DD), unlikely to exist. */
export function freshIdNumber(birth: string): string {
  const first17 = `150602${birth.replace(/-/g, '')}${String(Math.floor(Math.random() * 900) + 100)}`;
  return first17 + checkDigit(first17);
}

/** A bearer token, for checking the server's side through the API (what an office would see). */
export async function apiToken(username: string, password = 'Demo@2026'): Promise<string> {
  const res = await fetch(`${baseUrl()}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return (await res.json()).token;
}

/** An API call with a bearer token: the status and the JSON answer (null when none). */
export async function apiCall(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${baseUrl()}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}
