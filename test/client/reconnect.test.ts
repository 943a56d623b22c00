/**
 * Reconnects against a real server: a TCP proxy between client and server
 * cuts the connection (as a network would), refuses reconnects for a while,
 * or loses the server's replies. The client must come back by itself, resume,
 * and deliver what it sent exactly once.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { Connection, type ConnectionState } from '../../src/client/connection.ts';
import { tlsConnector } from '../../src/client/tls-transport.ts';
import type { AckFrame, MessageEvent, ServerFrame } from '../../src/protocol/frames.ts';
import { verifyServer } from '../../src/tls/client-trust.ts';
import { serverFor, type TestServer } from '../helpers/server.ts';
import { ChatProcess, Proxy, tempHome } from './helpers.ts';
import { nextFrame, nextState } from './scripted-transport.ts';

async function proxyFor(t: { after(fn: () => unknown): void }, server: TestServer) {
  const proxy = await Proxy.start(server.port);
  t.after(() => proxy.close());
  return proxy;
}

/** A client that trusts exactly the test server's certificate, through the proxy. */
function client(t: { after(fn: () => unknown): void }, server: TestServer, port: number) {
  const trust = { host: 'localhost', port, tlsName: 'localhost' };
  const connection = new Connection({
    name: 'bot',
    connector: tlsConnector({
      ...trust,
      ca: server.certPem,
      verify: (socket) =>
        verifyServer(socket, {
          ...trust,
          caFile: 'server.crt',
          knownHostsFile: path.join(server.dataDir, 'unused-known-hosts'),
          acceptNewHost: false,
          note: () => {},
        }),
    }),
    backoff: { initialMs: 5, maxMs: 20 },
  });
  const states: ConnectionState[] = [];
  const frames: ServerFrame[] = [];
  connection.on('state', (change) => states.push(change.state));
  connection.on('frame', (frame) => frames.push(frame));
  t.after(() => connection.close());
  return { connection, states, frames };
}

function texts(frames: ServerFrame[], text: string): MessageEvent[] {
  return frames.filter((f): f is MessageEvent => f.type === 'message' && f.text === text);
}

