/**
 * Flood control through a real server (issue #5): a burst goes through, the
 * rest is paced, the excess is refused with rate_limited, persistent
 * offenders are disconnected — and nobody else waits behind any of it.
 * Pacing is shown with the server's own timestamps (`ts` of the acks),
 * never by timing the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AckFrame, ErrorFrame, MessageEvent } from '../../src/protocol/frames.ts';
import { DEFAULT_LIMITS } from '../../src/protocol/limits.ts';
import { linesBefore, say, serverFor, writeRaw, type NativeClient } from '../helpers/server.ts';
import { frames, httpGet, waitForFrameLine } from './helpers.ts';

const { floodBurst: BURST, floodPerSecond: RATE, floodQueue: QUEUE } = DEFAULT_LIMITS;

/** Sends `count` says in one write, as a paste or a script would; returns their ids. */
function sayMany(client: NativeClient, count: number, prefix: string): string[] {
  const ids: string[] = [];
  let data = '';
  for (let i = 0; i < count; i++) {
    const id = client.newId();
    ids.push(id);
    data += JSON.stringify({ type: 'say', id, text: `${prefix} ${i + 1}` }) + '\n';
  }
  client.socket.write(data);
  return ids;
}

const acks = (client: NativeClient) =>
  frames(client).filter((f): f is AckFrame => f.type === 'ack');
const errors = (client: NativeClient) =>
  frames(client).filter((f): f is ErrorFrame => f.type === 'error');

test('100 messages at once: a burst, then paced, then rate_limited; another client is not held up', async (t) => {
  const h = await serverFor(t); // the default flood limits
  const observer = await h.native('observer');
  const other = await h.native('other');
  const flooder = await h.native('flooder');
  await observer.waitFor('join', { name: 'flooder' });

  const ids = sayMany(flooder, 100, 'flood');
  await flooder.waitFor('error', { code: 'rate_limited' });
  const otherId = say(other, 'not queued behind anyone');
  const otherAck = await other.waitFor('ack', { id: otherId });

  // The observer sees the other client's message long before the flood is through.
  const { line } = await waitForFrameLine(
    observer,
    (f) => f.type === 'message' && f.from === 'other',
    "other's message",
  );
  const floodBefore = linesBefore(observer, line)
    .map((l) => JSON.parse(l) as MessageEvent)
    .filter((f) => f.type === 'message' && f.from === 'flooder');
  assert.ok(floodBefore.length < 15, `${floodBefore.length} flood messages came first`);

  // Everything the flood gate accepted is acknowledged, in order; the rest refused.
  const accepted = BURST + QUEUE;
  // One at a time: they come 1/rate s apart, the whole queue takes longer than one wait.
  for (const id of ids.slice(BURST, accepted)) await flooder.waitFor('ack', { id });
  const acked = acks(flooder);
  assert.deepEqual(
    acked.map((a) => a.id),
    ids.slice(0, accepted),
  );
  const refused = errors(flooder);
  assert.deepEqual(
    refused.map((e) => e.id),
    ids.slice(accepted),
    'every other message refused, by id',
  );
  for (const error of refused) {
    assert.equal(error.code, 'rate_limited');
    assert.equal(error.fatal, undefined, 'refusals are not fatal');
    assert.match(error.message, /^slow down, next message in \d+ s$/u);
  }

  // Pacing, by the server's clock: the k-th accepted message (k > burst) is
  // stored at least (k - burst) / rate seconds after the first. A small
  // allowance covers the first timestamp being taken a moment after its token.
  const ts = acked.map((a) => a.ts);
  const slack = 1000 / RATE / 5;
  for (let k = BURST + 1; k <= accepted; k++) {
    const after = ts[k - 1]! - ts[0]!;
    assert.ok(
      after >= ((k - BURST) * 1000) / RATE - slack,
      `message ${k} stored ${after} ms after the first`,
    );
  }
  const firstWindow = ts.filter((x) => x - ts[0]! < 1000 / RATE - slack).length;
  assert.ok(firstWindow <= BURST, `${firstWindow} messages share the first window`);
  // The other client's message was stored before the flooder's 15th.
  assert.ok(otherAck.msg < acked[14]!.msg, `${otherAck.msg} vs ${acked[14]!.msg}`);

  // The observer saw exactly the accepted ones; the flooder is still connected.
  await observer.waitFor('message', { text: `flood ${accepted}` });
  const seen = frames(observer).filter((f) => f.type === 'message' && f.from === 'flooder');
  assert.equal(seen.length, accepted);
  assert.equal(h.server.metrics.get('rate_limited'), 100 - accepted);
  assert.equal(h.server.metrics.get('flood_disconnects'), 0);
  assert.equal(flooder.closed, false);
  const metrics = await httpGet(h.port, '/metrics');
  assert.match(metrics.body, new RegExp(`^natter_rate_limited_total ${100 - accepted}$`, 'mu'));
});

