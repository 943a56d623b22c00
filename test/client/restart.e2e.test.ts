/**
 * A clean server restart is not the end: `natter serve` stopped with SIGTERM
 * says bye "shutdown", and natter's clients — the full-screen client in a
 * real terminal (tmux) and line mode in a pipe — come back by themselves when
 * it is started again, re-send what was pending, and every message is stored
 * and acknowledged once.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { MessageEvent, ServerFrame } from '../../src/protocol/frames.ts';
import { makeTempDir, NativeClient, onPath, serveProcess } from '../helpers/server.ts';
import { ChatProcess } from './helpers.ts';
import { Tmux } from './tui/tmux-helper.ts';

test(
  'SIGTERM and a restart: a TUI client and a line-mode client come back online by themselves; pending messages are acked once',
  { skip: onPath('tmux') ? false : 'tmux is not installed: the real-terminal part needs it' },
  async (t) => {
    const dataDir = await makeTempDir();
    const home = await mkdtemp(path.join(tmpdir(), 'natter-restart-'));
    const tmux = new Tmux(home);
    const cleanup: (() => Promise<void> | void)[] = [];
    t.after(async () => {
      for (const step of cleanup.reverse()) await step();
      await tmux.kill();
      await rm(home, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    });
    const first = await serveProcess(t, dataDir);
    const ca = path.join(dataDir, 'certs', 'server.crt');
    const args = (user: string) => ['--port', String(first.port), '--user', user, '--ca', ca];

    const bot = new ChatProcess([...args('bot'), '--reconnect-for', '60s'], home);
    cleanup.push(() => bot.stop());
    bot.write('before the restart');
    await bot.waitForStdout(/<bot> before the restart$/u);
    await tmux.chat('alice', args('alice'));
    await tmux.until('alice', (s) => / online \| alice \| #lobby /u.test(s), 'online');

    first.server.child.kill('SIGTERM');
    await first.server.waitForExit();
    assert.equal(first.server.exitCode, 0);
    await tmux.until('alice', (s) => /reconnecting|connection lost/u.test(s), 'reconnecting');
    await bot.waitForStderr(/connection lost \(the server is restarting\)/u);

    // Typed while the server is down: pending until it is back.
    bot.write('sent while it was down');
    await tmux.type('alice', 'typed while it was down');

    const second = await serveProcess(t, dataDir, { port: first.port });
    await tmux.until('alice', (s) => / online \| alice \| #lobby /u.test(s), 'online again');
    await bot.waitForStdout(/<bot> sent while it was down$/u);
    await tmux.until('alice', (s) => /<alice> typed while it was down/u.test(s), 'its own line');
    await tmux.until('alice', (s) => /<bot> sent while it was down/u.test(s), "bot's line");

    bot.end();
    assert.equal(await bot.exitCode(), 0, bot.describe());

    // Stored exactly once each, in order.
    const observer = await NativeClient.connect(second.port);
    cleanup.push(() => observer.close());
    observer.send({ type: 'hello', version: 1, name: 'observer' });
    await observer.waitFor('who', { room: '#lobby' });
    const mark = observer.lines.length;
    observer.send({ type: 'history', id: 'all', room: '#lobby', limit: 100 });
    await observer.waitFor('history', { id: 'all' });
    const texts = observer.lines
      .slice(mark)
      .map((l) => JSON.parse(l) as ServerFrame)
      .filter((f): f is MessageEvent => f.type === 'message' && f.history === true)
      .map((m) => m.text);
    const ours = texts.filter((x) => /before the restart|while it was down/u.test(x));
    assert.equal(ours.filter((x) => x === 'before the restart').length, 1, JSON.stringify(texts));
    assert.equal(
      ours.filter((x) => x === 'sent while it was down').length,
      1,
      JSON.stringify(texts),
    );
    assert.equal(
      ours.filter((x) => x === 'typed while it was down').length,
      1,
      JSON.stringify(texts),
    );
  },
);

test('line mode gives up after --reconnect-for with the unacknowledged count, exit 1', async (t) => {
  const dataDir = await makeTempDir();
  const home = await mkdtemp(path.join(tmpdir(), 'natter-restart-'));
  t.after(async () => {
    await rm(home, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });
  const first = await serveProcess(t, dataDir);
  const bot = new ChatProcess(
    [
      '--port',
      String(first.port),
      '--user',
      'bot',
      '--ca',
      path.join(dataDir, 'certs', 'server.crt'),
      '--reconnect-for',
      '2s',
    ],
    home,
  );
  t.after(() => bot.stop());
  bot.write('hello');
  await bot.waitForStdout(/<bot> hello$/u);
  first.server.child.kill('SIGTERM');
  await first.server.waitForExit();
  bot.write('never acknowledged');
  bot.end();
  assert.equal(await bot.exitCode(), 1, bot.describe());
  assert.match(bot.stderr.text, /gave up: no connection for 2 s/u);
  assert.match(bot.stderr.text, /1 message was not acknowledged/u);
});
