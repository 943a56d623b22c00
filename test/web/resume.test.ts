/**
 * The web client across a reload and across a server crash: history and the
 * unread marker come back where they were, and a message pending while the
 * server is killed with -9 is stored, acknowledged and shown exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { buildWeb } from '../../web/build.ts';
import { makeTempDir, NativeClient, ProcessLines } from '../helpers/server.ts';
import {
  haveChromium,
  launch,
  loginAs,
  messageTexts,
  openPage,
  send,
  webServer,
} from './browser.ts';

const skip = haveChromium() ? false : 'Debian chromium is not installed (.ci/run installs it)';
const ROOT = path.resolve(import.meta.dirname, '..', '..');

async function says(client: NativeClient, text: string, room = '#lobby'): Promise<void> {
  const id = client.newId();
  client.send({ type: 'say', id, text, room });
  await client.waitFor('ack', { id });
}

test('a reload shows the history and the unread marker where it was', { skip }, async (t) => {
  const h = await webServer(t);
  const browser = await launch(t);
  const { page, errors } = await openPage(browser, h.url);
  await loginAs(page, 'ada');
  const bea = await h.native('bea');
  await says(bea, 'one');
  await says(bea, 'two');
  await page.getByRole('log').getByText('two').waitFor();

  // ada looks at another room while three more lines arrive in #lobby.
  await page.getByLabel('Join room').fill('#dev');
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  const rooms = page.getByRole('navigation', { name: 'Rooms' });
  await rooms.getByRole('button', { name: '#dev', exact: true }).waitFor();
  for (const text of ['three', 'four', 'five']) await says(bea, text);
  await rooms.getByRole('button', { name: '#lobby, 3 unread' }).waitFor();

  await page.reload();
  // Logged in again by itself, in the room that was in view, the count unchanged.
  await rooms.getByRole('button', { name: '#lobby, 3 unread' }).waitFor();
  assert.equal(
    await rooms.getByRole('button', { name: '#dev', exact: true }).getAttribute('aria-current'),
    'page',
  );
  await rooms.getByRole('button', { name: /^#lobby/ }).click();
  const log = page.getByRole('log');
  await log.getByText('five').waitFor();
  await log.getByText('one').waitFor();
  assert.deepEqual(await messageTexts(page), [
    'bea one',
    'bea two',
    'bea three',
    'bea four',
    'bea five',
  ]);
  // The "new messages" line sits between what was read and what was not.
  const order = await log.locator('.message .body, .new-marker').allInnerTexts();
  const marker = order.indexOf('new messages');
  assert.ok(marker > 0, `a marker in ${JSON.stringify(order)}`);
  assert.match(String(order[marker - 1]), /two$/u);
  assert.match(String(order[marker + 1]), /three$/u);
  await rooms.getByRole('button', { name: '#lobby', exact: true }).waitFor(); // read now
  assert.deepEqual(errors, []);
});

/** `natter serve` as a child process; resolves with its port once it listens. */
async function spawnServer(
  dataDir: string,
  port: number,
): Promise<{ server: ProcessLines; port: number }> {
  const server = new ProcessLines(
    process.execPath,
    [
      'src/cli/main.ts',
      'serve',
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--log-level',
      'silent',
    ],
    { cwd: ROOT },
  );
  const line = await server.waitForLine(/^natter listening on /u, 'the listening line');
  const match = /:(\d+) \(TLS/u.exec(line);
  assert.ok(match, line);
  return { server, port: Number(match[1]) };
}

test(
  'kill -9 while a message is pending: after the restart it is acknowledged once and shown once',
  { skip },
  async (t) => {
    await buildWeb({ quiet: true });
    const dataDir = await makeTempDir();
    t.after(() => rm(dataDir, { recursive: true, force: true }));
    const children: ProcessLines[] = [];
    t.after(async () => {
      for (const child of children) await child.stop();
    });
    const first = await spawnServer(dataDir, 0);
    children.push(first.server);
    const url = `https://localhost:${first.port}/`;
    const browser = await launch(t);
    const { page } = await openPage(browser, url);
    await loginAs(page, 'ada');
    await send(page, 'before the crash');
    await page.locator('.message.pending').waitFor({ state: 'detached' });

    // Frozen, the server cannot store or acknowledge: the line stays pending.
    first.server.child.kill('SIGSTOP');
    await send(page, 'sent while the server hangs');
    const pending = page.locator('.message.pending', { hasText: 'sent while the server hangs' });
    await pending.getByText('sending').waitFor();
    first.server.child.kill('SIGKILL');
    await first.server.exited;

    const second = await spawnServer(dataDir, first.port);
    children.push(second.server);
    // The page reconnects by itself, resumes, and re-sends what was pending.
    await pending.waitFor({ state: 'detached' });
    await page.getByRole('status').getByText(/^ada/).waitFor();
    assert.deepEqual(await messageTexts(page), [
      'ada before the crash',
      'ada sent while the server hangs',
    ]);

    // Stored once: the room's whole history has each line once.
    const dora = await NativeClient.login(second.port, 'dora');
    t.after(() => dora.close());
    await dora.waitFor('who', { room: '#lobby' });
    const before = dora.lines.length;
    dora.send({ type: 'history', id: 'h', room: '#lobby', limit: 100 });
    await dora.waitFor('history', { id: 'h' });
    const stored = dora.lines
      .slice(before)
      .map((l) => JSON.parse(l) as { type: string; text?: string })
      .filter((f) => f.type === 'message')
      .map((f) => f.text);
    assert.deepEqual(stored, ['before the crash', 'sent while the server hangs']);
  },
);
