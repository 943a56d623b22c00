/**
 * The connection manager's session half, against a scripted server: what it
 * resumes, what it shows once, how messages wait, go and settle.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Connection } from '../../src/client/connection.ts';
import type { MessageEvent } from '../../src/protocol/frames.ts';
import { ScriptedServer, join, message, nextState, setup, welcome } from './scripted-transport.ts';

test('a reconnect resumes every room from the last id seen, current room first, with the token', async (t) => {
  const { server, connection } = setup(t);
  connection.start();
  const first = await server.link(1);
  const hello = await first.next('hello');
  assert.deepEqual(hello, { type: 'hello', version: 1, name: 'bot' }, 'no resume on first contact');
  first.reply(welcome('bot', { token: 'secret-token' }), join('#lobby'));
  first.reply(message(7, 'in the lobby'));
  connection.send({ type: 'join', room: '#dev' });
  await first.next('join');
  first.reply(
    join('#dev'),
    message(12, 'in dev', { room: '#dev' }),
    message(13, 'private', { room: undefined, to: 'bot' }),
  );
  assert.equal(connection.room, '#dev');

  first.drop();
  const second = await server.link(2);
  const again = await second.next('hello');
  assert.deepEqual(again.resume, { '#dev': 12, '#lobby': 7, '@': 13 });
  assert.deepEqual(Object.keys(again.resume ?? {}), ['#dev', '#lobby', '@'], 'current room first');
  assert.equal(again.token, 'secret-token');
  // The server rejoins in its own order; the current room stays current.
  second.reply(welcome('bot', { room: '#dev' }), join('#dev'), join('#lobby'));
  assert.equal(connection.room, '#dev');
  assert.deepEqual(connection.rooms, ['#lobby', '#dev']);
});

test('a replay that overlaps what was shown shows each message once', async (t) => {
  const { server, connection, frames } = setup(t);
  connection.start();
  const first = await server.link(1);
  await first.next('hello');
  first.reply(welcome('bot'), join('#lobby'), message(1, 'one'), message(2, 'two'));
  first.drop();
  const second = await server.link(2);
  await second.next('hello');
  second.reply(
    welcome('bot'),
    message(1, 'one', { history: true }),
    message(2, 'two', { history: true }),
    message(3, 'three', { history: true }),
    join('#lobby'),
    message(3, 'three'), // the same message live as well
    message(4, 'four'),
  );
  const texts = frames.filter((f) => f.type === 'message').map((f) => (f as MessageEvent).text);
  assert.deepEqual(texts, ['one', 'two', 'three', 'four']);
});

test('messages sent while offline wait for the rooms to be back, keep their ids, and are pending until acked', async (t) => {
  const { server, connection } = setup(t);
  connection.start();
  const first = await server.link(1);
  await first.next('hello');
  first.reply(welcome('bot'), join('#lobby'));
  const early = connection.send({ type: 'say', text: 'written, never acked' });
  assert.deepEqual(await first.next('say'), {
    type: 'say',
    text: 'written, never acked',
    room: '#lobby',
    id: early,
  });

  first.drop();
  await nextState(connection, 'reconnecting');
  const late = connection.send({ type: 'me', text: 'typed while away' });
  assert.deepEqual(
    connection.pending.map((p) => p.id),
    [early, late],
  );
  const second = await server.link(2);
  await second.next('hello');
  second.reply(welcome('bot'));
  assert.equal(
    second.sent.filter((f) => f.type === 'say' || f.type === 'me').length,
    0,
    'waits for the rejoin',
  );
  second.reply(join('#lobby'));
  assert.deepEqual(await second.next('say'), {
    type: 'say',
    text: 'written, never acked',
    room: '#lobby',
    id: early,
  });
  assert.deepEqual(await second.next('me'), {
    type: 'me',
    text: 'typed while away',
    room: '#lobby',
    id: late,
  });

  const acks: string[] = [];
  connection.on('ack', (m) => acks.push(m.id));
  second.reply({ type: 'ack', id: early, msg: 5, ts: 1 }, { type: 'ack', id: late, msg: 6, ts: 1 });
  assert.deepEqual(acks, [early, late]);
  assert.deepEqual(connection.pending, []);
  assert.equal(await connection.drain(1000), true);
});

test('a refusal with our id settles that message only', async (t) => {
  const { server, connection } = setup(t);
  const refused: string[] = [];
  connection.on('refused', (m, error) => refused.push(`${m.id} ${error.code}`));
  connection.start();
  const link = await server.link(1);
  await link.next('hello');
  link.reply(welcome('bot'), join('#lobby'));
  const a = connection.send({ type: 'msg', to: 'nobody', text: 'hi' });
  const b = connection.send({ type: 'say', text: 'fine' });
  link.reply({ type: 'error', code: 'no_such_user', message: 'nobody called nobody', id: a });
  assert.deepEqual(refused, [`${a} no_such_user`]);
  assert.deepEqual(
    connection.pending.map((p) => p.id),
    [b],
  );
});

test('a frame longer than the server allows is refused locally, not sent', async (t) => {
  const { server, connection, frames } = setup(t);
  connection.start();
  const link = await server.link(1);
  await link.next('hello');
  link.reply(
    welcome('bot', { limits: { maxLineBytes: 100, maxMessageBytes: 50, historyMax: 10 } }),
    join('#lobby'),
  );
  const id = connection.send({ type: 'say', text: 'y'.repeat(200) });
  assert.equal(link.sent.filter((f) => f.type === 'say').length, 0);
  assert.deepEqual(connection.pending, []);
  assert.ok(frames.some((f) => f.type === 'error' && f.id === id && f.code === 'too_long'));
});

test('at most maxInFlight messages wait for acks; each ack lets the next one go', async (t) => {
  const server = new ScriptedServer();
  const connection = new Connection({
    name: 'bot',
    connector: server.connector,
    keepaliveMs: 0,
    maxInFlight: 3,
  });
  t.after(() => connection.close());
  connection.start();
  const link = await server.link(1);
  await link.next('hello');
  link.reply(welcome('bot'), join('#lobby'));
  const ids = ['a', 'b', 'c', 'd', 'e'].map((text) => connection.send({ type: 'say', text }));
  connection.send({ type: 'who' }); // behind the messages: waits with them, in order
  const said = () =>
    link.sent
      .filter((f) => f.type === 'say' || f.type === 'who')
      .map((f) => (f.type === 'say' ? f.text : 'who'));
  assert.deepEqual(said(), ['a', 'b', 'c']);
  link.reply({ type: 'ack', id: ids[0]!, msg: 1, ts: 1 });
  assert.deepEqual(said(), ['a', 'b', 'c', 'd']);
  link.reply({ type: 'error', code: 'empty_message', message: 'x', id: ids[1]! });
  link.reply({ type: 'ack', id: ids[2]!, msg: 2, ts: 1 });
  assert.deepEqual(said(), ['a', 'b', 'c', 'd', 'e', 'who']);
});

test('drain gives up only after the idle time passes with no ack at all', async (t) => {
  const { server, connection } = setup(t);
  connection.start();
  const link = await server.link(1);
  await link.next('hello');
  link.reply(welcome('bot'), join('#lobby'));
  const [a, b] = [
    connection.send({ type: 'say', text: 'a' }),
    connection.send({ type: 'say', text: 'b' }),
  ];
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let result: boolean | undefined;
  const drained = connection.drain(1000).then((ok) => (result = ok));
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  t.mock.timers.tick(900);
  link.reply({ type: 'ack', id: a, msg: 1, ts: 1 }); // progress: the clock starts again
  t.mock.timers.tick(900);
  await settle();
  assert.equal(result, undefined, 'still waiting 1800 ms in, 900 ms after the last ack');
  t.mock.timers.tick(200);
  await drained;
  assert.equal(result, false);
  assert.deepEqual(
    connection.pending.map((p) => p.id),
    [b],
  );
});

test('frames with wrongly typed fields are dropped with a warning, not a crash', async (t) => {
  const { server, connection, frames } = setup(t);
  const warnings: string[] = [];
  connection.on('warning', (w) => warnings.push(w));
  connection.start();
  const link = await server.link(1);
  await link.next('hello');
  link.reply(welcome('bot'), join('#lobby'));
  link.reply(
    { ...message(1, 'x'), room: 5 },
    { type: 'who', room: '#lobby', users: null },
    { type: 'rooms', rooms: [{ room: '#a', members: '2' }] },
    'not an object',
    message(2, 'fine'),
  );
  assert.deepEqual(warnings, [
    'ignored a message frame from the server: bad field "room"',
    'ignored a who frame from the server: bad field "users"',
    'ignored a rooms frame from the server: bad field "rooms"',
    'ignored a line from the server: a frame must be a JSON object',
  ]);
  assert.deepEqual(
    frames.filter((f) => f.type === 'message').map((f) => (f as MessageEvent).text),
    ['fine'],
  );
});

test('pings from the server are answered with the same token', async (t) => {
  const { server, connection } = setup(t);
  connection.start();
  const link = await server.link(1);
  await link.next('hello');
  link.reply(welcome('bot'), { type: 'ping', token: 'abc' });
  assert.deepEqual(await link.next('pong'), { type: 'pong', token: 'abc' });
});
