/**
 * The web client in Chromium: two browsers and a text-mode client in one
 * room, hostile text rendered inert, the security headers, no console
 * errors, and the phone layout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  haveChromium,
  launch,
  loginAs,
  messageTexts,
  openPage,
  send,
  waitUntil,
  webServer,
} from './browser.ts';

const skip = haveChromium() ? false : 'Debian chromium is not installed (.ci/run installs it)';

test(
  'two browsers and a text client chat in one room; each sees every line once',
  { skip },
  async (t) => {
    const h = await webServer(t);
    const browser = await launch(t);
    const ada = await openPage(browser, h.url);
    const bea = await openPage(browser, h.url);
    await loginAs(ada.page, 'ada');
    await loginAs(bea.page, 'bea');
    const carl = await h.text('carl');

    await send(ada.page, 'hello from ada');
    await carl.waitForLine(/<ada> hello from ada$/u);
    await send(bea.page, 'hello from bea');
    await carl.waitForLine(/<bea> hello from bea$/u);
    carl.write('hello from carl');
    await carl.waitForLine(/<carl> hello from carl$/u);

    const expected = ['ada hello from ada', 'bea hello from bea', 'carl hello from carl'];
    for (const { page } of [ada, bea]) {
      const log = page.getByRole('log');
      await log.getByText('hello from carl').waitFor();
      // Own lines lose "sending" once acknowledged.
      await page.locator('.message.pending').waitFor({ state: 'detached' });
      assert.deepEqual(await messageTexts(page), expected);
    }
    assert.deepEqual(ada.errors, []);
    assert.deepEqual(bea.errors, []);
  },
);

test(
  'hostile text from another user renders as inert text; only http(s) become links',
  { skip },
  async (t) => {
    const h = await webServer(t);
    const browser = await launch(t);
    const { page, errors } = await openPage(browser, h.url);
    await page.exposeFunction('natterPwned', () => errors.push('script from a message ran'));
    await loginAs(page, 'ada');
    const mallory = await h.native('mallory');
    const hostile = [
      '<img src=x onerror="window.natterPwned()">',
      '<script>window.natterPwned()</script>',
      '[click](javascript:window.natterPwned()) javascript:window.natterPwned()',
      'see https://example.org/a?b=1 and <b>bold</b>',
    ];
    for (const text of hostile) {
      const id = mallory.newId();
      mallory.send({ type: 'say', id, text, room: '#lobby' });
      await mallory.waitFor('ack', { id });
    }
    const log = page.getByRole('log');
    await log.getByText('see https://example.org').waitFor();
    // The markup arrives as the very characters that were sent.
    assert.deepEqual(
      await messageTexts(page),
      hostile.map((text) => `mallory ${text}`),
    );
    assert.equal(await log.locator('img, script, b').count(), 0);
    const links = log.getByRole('link');
    assert.equal(await links.count(), 1, 'only the https URL is a link');
    assert.equal(await links.first().getAttribute('href'), 'https://example.org/a?b=1');
    assert.equal(await links.first().getAttribute('rel'), 'noopener noreferrer');
    // Clicking the javascript: text does nothing either.
    await log.getByText('javascript:window.natterPwned()', { exact: false }).first().click();
    assert.deepEqual(errors, []);
  },
);

test(
  'the page is served with a strict CSP and the security headers, and loads with no console errors',
  { skip },
  async (t) => {
    const h = await webServer(t);
    const browser = await launch(t);
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    const response = await page.goto(h.url);
    assert.ok(response);
    const headers = response.headers();
    const csp = headers['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/u);
    assert.match(csp, /script-src 'self'(;|$)/u);
    assert.match(csp, /style-src 'self'(;|$)/u);
    assert.match(csp, /connect-src 'self'/u);
    assert.match(csp, /frame-ancestors 'none'/u);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/u);
    assert.equal(headers['x-content-type-options'], 'nosniff');
    assert.equal(headers['referrer-policy'], 'no-referrer');
    assert.equal(headers['cache-control'], 'no-cache');
    // A self-signed certificate gets no HSTS: that would lock browsers out of accepting it.
    assert.equal(headers['strict-transport-security'], undefined);
    await loginAs(page, 'ada');
    await send(page, 'all quiet');
    await page.getByRole('log').getByText('all quiet').waitFor();
    assert.deepEqual(errors, [], 'no console errors, CSP violations included');
  },
);

test(
  'at 360x740 the message box is visible and usable, and the room list opens',
  { skip },
  async (t) => {
    const h = await webServer(t);
    const browser = await launch(t);
    const { page, errors } = await openPage(browser, h.url, { width: 360, height: 740 });
    await page.getByLabel('Name').fill('ada');
    await page.getByRole('button', { name: 'Log in' }).click();
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.waitFor();
    const rect = await box.boundingBox();
    assert.ok(rect, 'the message box is laid out');
    assert.ok(
      rect.x >= 0 && rect.x + rect.width <= 360,
      `inside the width: ${JSON.stringify(rect)}`,
    );
    assert.ok(
      rect.y >= 0 && rect.y + rect.height <= 740,
      `inside the height: ${JSON.stringify(rect)}`,
    );
    const send = page.getByRole('button', { name: 'Send' });
    const sendRect = await send.boundingBox();
    assert.ok(sendRect && sendRect.x + sendRect.width <= 360, 'the Send button is on screen');
    // Nothing wider than the screen: no sideways scrolling.
    assert.equal(await page.evaluate('document.documentElement.scrollWidth'), 360);
    await box.fill('typed on a phone');
    await send.click();
    await page.getByRole('log').getByText('typed on a phone').waitFor();
    // The room list is behind the Rooms button; Escape closes it again.
    const nav = page.getByRole('navigation', { name: 'Rooms' });
    assert.equal(await nav.isVisible(), false);
    await page.getByRole('button', { name: /^Rooms/ }).click();
    await nav.getByRole('button', { name: /^#lobby/ }).waitFor();
    await page.keyboard.press('Escape');
    await nav.waitFor({ state: 'hidden' });
    // A shorter visual viewport (an on-screen keyboard) keeps the box on screen.
    await page.setViewportSize({ width: 360, height: 400 });
    await waitUntil(async () => {
      const r = await box.boundingBox();
      return r !== null && r.y >= 0 && r.y + r.height <= 400;
    }, 'the message box inside the shorter viewport');
    const shrunk = await box.boundingBox();
    assert.ok(
      shrunk && shrunk.y + shrunk.height <= 400,
      `above the keyboard: ${JSON.stringify(shrunk)}`,
    );
    assert.deepEqual(errors, []);
  },
);
