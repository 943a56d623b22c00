/**
 * The WebSocket endpoint from Node clients: who may upgrade (the Origin
 * check, before the handshake), and the same session rules as the native
 * dialect (limits, flood control, slow consumers), with native and text
 * clients in the same room.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Limits } from '../../src/protocol/limits.ts';
import { serverFor } from '../helpers/server.ts';
import { WsClient } from './ws-client.ts';

async function refusal(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    return {
      status: (error as { status?: number }).status ?? 0,
      message: (error as Error).message,
    };
  }
  assert.fail('the upgrade was accepted');
}

test('an upgrade from a foreign Origin, or none, is refused before the handshake', async (t) => {
  const h = await serverFor(t);
  for (const origin of ['https://evil.example', 'null', `http://localhost:${h.port}`, null]) {
    const refused = await refusal(WsClient.open(h.port, { origin }));
    assert.equal(refused.status, 403, `origin ${origin}`);
    assert.match(refused.message, /^origin_refused: /u);
  }
  assert.equal(h.server.metrics.get('web_socket_origin_refusals'), 4);
  assert.equal(h.server.metrics.get('web_socket_upgrades'), 0);
  assert.equal((await refusal(WsClient.open(h.port, { path: '/other' }))).status, 404);
  // The server's own origin is accepted, as the page the server serves would use.
  const own = await WsClient.open(h.port);
  t.after(() => own.close());
  assert.equal(h.server.metrics.get('web_socket_upgrades'), 1);
});

test('--web-origins admits the origins listed, and only those', async (t) => {
  const h = await serverFor(t, { webOrigins: ['https://chat.example.org'] });
  const listed = await WsClient.open(h.port, { origin: 'https://chat.example.org' });
  t.after(() => listed.close());
  assert.equal(
    (await refusal(WsClient.open(h.port, { origin: 'https://example.org' }))).status,
    403,
  );
});

test('a WebSocket session chats with native and text clients; each sees each line once', async (t) => {
  const h = await serverFor(t);
  const web = await WsClient.login(h.port, 'webby');
  t.after(() => web.close());
  const native = await h.native('nat');
  const text = await h.text('tex');
  const id = web.newId();
  web.send({ type: 'say', id, text: 'from the browser', room: '#lobby' });
  const ack = await web.waitFor('ack', { id });
  await web.waitFor('message', { msg: ack.msg });
  await native.waitFor('message', { msg: ack.msg, from: 'webby' });
  await text.waitForLine(/<webby> from the browser$/u);
  native.send({ type: 'say', id: 'n1', text: 'from the terminal', room: '#lobby' });
  const back = await web.waitFor('message', { text: 'from the terminal' });
  assert.equal(back.from, 'nat');
  const copies = web.frames.filter((f) => f.type === 'message' && f.msg === ack.msg);
  assert.equal(copies.length, 1);
  // The welcome carries a token, as for native clients: resume works the same.
  const welcome = web.frames.find((f) => f.type === 'welcome');
  assert.ok(welcome && welcome.type === 'welcome' && welcome.token.length > 0);
});

test('a message over the line limit closes that session with 1009 (too_long); others are unaffected', async (t) => {
  const h = await serverFor(t, { limits: { maxLineBytes: 1024 } });
  const web = await WsClient.login(h.port, 'big');
  const native = await h.native('watcher');
  web.ws.send('x'.repeat(1025));
  const closed = await web.closed;
  assert.equal(closed.code, 1009);
  const leave = await native.waitFor('leave', { name: 'big' });
  assert.equal(leave.reason, 'too_long');
  assert.equal(h.server.metrics.get('oversize_lines'), 1);
  // Exactly at the limit is fine.
  const ok = await WsClient.login(h.port, 'fits');
  t.after(() => ok.close());
  ok.send({ type: 'say', id: 'a', room: '#lobby', text: 'y'.repeat(1024 - 60) });
  await ok.waitFor('ack', { id: 'a' });
});

test('binary messages, bad JSON and frames before hello get errors with codes, not a crash', async (t) => {
  const h = await serverFor(t);
  const web = await WsClient.open(h.port);
  t.after(() => web.close());
  web.send({ type: 'say', id: 'early', text: 'hi' });
  assert.equal((await web.waitFor('error', { id: 'early' })).code, 'not_logged_in');
  web.ws.send(Buffer.from('{"type":"ping"}'), { binary: true });
  assert.equal((await web.waitFor('error')).code, 'bad_frame');
  web.ws.send('{"type":');
  await web.waitFor('error', { code: 'bad_json' });
  web.ws.send('[[[[[[[[[[[[1]]]]]]]]]]]]');
  await web.waitFor('error', { code: 'too_deep' });
  web.send({ type: 'hello', version: 1, name: 'late' });
  await web.waitFor('welcome');
});

/** Flood control as for native clients: a burst, then paced, then refused. */
test('flood control applies to WebSocket sessions', async (t) => {
  const limits: Partial<Limits> = { floodBurst: 3, floodPerSecond: 1, floodQueue: 2 };
  const h = await serverFor(t, { limits });
  const web = await WsClient.login(h.port, 'flooder');
  t.after(() => web.close());
  for (let i = 0; i < 12; i++)
    web.send({ type: 'say', id: `f${i}`, room: '#lobby', text: `m${i}` });
  const refused = await web.waitFor('error', { code: 'rate_limited' });
  assert.ok(refused.id?.startsWith('f'));
  assert.ok(h.server.metrics.get('rate_limited') >= 1);
});

test('a WebSocket client that stops reading is cut off at the hard limit; others keep receiving', async (t) => {
  const KiB = 1024;
  const h = await serverFor(t, {
    limits: {
      floodBurst: 1_000_000,
      floodPerSecond: 1_000_000,
      floodQueue: 1_000_000,
      outQueueSoftBytes: 16 * KiB,
      outQueueHardBytes: 64 * KiB,
    },
  });
  const observer = await h.native('observer');
  const talker = await h.native('talker');
  const sleeper = await WsClient.login(h.port, 'sleeper');
  t.after(() => sleeper.close());
  sleeper.ws.pause(); // reads nothing more: the server's writes pile up
  const text = 'x'.repeat(4000);
  let sent = 0;
  while (!observer.lines.some((l) => l.includes('"type":"leave"') && l.includes('"sleeper"'))) {
    assert.ok(sent < 256 * 1024 * 1024, 'nobody was disconnected');
    let batch = '';
    let last = '';
    for (let i = 0; i < 6; i++) {
      last = talker.newId();
      batch += JSON.stringify({ type: 'say', id: last, text, room: '#lobby' }) + '\n';
    }
    talker.socket.write(batch);
    sent += 6 * text.length;
    await talker.waitFor('ack', { id: last });
  }
  const leave = await observer.waitFor('leave', { name: 'sleeper' });
  assert.equal(leave.reason, 'slow_consumer');
  assert.equal(h.server.metrics.get('slow_consumer_disconnects'), 1);
  talker.send({ type: 'say', id: 'after', text: 'still here', room: '#lobby' });
  await observer.waitFor('message', { text: 'still here' });
});
