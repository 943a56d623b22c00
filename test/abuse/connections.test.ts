/**
 * Connection admission through a real server (issue #5). The test server
 * listens on 127.0.0.1, which is exempt by default; `exempt: []` makes it
 * count like any other address.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import { DEFAULT_LIMITS } from '../../src/protocol/limits.ts';
import {
  LineClient,
  NativeClient,
  openTls,
  say,
  serverFor,
  tryTls,
  type Harness,
} from '../helpers/server.ts';
import { closed, httpGet, rawConnect, spawnServer, waitUntil } from './helpers.ts';

const PER_ADDRESS = DEFAULT_LIMITS.maxConnectionsPerAddress;
/** Plenty of new connections per window: these tests are about concurrency. */
const MANY_NEW = { newConnectionsPerWindow: 10_000 };

/** Opens `count` native connections (handshake done, not logged in). */
async function fill(h: Harness, count: number): Promise<NativeClient[]> {
  const clients: NativeClient[] = [];
  for (let i = 0; i < count; i++) clients.push(await h.nativeConnect());
  return clients;
}

/** A TLS connection that is expected to be dropped before its handshake completes. */
async function assertDroppedBeforeHandshake(port: number): Promise<void> {
  await assert.rejects(
    tryTls(port, { ALPNProtocols: ['natter/1'] }),
    (error: Error & { code?: string }) =>
      /ECONNRESET|disconnected before secure TLS connection|EPIPE/u.test(
        `${error.code} ${error.message}`,
      ),
  );
}

test(`the ${PER_ADDRESS + 1}th concurrent connection from one address is refused with too_many_connections`, async (t) => {
  const h = await serverFor(t, { exempt: [], limits: MANY_NEW });
  const open = await fill(h, PER_ADDRESS);
  open[0]!.send({ type: 'hello', version: 1, name: 'first' });
  await open[0]!.waitFor('welcome');

  // Native: a fatal error frame, then the close.
  const refused = h.track(await NativeClient.connect(h.port));
  const error = await refused.waitFor('error');
  assert.equal(error.code, 'too_many_connections');
  assert.equal(error.fatal, true);
  assert.match(error.message, /too many connections from your address/u);
  await refused.waitForClose();
  assert.equal(refused.lines.length, 1, 'nothing but the error');

  // Text mode: one error line instead of the greeting.
  const text = h.track(new LineClient(await openTls(h.port)));
  const line = await text.waitForLine(/./u);
  assert.match(line, /^! too_many_connections: /u);
  await text.waitForClose();

  assert.equal(h.server.metrics.get('connections_refused_per_ip'), 2);
  assert.equal(h.server.metrics.snapshot().connections, PER_ADDRESS);

  // Closing one lets a new one in, which can log in and chat.
  open[1]!.close();
  await waitUntil(
    () => h.server.metrics.snapshot().connections === PER_ADDRESS - 1,
    'the server to see the close',
  );
  const newcomer = await h.native('newcomer');
  await open[0]!.waitFor('join', { name: 'newcomer' });
  say(newcomer, 'let in');
  await open[0]!.waitFor('message', { from: 'newcomer', text: 'let in' });
  // And the address is full again.
  const again = h.track(await NativeClient.connect(h.port));
  await again.waitFor('error', { code: 'too_many_connections' });
  assert.equal(newcomer.closed, false);
});

