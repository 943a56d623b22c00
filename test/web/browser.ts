/**
 * Browser tests' harness: Debian's Chromium driven by playwright-core,
 * headless, with a fresh profile per launch (playwright makes a new
 * user-data dir each time), and a natter server serving the built client.
 */
import { existsSync } from 'node:fs';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
} from 'playwright-core';
import { buildWeb } from '../../web/build.ts';
import { serverFor, type Harness, type Teardown } from '../helpers/server.ts';
import type { Limits } from '../../src/protocol/limits.ts';

export const CHROMIUM = process.env.NATTER_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
/** How long a browser-side wait may take before the test fails (a loaded machine is slow). */
export const BROWSER_WAIT_MS = 20_000;

export function haveChromium(): boolean {
  return existsSync(CHROMIUM);
}

export async function launch(t: Teardown): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  t.after(() => browser.close());
  return browser;
}

/** A server with the current web client built and served. */
export async function webServer(
  t: Teardown,
  options: { limits?: Partial<Limits>; dataDir?: string } = {},
): Promise<Harness & { url: string }> {
  await buildWeb({ quiet: true });
  const h = await serverFor(t, options);
  return { ...h, url: `https://localhost:${h.port}/` };
}

/** A page in its own context (its own storage: one person), collecting console errors. */
export async function openPage(
  browser: Browser,
  url: string,
  options: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true, // the test server's certificate is self-signed
    viewport: { width: options.width ?? 1100, height: options.height ?? 720 },
    colorScheme: options.colorScheme ?? 'light',
  });
  context.setDefaultTimeout(BROWSER_WAIT_MS);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(url);
  return { context, page, errors };
}

/** Logs in as a guest and waits until the room list shows #lobby. */
export async function loginAs(page: Page, name: string): Promise<void> {
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page
    .getByRole('navigation', { name: 'Rooms' })
    .getByRole('button', { name: /^#lobby/ })
    .waitFor();
}

/** Types a line in the message box and presses Enter. */
export async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

/** The text of every message line in the log, in order. */
export async function messageTexts(page: Page): Promise<string[]> {
  return page.getByRole('log').locator('.message .body').allInnerTexts();
}

/**
 * Waits until `check` holds, asking again after each short pause. (Pages
 * are tested under their real CSP, which forbids the string evaluation
 * page.waitForFunction relies on.)
 */
export async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + BROWSER_WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function waitForCount(locator: Locator, count: number): Promise<void> {
  return waitUntil(async () => (await locator.count()) === count, `${count} of ${locator}`);
}
