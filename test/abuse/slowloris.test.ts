/**
 * Slowloris (issue #5): a connection that trickles a byte every 150 ms is
 * closed at the login deadline (600 ms here), whether it is still in the TLS
 * handshake, typing its username, sending its hello, or sending HTTP headers.
 * The assertion is an ordering: the server closes the connection before the
 * trickle is complete, never a measured duration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverFor, tryTls } from '../helpers/server.ts';
import { captureClientHello, closed, rawConnect, trickle, waitUntil } from './helpers.ts';

const LOGIN_TIMEOUT_MS = 600;
const BYTE_EVERY_MS = 150;
const LIMITS = { loginTimeoutMs: LOGIN_TIMEOUT_MS };

test('mid-handshake: a ClientHello trickled a byte at a time is cut at the login deadline', async (t) => {
  const hello = await captureClientHello();
  const h = await serverFor(t, { limits: LIMITS });
  const socket = await rawConnect(h.port);
  socket.on('error', () => {});
  // Bounded so a failure ends: 40 bytes is ten login deadlines of trickling.
  const { written, closed: wasClosed } = await trickle(socket, hello, BYTE_EVERY_MS, 40);
  socket.destroy(); // (before the server closes: it waits for every socket)
  assert.ok(wasClosed, `still open after ${written} of ${hello.length} ClientHello bytes`);
  assert.ok(written < hello.length);
  await waitUntil(
    () => h.server.metrics.snapshot().connections === 0,
    'the connection to be released',
  );
  assert.ok(h.server.metrics.get('tls_handshake_failures') >= 1);
});

test('mid-handshake: a TCP connection that never says anything is cut at the login deadline', async (t) => {
  const h = await serverFor(t, { limits: LIMITS });
  const socket = await rawConnect(h.port);
  socket.on('error', () => {});
  let isClosed = false;
  socket.once('close', () => (isClosed = true));
  try {
    await waitUntil(
      () => isClosed,
      'the server to close a silent connection',
      LOGIN_TIMEOUT_MS * 10,
    );
  } finally {
    socket.destroy(); // (before the server closes: it waits for every socket)
  }
  await closed(socket);
});

test('text mode: a username trickled without a newline gets login_timeout and is closed', async (t) => {
  const h = await serverFor(t, { limits: LIMITS });
  const client = await h.textConnect();
  const name = Buffer.from('a-very-slow-username-that-never-ends');
  const { written, closed: wasClosed } = await trickle(client.socket, name, BYTE_EVERY_MS);
  assert.ok(wasClosed, 'closed before the name was complete');
  assert.ok(written < name.length);
  assert.ok(
    client.lines.some((l) => /^! login_timeout: /u.test(l)),
    JSON.stringify(client.lines),
  );
  assert.equal(h.server.metrics.get('login_timeouts'), 1);
  assert.equal(h.server.metrics.get('logins'), 0);
});

test('native: a hello trickled without a newline gets a fatal login_timeout and is closed', async (t) => {
  const h = await serverFor(t, { limits: LIMITS });
  const client = await h.nativeConnect();
  const hello = Buffer.from(JSON.stringify({ type: 'hello', version: 1, name: 'slowpoke' }));
  const { written, closed: wasClosed } = await trickle(client.socket, hello, BYTE_EVERY_MS);
  assert.ok(
    wasClosed && written < hello.length,
    `closed after ${written} of ${hello.length} bytes`,
  );
  const error = await client.waitFor('error', { code: 'login_timeout' });
  assert.equal(error.fatal, true);
  assert.equal(h.server.metrics.get('login_timeouts'), 1);
});

test('HTTP: request headers trickled a byte at a time are cut at the request deadline', async (t) => {
  const h = await serverFor(t, { limits: LIMITS });
  const socket = await tryTls(h.port, { ALPNProtocols: ['http/1.1'] });
  assert.equal(socket.alpnProtocol, 'http/1.1');
  socket.on('error', () => {});
  t.after(() => socket.destroy());
  const request = Buffer.from(
    `GET /healthz HTTP/1.1\r\nhost: localhost\r\nx-slow: ${'z'.repeat(40)}`,
  );
  const { written, closed: wasClosed } = await trickle(socket, request, BYTE_EVERY_MS);
  assert.ok(
    wasClosed && written < request.length,
    `closed after ${written} of ${request.length} bytes`,
  );
});

test('HTTP: a connection that sends nothing after the handshake is closed', async (t) => {
  const h = await serverFor(t, { limits: LIMITS });
  const socket = await tryTls(h.port, { ALPNProtocols: ['http/1.1'] });
  socket.on('error', () => {});
  t.after(() => socket.destroy());
  let isClosed = false;
  socket.once('close', () => (isClosed = true));
  await waitUntil(
    () => isClosed,
    'the server to close an idle HTTP connection',
    LOGIN_TIMEOUT_MS * 10,
  );
});

test('a native client that logs in in time is not affected by the deadline', async (t) => {
  const h = await serverFor(t, { limits: LIMITS });
  const client = await h.nativeConnect();
  client.socket.setNoDelay(true);
  const hello = Buffer.from(JSON.stringify({ type: 'hello', version: 1, name: 'prompt' }) + '\n');
  await trickle(client.socket, hello, 1); // slow-ish, but done well within the deadline
  await client.waitFor('welcome');
  await new Promise((resolve) => setTimeout(resolve, LOGIN_TIMEOUT_MS * 2));
  client.send({ type: 'ping', token: 'later' });
  await client.waitFor('pong', { token: 'later' });
  assert.equal(h.server.metrics.get('login_timeouts'), 0);
});