test('a flooder that keeps going runs out of strikes: fatal rate_limited, disconnected; others unaffected', async (t) => {
  const h = await serverFor(t, { limits: { floodStrikes: 5 } });
  const observer = await h.native('observer');
  const flooder = await h.native('flooder');
  await observer.waitFor('join', { name: 'flooder' });

  sayMany(flooder, BURST + QUEUE + 5 + 10, 'flood');
  const fatal = await flooder.waitFor('error', { code: 'rate_limited', fatal: true });
  assert.match(fatal.message, /too much, too fast/u);
  await flooder.waitForClose();
  const before = errors(flooder).filter((e) => !e.fatal);
  assert.equal(before.length, 5, 'five refusals, then the end');
  await observer.waitFor('leave', { name: 'flooder', reason: 'rate_limited' });

  const id = say(observer, 'still here');
  await observer.waitFor('ack', { id });
  const flood = frames(observer).filter((f) => f.type === 'message' && f.from === 'flooder');
  assert.equal(
    flood.length,
    BURST,
    'only the burst ran; the queued frames died with the connection',
  );
  assert.equal(h.server.metrics.get('flood_disconnects'), 1);
  assert.equal(h.server.metrics.get('rate_limited'), 5);
});

test('malformed lines cost strikes too: enough of them end the connection', async (t) => {
  const h = await serverFor(t, { limits: { floodStrikes: 3 } });
  const observer = await h.native('observer');
  const client = await h.native('garbler');
  await writeRaw(client, 'not json\n{"type":"nope"}\n[]\n{"oops"\n');
  const fatal = await client.waitFor('error', { fatal: true });
  assert.equal(fatal.code, 'rate_limited');
  assert.deepEqual(
    errors(client).map((e) => e.code),
    ['bad_json', 'unknown_type', 'bad_json', 'rate_limited'],
  );
  await client.waitForClose();
  await observer.waitFor('leave', { name: 'garbler', reason: 'rate_limited' });
  assert.equal(h.server.metrics.get('protocol_errors'), 4);
  assert.equal(h.server.metrics.get('flood_disconnects'), 1);
});

test('ping is never rate limited, even behind a full queue', async (t) => {
  const h = await serverFor(t);
  const flooder = await h.native('flooder');
  const ids = sayMany(flooder, BURST + QUEUE + 3, 'flood');
  flooder.send({ type: 'ping', token: 'behind-the-flood' });
  await flooder.waitFor('pong', { token: 'behind-the-flood' });
  // The pong overtook the paced messages: the last accepted one is not acked yet.
  assert.ok(!acks(flooder).some((a) => a.id === ids[BURST + QUEUE - 1]));
});

test('text mode: a pasted paragraph is paced, then refused with "! rate_limited: slow down"', async (t) => {
  const h = await serverFor(t, { limits: { floodPerSecond: 20 } });
  const alice = await h.text('alice');
  const paster = await h.text('paster');
  await alice.waitForLine(/#lobby -- paster joined$/u);
  await writeRaw(
    paster,
    Array.from({ length: BURST + QUEUE + 4 }, (_, i) => `line ${i + 1}\n`).join(''),
  );
  const refusal = await paster.waitForLine(/^! /u);
  assert.match(refusal, /^! rate_limited: slow down, next message in \d+ s$/u);
  await alice.waitForLine(new RegExp(`<paster> line ${BURST + QUEUE}$`, 'u'));
  const received = alice.lines.filter((l) => /<paster> line \d+$/u.test(l));
  assert.equal(received.length, BURST + QUEUE);
  assert.equal(paster.lines.filter((l) => l.startsWith('! rate_limited:')).length, 4);
});

test('text mode: /quit after a paste waits its turn, so the paste is sent first', async (t) => {
  const h = await serverFor(t, { limits: { floodPerSecond: 20 } });
  const alice = await h.text('alice');
  const paster = await h.text('paster');
  await alice.waitForLine(/#lobby -- paster joined$/u);
  const count = BURST + 5;
  await writeRaw(
    paster,
    Array.from({ length: count }, (_, i) => `line ${i + 1}\n`).join('') + '/quit done\n',
  );
  const left = await alice.waitForLine(/-- paster left/u);
  assert.match(left, /\(quit: done\)$/u);
  const received = linesBefore(alice, left).filter((l) => /<paster> line \d+$/u.test(l));
  assert.equal(received.length, count, 'every pasted line arrived before the leave');
  await paster.waitForClose();
  assert.ok(!paster.lines.some((l) => l.startsWith('! ')), 'no refusal');
});

test('reconnecting under the same name does not refill the flood bucket', async (t) => {
  const h = await serverFor(t, { limits: { floodBurst: 3 } });
  const observer = await h.native('observer');
  const first = await h.native('hasty');
  const ids = sayMany(first, 3, 'before');
  await first.waitFor('ack', { id: ids[2]! });
  const firstTs = acks(first)[0]!.ts;
  first.send({ type: 'quit' });
  await first.waitForClose();
  await observer.waitFor('leave', { name: 'hasty' });

  const again = await h.native('hasty');
  // A fresh id: re-using one would make it a re-send of an earlier message.
  const id = 'after-reconnect';
  again.send({ type: 'say', id, text: 'after' });
  const ack = await again.waitFor('ack', { id });
  // The name's bucket was empty: the message waited for a token (1/rate s after
  // the burst), although the new connection's own bucket was full.
  const slack = 1000 / RATE / 5;
  assert.ok(ack.ts - firstTs >= 1000 / RATE - slack, `${ack.ts - firstTs} ms after the burst`);
  assert.ok(!errors(again).length, 'queued, not refused');
});
