/**
 * Issue 11, item 3, the client's half: natter's own client, paused, cut off
 * and offline while 1,000 big messages arrived, comes back with every one
 * of them, once, and the server drops nobody as a slow consumer. The server
 * replays at most history-max per resumed room and says `more`; the client
 * fetches on with `history {after}` until nothing is left and shows one
 * end of the replay for the whole run.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { HistoryEnd, MessageEvent, ServerFrame } from '../../src/protocol/frames.ts';
import { serverFor } from '../helpers/server.ts';
import { ChatProcess, Proxy, tempHome } from './helpers.ts';

const COUNT = 1_000;
const TEXT_BYTES = 4_000;

function bigText(i: number): string {
  const head = `m${i} `;
  return head + 'x'.repeat(TEXT_BYTES - head.length);
}

test('a client paused, cut and offline while 1,000 big messages arrived gets all of them back, once', async (t) => {
  const server = await serverFor(t, {
    // The writer sends as fast as it can; the reader's resume needs several pages.
    limits: { floodBurst: 100_000, floodPerSecond: 100_000, historyMax: 300 },
  });
  const proxy = await Proxy.start(server.port);
  t.after(() => proxy.close());
  const home = await tempHome(t);
  const caFile = path.join(server.dataDir, 'certs', 'server.crt');
  const chat = new ChatProcess(
    ['--port', String(proxy.port), '--user', 'reader', '--ca', caFile, '--json'],
    home,
  );
  t.after(() => chat.stop());
  await chat.waitForStderr(/^natter: online as reader/u);
  const writer = await server.native('writer');
  await writer.waitFor('who');

  chat.child.kill('SIGSTOP'); // paused (this child only, by its handle)
  proxy.refuse(true);
  proxy.dropAll(); // and cut
  await writer.waitFor('leave', { name: 'reader' });
  for (let i = 1; i <= COUNT; i += 50) {
    for (let j = i; j < i + 50; j++) writer.send({ type: 'say', id: `w${j}`, text: bigText(j) });
    await writer.waitFor('ack', { id: `w${i + 49}` });
  }

  proxy.refuse(false);
  chat.child.kill('SIGCONT');
  await chat.waitForStdout(new RegExp(`"text":"m${COUNT} x`, 'u'));
  await chat.waitForStdout(/"type":"history".*"count":1000/u);

  const frames = chat.stdout.lines.map((l) => JSON.parse(l) as ServerFrame);
  const messages = frames.filter(
    (f): f is MessageEvent => f.type === 'message' && f.from === 'writer',
  );
  assert.deepEqual(
    messages.map((m) => m.text.split(' ')[0]),
    Array.from({ length: COUNT }, (_, i) => `m${i + 1}`),
  );
  assert.equal(new Set(messages.map((m) => m.msg)).size, COUNT);
  // One end of the replay for the whole catch-up, as if it had been one page.
  const ends = frames.filter((f): f is HistoryEnd => f.type === 'history' && f.count > 0);
  assert.deepEqual(ends.at(-1), { type: 'history', room: '#lobby', count: COUNT, more: false });
  assert.equal(server.server.metrics.get('slow_consumer_disconnects'), 0);

  // And it is a working session: what it says is delivered.
  chat.write('back with everything');
  await writer.waitFor('message', { from: 'reader', text: 'back with everything' });
});
