/**
 * The connection clocks (ARCHITECTURE.md, "Limits"): a login deadline for
 * everyone, and for native clients an idle ping then close. Limits are made
 * small here; the tests wait on what the server sends, never on a timer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { say, serverFor, type NativeClient } from '../helpers/server.ts';

test('a text client silent after connecting is closed with login_timeout', async (t) => {
  const h = await serverFor(t, { limits: { loginTimeoutMs: 300 } });
  const silent = await h.textConnect(); // greeting and prompt received
  const line = await silent.waitForLine(/^! /u);
  assert.match(line, /^! login_timeout: \S/u);
  await silent.waitForClose();
});

test('a native client silent after connecting gets a fatal login_timeout frame and is closed', async (t) => {
  const h = await serverFor(t, { limits: { loginTimeoutMs: 300 } });
  const silent = await h.nativeConnect();
  const error = await silent.waitFor('error', { code: 'login_timeout' });
  assert.equal(error.fatal, true);
  assert.equal(silent.lines.length, 1, 'nothing but the error');
  await silent.waitForClose();
});

test('a refused name does not reset the login deadline', async (t) => {
  const h = await serverFor(t, { limits: { loginTimeoutMs: 300 } });
  const client = await h.textConnect();
  client.write('admin');
  await client.waitForLine(/^! name_reserved: /u);
  await client.waitForLine(/^! login_timeout: /u);
  await client.waitForClose();
});

test('logging in stops the login clock', async (t) => {
  const h = await serverFor(t, { limits: { loginTimeoutMs: 300 } });
  const early = await h.text('early');
  // A client that connects later and stays silent is closed after the deadline;
  // by then the early one, logged in, has outlived it and is still served.
  const late = await h.textConnect();
  await late.waitForLine(/^! login_timeout: /u);
  await late.waitForClose();
  early.write('/who');
  await early.waitForLine(/^-- #lobby: 1 user: early$/u);
  assert.ok(!early.lines.some((l) => l.includes('login_timeout')));
});

/** Answers pings forever from the moment it is called; returns the tokens answered. */
function answerPings(client: NativeClient): string[] {
  const answered: string[] = [];
  let seen = client.lines.length;
  client.socket.on('data', () => {
    for (; seen < client.lines.length; seen++) {
      const frame = JSON.parse(client.lines[seen]!) as { type: string; token?: string };
      if (frame.type === 'ping') {
        client.send({ type: 'pong', token: frame.token });
        answered.push(frame.token ?? '');
      }
    }
  });
  return answered;
}

test('idle native clients get a ping, then idle_timeout; one that answers pongs stays', async (t) => {
  const h = await serverFor(t, { limits: { idlePingMs: 200, idleCloseMs: 1500 } });
  const answering = await h.native('answering');
  const answered = answerPings(answering);
  const human = await h.text('human');
  const silent = await h.native('silent');

  const ping = await silent.waitFor('ping');
  assert.equal(typeof ping.token, 'string');
  const error = await silent.waitFor('error', { code: 'idle_timeout' });
  assert.equal(error.fatal, true);
  await silent.waitForClose();
  // The others see it leave, with the reason.
  await answering.waitFor('leave', { name: 'silent', reason: 'idle_timeout' });

  // It was connected before the silent one and has outlived it by answering.
  assert.ok(answered.length >= 1, 'the answering client was pinged too');
  assert.ok(
    answered.every((token) => token !== ''),
    'pings carry a token',
  );
  assert.equal(answering.closed, false);
  const id = say(answering, 'still here');
  await answering.waitFor('ack', { id });
  assert.ok(
    !answering.lines.some((l) => /"type":"error"/u.test(l)),
    'the answering client got no error',
  );

  // Text-mode clients are people: they are not pinged, and closed only after the much
  // longer idle-close-text (test/abuse/idle-text.test.ts).
  await human.waitForLine(/#lobby -- silent left \(idle_timeout\)$/u);
  human.write('/who');
  await human.waitForLine(/^-- #lobby: 2 users: /u);
});

test('a client ping gets a pong with the same token, before and after login', async (t) => {
  const h = await serverFor(t);
  const client = await h.nativeConnect();
  client.send({ type: 'ping', token: 'before-login' });
  const early = await client.waitFor('pong');
  assert.equal(early.token, 'before-login');

  client.send({ type: 'hello', version: 1, name: 'pinger' });
  await client.waitFor('welcome');
  client.send({ type: 'ping', token: 'tok-42' });
  const pong = await client.waitFor('pong');
  assert.equal(pong.token, 'tok-42');
  client.send({ type: 'ping' });
  const bare = await client.waitFor('pong');
  assert.equal(bare.token, undefined);
});