test('past two refused connections at a time, further ones are dropped before the TLS handshake', async (t) => {
  const h = await serverFor(t, { exempt: [], limits: MANY_NEW });
  await fill(h, PER_ADDRESS);
  const metrics = h.server.metrics;

  // Two refused connections that never start their handshake hold both
  // "explanation" slots for this address.
  const holders: net.Socket[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      holders.push(await rawConnect(h.port));
      holders.at(-1)!.on('error', () => {});
    }
    await waitUntil(() => metrics.get('connections_refused_per_ip') === 2, 'two refusals');

    // The 19th and 20th get no handshake at all: the TCP connection is cut.
    await assertDroppedBeforeHandshake(h.port);
    await assertDroppedBeforeHandshake(h.port);
    assert.equal(metrics.get('connections_refused_per_ip'), 4, 'still counted as refusals');
  } finally {
    // (Also before the server closes: it waits for every socket.)
    for (const holder of holders) holder.destroy();
  }

  // Once the holders are gone, refusals are explained again.
  await Promise.all(holders.map(closed));
  let explained: NativeClient | undefined;
  for (let attempt = 0; attempt < 100 && !explained; attempt++) {
    // The server notices the holders' close a moment after they do.
    try {
      explained = h.track(await NativeClient.connect(h.port));
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  assert.ok(explained, 'a refused connection completed its handshake again');
  await explained.waitFor('error', { code: 'too_many_connections' });
});

test('a refused HTTP client gets 503, and its connection is closed (the next refused ones are explained too)', async (t) => {
  // In a child process: with the leak, an in-process server could never close.
  const child = await spawnServer({
    exempt: [],
    limits: { maxConnectionsPerAddress: 1, ...MANY_NEW },
  });
  t.after(() => child.stop());
  const holder = await NativeClient.connect(child.port); // the one allowed connection
  t.after(() => holder.close());
  // One at a time, each closed before the next: more than the two explanation
  // slots, so a leaked socket shows as a refusal dropped without its 503.
  for (let i = 0; i < 4; i++) {
    const response = await httpGet(child.port, '/healthz');
    assert.equal(response.status, 503, `refused request ${i + 1}`);
  }
});

test('too many new connections from one address in the window: too_many_connections, wait a minute', async (t) => {
  const h = await serverFor(t, { exempt: [], limits: { newConnectionsPerWindow: 3 } });
  for (let i = 0; i < 3; i++) {
    const client = await h.native(`user${i}`);
    client.close();
  }
  const refused = h.track(await NativeClient.connect(h.port));
  const error = await refused.waitFor('error');
  assert.equal(error.code, 'too_many_connections');
  assert.match(error.message, /too many new connections/u);
  assert.equal(h.server.metrics.get('connections_refused_rate'), 1);
});

test('exempt addresses (loopback by default) skip the per-address caps', async (t) => {
  const h = await serverFor(t, {
    limits: { maxConnectionsPerAddress: 2, newConnectionsPerWindow: 2 },
  });
  const clients = await fill(h, 6);
  const last = clients.at(-1)!;
  last.send({ type: 'hello', version: 1, name: 'sixth' });
  await last.waitFor('welcome');
  assert.equal(h.server.metrics.get('connections_refused_per_ip'), 0);
  assert.equal(h.server.metrics.get('connections_refused_rate'), 0);
});

test('the global cap refuses everyone, exempt or not, with an explanation', async (t) => {
  const h = await serverFor(t, { limits: { maxConnections: 3 } });
  const clients = await fill(h, 3);
  const refused = h.track(await NativeClient.connect(h.port));
  const error = await refused.waitFor('error', { code: 'too_many_connections' });
  assert.match(error.message, /server is full/u);
  assert.equal(h.server.metrics.get('connections_refused_global'), 1);
  clients[0]!.close();
  await waitUntil(() => h.server.metrics.snapshot().connections === 2, 'a free slot');
  await h.native('fits');
});

test('/healthz and /metrics answer on the same port over ALPN http/1.1', async (t) => {
  const h = await serverFor(t);
  await h.native('someone');
  const health = await httpGet(h.port, '/healthz');
  assert.equal(health.status, 200);
  assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
  const metrics = await httpGet(h.port, '/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers['content-type'] ?? '', /^text\/plain/u);
  for (const counter of [
    'connections_accepted',
    'connections_refused_per_ip',
    'rate_limited',
    'flood_disconnects',
    'slow_consumer_disconnects',
    'login_timeouts',
    'tls_handshake_failures',
  ]) {
    assert.match(metrics.body, new RegExp(`^# TYPE natter_${counter}_total counter$`, 'mu'));
    assert.match(metrics.body, new RegExp(`^natter_${counter}_total \\d+$`, 'mu'));
  }
  assert.match(metrics.body, /^natter_logins_total 1$/mu);
  assert.match(metrics.body, /^natter_users_online 1$/mu);
  assert.match(metrics.body, /^natter_rss_bytes \d+$/mu);
  assert.equal((await httpGet(h.port, '/nope')).status, 404);
});
