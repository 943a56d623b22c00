/**
 * Issue 11, item 15b: idle text-mode users were never timed out (the idle
 * check returned early for every dialect but native), so 2,000 abandoned
 * connections held ~140 KiB each for ever. Text clients cannot answer a
 * ping; they are closed after `idle-close-text` without a line from them —
 * any line counts, an empty one too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverFor } from '../helpers/server.ts';
import { sleep } from './helpers.ts';

test('a silent text client is closed with idle_timeout; one that sends empty lines stays', async (t) => {
  // The idle check runs every idle-ping / 3 (50 ms here).
  const h = await serverFor(t, {
    limits: { idlePingMs: 150, idleCloseMs: 60_000, idleCloseTextMs: 600 },
  });
  const typist = await h.text('typist');
  const native = await h.native('native');
  const lurker = await h.text('lurker');
  let typing = true;
  void (async () => {
    while (typing && !typist.closed) {
      typist.write('');
      await sleep(100);
    }
  })();
  t.after(() => (typing = false));

  const line = await lurker.waitForLine(/^! idle_timeout: /u);
  assert.match(line, /^! idle_timeout: nothing heard for \d+ s$/u);
  await lurker.waitForClose();
  await typist.waitForLine(/#lobby -- lurker left \(idle_timeout\)$/u);
  await native.waitFor('leave', { name: 'lurker', reason: 'idle_timeout' });
  assert.equal(h.server.metrics.get('idle_timeouts'), 1);
  // The typist connected before the lurker and outlived it; text clients are never pinged.
  typing = false;
  assert.equal(typist.closed, false);
  assert.ok(!typist.lines.some((l) => l.startsWith('! ')), 'the typist got no error line');
  typist.write('/who');
  await typist.waitForLine(/^-- #lobby: 2 users: /u);
});
