/**
 * The web client's everyday features in Chromium: scroll-back paging that
 * keeps the reader's place, private conversations, typed commands, the
 * keyboard, and failed sends with a retry.
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
  waitForCount,
  webServer,
} from './browser.ts';

const skip = haveChromium() ? false : 'Debian chromium is not installed (.ci/run installs it)';
const NO_FLOOD = { floodBurst: 100_000, floodPerSecond: 100_000, floodQueue: 100_000 };

test(
  'scrolling up loads older pages and keeps the lines being read in place',
  { skip },
  async (t) => {
    const h = await webServer(t, { limits: NO_FLOOD });
    const bob = await h.native('bob');
    let last = '';
    for (let i = 1; i <= 120; i++) {
      last = bob.newId();
      bob.send({ type: 'say', id: last, text: `line ${i}`, room: '#lobby' });
    }
    await bob.waitFor('ack', { id: last });
    const browser = await launch(t);
    const { page, errors } = await openPage(browser, h.url, { height: 600 });
    await loginAs(page, 'ada');
    const log = page.getByRole('log');
    await log.getByText('line 120', { exact: true }).waitFor();
    assert.equal((await messageTexts(page)).length, 50, 'joining replays the last 50');

    // [the oldest line shown, which the reader is looking at at the top; lines after the page]
    for (const [top, expected] of [
      [71, 100],
      [21, 120],
    ] as const) {
      const anchor = log.getByText(`line ${top}`, { exact: true });
      await page.evaluate("document.querySelector('[role=log]').scrollTop = 0");
      await log.getByText(`line ${121 - expected}`, { exact: true }).waitFor();
      await waitForCount(log.locator('.message'), expected);
      // What was at the top before the page came stays in view: nothing jumps.
      const box = await anchor.boundingBox();
      const view = await log.boundingBox();
      assert.ok(
        box && view && box.y >= view.y - 1 && box.y < view.y + view.height,
        JSON.stringify({ box, view }),
      );
    }
    await log.getByText('the beginning of #lobby').waitFor();
    const all = await messageTexts(page);
    assert.deepEqual(
      all,
      Array.from({ length: 120 }, (_, i) => `bob line ${i + 1}`),
    );
    assert.deepEqual(errors, []);
  },
);

test('private conversations, typed commands and the keyboard', { skip }, async (t) => {
  const h = await webServer(t);
  const browser = await launch(t);
  const { page, errors } = await openPage(browser, h.url);
  await loginAs(page, 'ada');
  const bob = await h.native('bob');
  const rooms = page.getByRole('navigation', { name: 'Rooms' });

  bob.send({ type: 'msg', id: 'p1', to: 'ada', text: 'psst, ada' });
  await rooms.getByRole('button', { name: 'bob, 1 unread, mentioned' }).click();
  await page.getByRole('log').getByText('psst, ada').waitFor();
  await send(page, 'hi bob, privately');
  const reply = await bob.waitFor('message', { text: 'hi bob, privately' });
  assert.equal(reply.to, 'bob');
  assert.equal(reply.room, undefined);

  // Alt+Up goes back to #lobby; commands act on the room in view.
  await page.getByRole('textbox', { name: 'Message' }).press('Alt+ArrowUp');
  await rooms
    .getByRole('button', { name: '#lobby' })
    .and(page.locator('[aria-current=page]'))
    .waitFor();
  await send(page, '/me waves');
  const action = await bob.waitFor('message', { kind: 'me', text: 'waves' });
  assert.equal(action.room, '#lobby');
  await send(page, '/topic');
  await page.getByRole('log').getByText('topic: (none)').waitFor();
  // A refusal without a message to hang it on is shown in the log, with its code.
  await send(page, '/topic launch at noon');
  await page
    .getByRole('log')
    .getByText(/^unauthorized: only operators of #lobby/u)
    .waitFor();
  await send(page, '/join #ops');
  await rooms
    .getByRole('button', { name: '#ops' })
    .and(page.locator('[aria-current=page]'))
    .waitFor();
  await send(page, 'in ops now');
  await page.getByRole('log', { name: 'Messages in #ops' }).getByText('in ops now').waitFor();
  await send(page, '/frobnicate');
  await page.getByRole('log').getByText('unknown command /frobnicate').waitFor();
  await send(page, '/leave');
  await rooms.getByRole('button', { name: '#ops' }).waitFor({ state: 'detached' });

  // Shift+Enter makes a new line; Enter sends each line as a message.
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill('first line');
  await box.press('Shift+Enter');
  await box.pressSequentially('second line');
  assert.equal(await box.inputValue(), 'first line\nsecond line');
  await box.press('Enter');
  await bob.waitFor('message', { text: 'first line' });
  await bob.waitFor('message', { text: 'second line' });
  assert.equal(await box.inputValue(), '');

  // /help opens a dialog; Escape closes it.
  await send(page, '/help');
  const help = page.getByRole('dialog', { name: 'Help' });
  await help.getByText('Alt+Up/Down').waitFor();
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'hidden' });
  // Every control is reachable with Tab.
  const focused = () => page.evaluate("document.activeElement?.id === 'message'");
  await page.getByRole('button', { name: 'Help' }).focus();
  for (let i = 0; i < 30 && !(await focused()); i++) await page.keyboard.press('Tab');
  assert.equal(await focused(), true);
  assert.deepEqual(errors, []);
});

test(
  'a refused message is marked failed with its reason, and Retry sends it again',
  { skip },
  async (t) => {
    const h = await webServer(t, { limits: { floodBurst: 1, floodPerSecond: 2, floodQueue: 0 } });
    const browser = await launch(t);
    const { page } = await openPage(browser, h.url);
    await loginAs(page, 'ada');
    const watcher = await h.native('watcher');
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('one\ntwo');
    await box.press('Enter');
    const failed = page.locator('.message.failed', { hasText: 'two' });
    await failed.getByText(/rate_limited/u).waitFor();
    // Retry until the flood bucket has room again: each attempt waits for its answer.
    for (let attempt = 0; attempt < 20; attempt++) {
      await failed.getByRole('button', { name: 'Retry' }).click();
      const outcome = await Promise.race([
        page
          .locator('.message.failed')
          .waitFor()
          .then(() => 'failed'),
        page
          .locator('.message.pending, .message.failed')
          .waitFor({ state: 'detached' })
          .then(() => 'stored'),
      ]);
      if (outcome === 'stored') break;
    }
    await watcher.waitFor('message', { text: 'two' });
    assert.deepEqual(await messageTexts(page), ['ada one', 'ada two']);
  },
);
