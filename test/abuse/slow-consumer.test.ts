/**
 * Slow consumers (issue #5): a client that does not read is disconnected at
 * the hard limit of its outgoing queue, or once it has stayed over the soft
 * limit too long, while everyone else keeps receiving. The queue limits are
 * made small so a test pushes kilobytes, not megabytes, past the kernel's
 * own buffers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TLSSocket } from 'node:tls';
import type { Limits } from '../../src/protocol/limits.ts';
import { say, serverFor, type NativeClient } from '../helpers/server.ts';
import { closed, loginThenStopReading, sleep } from './helpers.ts';

const KiB = 1024;
/** No flood control to speak of: the talker has to push a lot. */
const UNLIMITED_FLOOD: Partial<Limits> = {
  floodBurst: 1_000_000,
  floodPerSecond: 1_000_000,
  floodQueue: 1_000_000,
};
const TEXT = 'x'.repeat(4000);
/** Far more than loopback kernel buffers hold; the test fails if this is all sent. */
const MAX_PUSH_BYTES = 256 * 1024 * 1024;
const BATCH = 6;

/**
 * Sends 4 KB messages in batches until `done()`; returns the bytes sent. A
 * batch is delivered to everyone in one turn, so it stays well under the hard
 * limit, and the talker waits for its acks: readers must not look slow.
 */
async function talkUntil(talker: NativeClient, done: () => boolean): Promise<number> {
  let sent = 0;
  while (!done()) {
    if (sent > MAX_PUSH_BYTES) throw new Error(`${sent} bytes sent and nobody was disconnected`);
    let last = '';
    let batch = '';
    for (let i = 0; i < BATCH; i++) {
      last = talker.newId();
      batch += JSON.stringify({ type: 'say', id: last, text: TEXT }) + '\n';
    }
    talker.socket.write(batch);
    sent += BATCH * TEXT.length;
    await talker.waitFor('ack', { id: last });
  }
  return sent;
}

function sawLeave(client: NativeClient, name: string): () => boolean {
  return () =>
    client.lines.some((l) => l.includes('"type":"leave"') && l.includes(`"name":"${name}"`));
}

/** After resuming, a disconnected client reads what was in flight, then the end. */
async function assertEnded(socket: TLSSocket): Promise<void> {
  socket.on('data', () => {});
  socket.resume();
  await closed(socket);
}

test('a client that never reads is disconnected at the hard limit; the others keep receiving', async (t) => {
  const h = await serverFor(t, {
    limits: { ...UNLIMITED_FLOOD, outQueueSoftBytes: 16 * KiB, outQueueHardBytes: 64 * KiB },
  });
  const observer = await h.native('observer');
  const talker = await h.native('talker');
  const sleeper = await loginThenStopReading(h.port, 'sleeper');
  t.after(() => sleeper.destroy());
  await observer.waitFor('join', { name: 'sleeper' });

  await talkUntil(talker, sawLeave(observer, 'sleeper'));
  const leave = await observer.waitFor('leave', { name: 'sleeper' });
  assert.equal(leave.reason, 'slow_consumer');
  assert.equal(h.server.metrics.get('slow_consumer_disconnects'), 1);

  // Everyone else is still served, and nobody else was cut off.
  const id = say(talker, 'marker after the disconnect');
  await talker.waitFor('ack', { id });
  await observer.waitFor('message', { text: 'marker after the disconnect' });
  assert.equal(observer.closed, false);
  assert.equal(talker.closed, false);
  assert.equal(h.server.metrics.get('slow_consumer_disconnects'), 1);
  await assertEnded(sleeper);
});

test('a client over the soft limit that never drains is disconnected after the stall time, below the hard limit', async (t) => {
  const hard = 1024 * 1024 * 1024; // never reached here: the stall clock must do it
  const h = await serverFor(t, {
    limits: {
      ...UNLIMITED_FLOOD,
      outQueueSoftBytes: 16 * KiB,
      outQueueHardBytes: hard,
      outQueueStallMs: 300,
    },
  });
  const observer = await h.native('observer');
  const talker = await h.native('talker');
  const sleeper = await loginThenStopReading(h.port, 'sleeper');
  t.after(() => sleeper.destroy());
  await observer.waitFor('join', { name: 'sleeper' });

  const sent = await talkUntil(talker, sawLeave(observer, 'sleeper'));
  assert.ok(sent < hard, `${sent} bytes sent in all: the hard limit was out of reach`);
  const leave = await observer.waitFor('leave', { name: 'sleeper' });
  assert.equal(leave.reason, 'slow_consumer');
  assert.equal(h.server.metrics.get('slow_consumer_disconnects'), 1);
  const id = say(talker, 'marker');
  await observer.waitFor('message', { text: 'marker' });
  await talker.waitFor('ack', { id });
  await assertEnded(sleeper);
});

test('a client that reads is never a slow consumer, even with a soft limit below one message', async (t) => {
  // Soft limit 1 KiB: every 4 KB message puts the queue over it for a moment.
  const h = await serverFor(t, {
    limits: { outQueueSoftBytes: 1 * KiB, outQueueHardBytes: 1024 * KiB, outQueueStallMs: 100 },
  });
  const alice = await h.native('alice');
  const bob = await h.native('bob');
  for (let i = 0; i < 5; i++) {
    say(alice, `${i} ${TEXT}`);
    await bob.waitFor('message', { from: 'alice' });
  }
  // Well past the stall time, both are still here and still served.
  await sleep(400);
  bob.send({ type: 'ping', token: 'still-here' });
  await bob.waitFor('pong', { token: 'still-here' });
  const id = say(bob, 'and talking');
  await alice.waitFor('message', { text: 'and talking' });
  await bob.waitFor('ack', { id });
  assert.equal(h.server.metrics.get('slow_consumer_disconnects'), 0);
});
