/**
 * The connection manager's lifecycle, against a scripted server: when it
 * retries, when it gives up, and how it keeps a quiet connection honest.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, DEFAULT_BACKOFF } from '../../src/client/backoff.ts';
import { Connection } from '../../src/client/connection.ts';
import { FatalError } from '../../src/client/transport.ts';
import { TrustError } from '../../src/tls/client-trust.ts';
import { ScriptedServer, join, nextState, setup, welcome } from './scripted-transport.ts';

test('a refused name at first login is fatal: no retry', async (t) => {
  const { server, connection, frames } = setup(t);
  const offline = nextState(connection, 'offline');
  connection.start();
  const link = await server.link(1);
  await link.next('hello');
  link.reply({ type: 'error', code: 'name_taken', message: 'bot is taken' });
  const end = await offline;
  assert.equal(end.cause, 'fatal');
  assert.match(end.error?.message ?? '', /bot is taken/u);
  assert.equal(server.attempts, 1);
  assert.ok(
    frames.some((f) => f.type === 'error' && f.code === 'name_taken'),
    'shown to the user',
  );
});

test('chooseName lets a person pick another name on the same connection', async (t) => {
  const server = new ScriptedServer();
  const connection = new Connection({
    name: 'bot',
    connector: server.connector,
    keepaliveMs: 0,
    chooseName: async () => 'bot2',
  });
  t.after(() => connection.close());
  connection.start();
  const link = await server.link(1);
  await link.next('hello');
  link.reply({ type: 'error', code: 'name_taken', message: 'taken' });
  assert.equal((await link.next('hello')).name, 'bot2');
  link.reply(welcome('bot2'));
  assert.equal(connection.name, 'bot2');
  assert.equal(connection.state, 'online');
});

test('after a drop, name_taken (our old connection still counted) is retried', async (t) => {
  const { server, connection } = setup(t);
  const warnings: string[] = [];
  connection.on('warning', (w) => warnings.push(w));
  connection.start();
  const first = await server.link(1);
  await first.next('hello');
  first.reply(welcome('bot'), join('#lobby'));
  first.drop();
  const second = await server.link(2);
  await second.next('hello');
  second.reply({ type: 'error', code: 'name_taken', message: 'bot is taken' });
  const third = await server.link(3);
  await third.next('hello');
  const online = nextState(connection, 'online');
  third.reply(welcome('bot'));
  await online;
  assert.match(warnings.join('\n'), /name_taken: bot is taken \(retrying\)/u);
});

test('a trust failure while reconnecting stops for good', async (t) => {
  const { server, connection } = setup(t);
  connection.start();
  const first = await server.link(1);
  await first.next('hello');
  first.reply(welcome('bot'), join('#lobby'));
  server.failures.push(
    new Error('ECONNREFUSED'),
    new TrustError('changed', 'the certificate has CHANGED'),
  );
  const offline = nextState(connection, 'offline');
  first.drop();
  const end = await offline;
  assert.equal(end.cause, 'fatal');
  assert.ok(end.error instanceof TrustError);
  assert.equal(server.attempts, 3, 'one ordinary failure retried, the trust failure not');
});

test('bye ends the session without reconnecting; so does quit', async (t) => {
  const { server, connection, states } = setup(t);
  connection.start();
  const link = await server.link(1);
  await link.next('hello');
  link.reply(welcome('bot'), join('#lobby'), { type: 'bye', reason: 'server shutting down' });
  const offline = nextState(connection, 'offline');
  link.drop();
  const end = await offline;
  assert.deepEqual(
    { cause: end.cause, reason: end.reason },
    { cause: 'bye', reason: 'server shutting down' },
  );
  assert.deepEqual(
    states.map((s) => s.state),
    ['connecting', 'online', 'offline'],
  );
  assert.equal(server.attempts, 1);

  const other = setup(t);
  other.connection.start();
  const otherLink = await other.server.link(1);
  await otherLink.next('hello');
  otherLink.reply(welcome('bot'));
  const quitting = other.connection.quit('done');
  assert.deepEqual(await otherLink.next('quit'), { type: 'quit', reason: 'done' });
  otherLink.drop();
  await quitting;
  assert.equal(other.connection.state, 'offline');
  assert.equal(other.server.attempts, 1);
});

test('a first connection that fails is fatal; a fatal server error is not retried', async (t) => {
  const a = setup(t);
  a.server.failures.push(new Error('connect ECONNREFUSED 127.0.0.1:7447'));
  const offline = nextState(a.connection, 'offline');
  a.connection.start();
  assert.match((await offline).error?.message ?? '', /ECONNREFUSED/u);

  const b = setup(t);
  b.connection.start();
  const link = await b.server.link(1);
  await link.next('hello');
  link.reply(welcome('bot'), {
    type: 'error',
    code: 'too_long',
    message: 'line too long',
    fatal: true,
  });
  const gone = nextState(b.connection, 'offline');
  link.drop();
  const end = await gone;
  assert.ok(end.error instanceof FatalError);
  assert.equal(b.server.attempts, 1);
});

test('a keep-alive ping without an answer drops the connection and reconnects', async (t) => {
  const server = new ScriptedServer();
  const connection = new Connection({
    name: 'bot',
    connector: server.connector,
    backoff: { initialMs: 1, maxMs: 5 },
    keepaliveMs: 10,
    keepaliveTimeoutMs: 10,
  });
  t.after(() => connection.close());
  connection.start();
  const link = await server.link(1);
  await link.next('hello');
  link.reply(welcome('bot'));
  const ping = await link.next('ping');
  assert.equal(typeof ping.token, 'string');
  const change = await nextState(connection, 'reconnecting');
  assert.match(change.error?.message ?? '', /no answer to a keep-alive ping/u);
  await server.link(2);
});

test('backoff grows exponentially up to the cap, with jitter below each step', () => {
  const options = { ...DEFAULT_BACKOFF, initialMs: 100, maxMs: 1000, jitter: 0.5 };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, options, () => 0)),
    [100, 200, 400, 800, 1000, 1000],
  );
  assert.deepEqual(
    [1, 2, 3].map((n) => backoffDelay(n, options, () => 1)),
    [50, 100, 200],
  );
});
