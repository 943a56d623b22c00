/**
 * Issue 11, item 15a: replies come back in the order of the requests
 * (docs/protocol.md, "Order"), though a message's ack waits for its commit
 * and a `who` does not — and pipelined messages still share one commit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerFrame } from '../../src/protocol/frames.ts';
import type { AppendResult, NewMessage } from '../../src/store/store.ts';
import { serverFor, writeRaw } from '../helpers/server.ts';

const NO_FLOOD = { floodBurst: 10_000, floodPerSecond: 10_000 };

/** The replies among what a client received: everything but events from the room. */
function replies(lines: string[]): ServerFrame[] {
  return lines
    .map((l) => JSON.parse(l) as ServerFrame)
    .filter((f) => !['message', 'join', 'leave', 'history'].includes(f.type));
}

test('say, who, ping, topic, say with a bad room, me, rooms: answered in that order', async (t) => {
  const h = await serverFor(t, { limits: NO_FLOOD });
  const alice = await h.native('alice');
  await alice.waitFor('who'); // the login's
  const before = alice.lines.length;
  const requests = [
    { type: 'say', id: 'r1', text: 'first' },
    { type: 'who', id: 'r2' },
    { type: 'ping', id: 'r3', token: 'p' },
    { type: 'topic', id: 'r4' },
    { type: 'say', id: 'r5', text: 'nowhere', room: '#nowhere' },
    { type: 'me', id: 'r6', text: 'waves' },
    { type: 'rooms', id: 'r7' },
  ];
  await writeRaw(alice, requests.map((r) => JSON.stringify(r) + '\n').join(''));
  await alice.waitFor('rooms');
  const got = replies(alice.lines.slice(before));
  assert.deepEqual(
    got.map((f) => f.type + ('id' in f && f.id ? `:${f.id}` : '')),
    ['ack:r1', 'who', 'pong', 'topic', 'error:r5', 'ack:r6', 'rooms'],
  );
});

test('text mode: a message then /who: the message line comes back before the who line', async (t) => {
  const h = await serverFor(t, { limits: NO_FLOOD });
  const alice = await h.text('alice');
  await alice.waitForLine(/^-- #lobby: 1 user: alice$/u); // the login's
  await writeRaw(alice, 'hello there\n/who\n');
  const line = await alice.waitForLine(/^-- #lobby: 1 user: alice$/u);
  const index = alice.lines.lastIndexOf(line);
  assert.ok(
    alice.lines.slice(0, index).some((l) => /<alice> hello there$/u.test(l)),
    'the message was stored and shown first',
  );
});

test('pipelined says still share commits: 40 says, then who, in fewer than 40 transactions', async (t) => {
  const h = await serverFor(t, { limits: NO_FLOOD });
  const alice = await h.native('alice');
  await alice.waitFor('who'); // the login's
  const before = alice.lines.length;
  // Count the store's append calls (the real store does the work).
  const store = h.server.hub.store;
  const append = store.appendMessages.bind(store);
  const batches: number[] = [];
  store.appendMessages = (messages: NewMessage[]): Promise<AppendResult[]> => {
    batches.push(messages.length);
    return append(messages);
  };
  let data = '';
  for (let i = 1; i <= 40; i++)
    data += JSON.stringify({ type: 'say', id: `s${i}`, text: `m${i}` }) + '\n';
  data += JSON.stringify({ type: 'who', id: 'w' }) + '\n';
  await writeRaw(alice, data);
  await alice.waitFor('who', { room: '#lobby' });
  const got = replies(alice.lines.slice(before));
  const acks = got.filter((f) => f.type === 'ack').length;
  assert.equal(acks, 40, 'every ack before the who');
  assert.equal(
    batches.reduce((a, b) => a + b, 0),
    40,
  );
  assert.ok(batches.length < 40, `40 says in ${batches.length} commits`);
});