/** Resolves with the ack of message `id`; fails the test rather than hang if none comes. */
function acked(connection: Connection, id: string): Promise<AckFrame> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for ${id}`)), 5_000);
    connection.on('ack', (message, ack) => {
      if (message.id !== id) return;
      clearTimeout(timer);
      resolve(ack);
    });
  });
}

test('a dropped connection comes back by itself; a message sent meanwhile is delivered once', async (t) => {
  const server = await serverFor(t);
  const proxy = await proxyFor(t, server);
  const { connection, states } = client(t, server, proxy.port);
  const online = nextState(connection, 'online');
  connection.start();
  await online;
  const peer = await server.text('peer');

  proxy.refuse(true); // reconnects fail until the "network" is back
  const reconnecting = nextState(connection, 'reconnecting');
  proxy.dropAll();
  await reconnecting;
  const id = connection.send({ type: 'say', text: 'sent while away' });
  assert.deepEqual(
    connection.pending.map((p) => p.id),
    [id],
  );
  const ack = acked(connection, id);
  const back = nextState(connection, 'online');
  proxy.refuse(false);
  await back;
  await ack;

  assert.deepEqual(states.slice(0, 3), ['connecting', 'online', 'reconnecting']);
  assert.equal(states.at(-1), 'online');
  assert.ok(
    states.slice(2, -1).every((s) => s === 'reconnecting'),
    states.join(),
  );
  await peer.waitForLine(/<bot> sent while away$/u);
  peer.write('marker');
  await peer.waitForLine(/<peer> marker$/u);
  assert.equal(peer.lines.filter((l) => l.endsWith('<bot> sent while away')).length, 1);
});

test('what was said while the client was away is replayed on resume, each message once', async (t) => {
  const server = await serverFor(t);
  const proxy = await proxyFor(t, server);
  const { connection, frames } = client(t, server, proxy.port);
  const online = nextState(connection, 'online');
  connection.start();
  await online;
  const peer = await server.text('peer');
  const before = nextFrame(connection, (f) => f.type === 'message' && f.text === 'before the drop');
  peer.write('before the drop');
  await before;

  proxy.refuse(true);
  proxy.dropAll();
  await peer.waitForLine(/#lobby -- bot left/u); // the server has noticed
  peer.write('while you were away');
  await peer.waitForLine(/<peer> while you were away$/u);
  const replayed = nextFrame(
    connection,
    (f) => f.type === 'message' && f.text === 'while you were away',
  );
  proxy.refuse(false);
  await replayed;
  const after = nextFrame(connection, (f) => f.type === 'message' && f.text === 'after the return');
  peer.write('after the return');
  await after;

  assert.equal(texts(frames, 'before the drop').length, 1);
  const away = texts(frames, 'while you were away');
  assert.equal(away.length, 1);
  assert.equal(away[0]?.history, true, 'it came from the replay');
  assert.equal(texts(frames, 'after the return').length, 1);
  assert.deepEqual(connection.rooms, ['#lobby']);
});

test('a message whose ack was lost is sent again with the same id and delivered once', async (t) => {
  const server = await serverFor(t);
  const proxy = await proxyFor(t, server);
  const { connection } = client(t, server, proxy.port);
  const online = nextState(connection, 'online');
  connection.start();
  await online;
  const peer = await server.text('peer');

  proxy.stallReplies(true); // the server stores and acks, the ack never arrives
  const id = connection.send({ type: 'say', text: 'ack lost' });
  await peer.waitForLine(/<bot> ack lost$/u);
  const ack = acked(connection, id);
  proxy.stallReplies(false);
  proxy.dropAll();
  await ack;

  assert.equal(connection.pending.length, 0);
  peer.write('marker');
  await peer.waitForLine(/<peer> marker$/u);
  assert.equal(peer.lines.filter((l) => l.endsWith('<bot> ack lost')).length, 1);
});

test('drain gives up when acks never come, leaving the message pending', async (t) => {
  const server = await serverFor(t);
  const proxy = await proxyFor(t, server);
  const { connection } = client(t, server, proxy.port);
  const online = nextState(connection, 'online');
  connection.start();
  await online;
  proxy.stallReplies(true);
  const id = connection.send({ type: 'say', text: 'into the void' });
  assert.equal(await connection.drain(200), false);
  assert.deepEqual(
    connection.pending.map((p) => p.id),
    [id],
  );
});

test('the server saying bye ends the session: no reconnect', async (t) => {
  const server = await serverFor(t);
  const proxy = await proxyFor(t, server);
  const { connection, states } = client(t, server, proxy.port);
  const online = nextState(connection, 'online');
  connection.start();
  await online;
  const offline = nextState(connection, 'offline');
  await server.server.close('maintenance');
  const end = await offline;
  assert.deepEqual(
    { cause: end.cause, reason: end.reason },
    { cause: 'bye', reason: 'maintenance' },
  );
  assert.deepEqual(states, ['connecting', 'online', 'offline']);
  assert.equal(proxy.connections, 1);
});

test('the CLI reports the drop and the return on stderr and still delivers', async (t) => {
  const server = await serverFor(t);
  const proxy = await proxyFor(t, server);
  const home = await tempHome(t);
  const peer = await server.text('peer');
  const caFile = path.join(server.dataDir, 'certs', 'server.crt');
  const args = ['--port', String(proxy.port), '--user', 'bot', '--ca', caFile];
  const chat = new ChatProcess(args, home);
  t.after(() => chat.stop());

  await chat.waitForStderr(/^natter: online as bot/u);
  proxy.dropAll();
  await chat.waitForStderr(
    /^natter: connection lost \(.*\); reconnecting in [\d.]+ s \(attempt 1\)$/u,
  );
  const index = chat.stderr.lines.findIndex((l) => l.includes('reconnecting in'));
  await chat.waitForStderr(/^natter: online as bot/u, index);
  chat.write('after the drop');
  chat.end();
  assert.equal(await chat.exitCode(), 0, chat.describe());
  await peer.waitForLine(/<bot> after the drop$/u);
});
