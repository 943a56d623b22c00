/**
 * An account is the identity, its sessions are devices: several at once, in
 * the same rooms, one presence to others; rooms and read positions kept in
 * the store; the same device logging in again replaces its old session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerFrame } from '../../src/protocol/frames.ts';
import type { NativeClient } from '../helpers/server.ts';
import { AccountServer, refusal, sayAndWait } from './helpers.ts';

const PASSWORD = 'a long enough password';

function frames(client: NativeClient, from = 0): ServerFrame[] {
  return client.lines.slice(from).map((l) => JSON.parse(l) as ServerFrame);
}

/** Logs a device of an account in; resolves after its private replay (the last of a login). */
async function device(
  server: AccountServer,
  name: string,
  from: string,
  extra: Record<string, unknown> = {},
): Promise<{ client: NativeClient; token: string }> {
  const client = await server.nativeConnect(from);
  client.send({ type: 'hello', version: 1, name, password: PASSWORD, ...extra });
  const welcome = await client.waitFor('welcome');
  await client.waitFor('read', { room: '@' });
  return { client, token: welcome.token };
}

async function join(client: NativeClient, room: string): Promise<void> {
  client.send({ type: 'join', room });
  await client.waitFor('who', { room });
}

test('two devices of one account chat side by side for 30 s: no takeover, one join notice, each sees both', async (t) => {
  const server = await AccountServer.start(t);
  (await server.registered('alice', PASSWORD)).close();
  const bob = await server.native('bob');
  const mark = bob.lines.length;
  const laptop = (await device(server, 'alice', '127.0.2.1')).client;
  const phone = (await device(server, 'alice', '127.0.2.2')).client;

  const welcome = frames(phone).find((f) => f.type === 'welcome');
  assert.ok(welcome?.type === 'welcome' && welcome.account === true);
  assert.ok(welcome.features?.includes('multi-session'));

  const deadline = Date.now() + 30_000;
  let sent = 0;
  while (Date.now() < deadline) {
    const from = sent % 2 === 0 ? laptop : phone;
    const ack = await sayAndWait(from, `line ${sent}`, { room: '#lobby' });
    assert.equal(ack.type, 'ack', JSON.stringify(ack));
    sent += 1;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  for (const client of [bob, laptop, phone]) {
    await client.waitFor('message', { text: `line ${sent - 1}` });
    const texts = frames(client)
      .filter((f) => f.type === 'message' && f.from === 'alice' && !f.history)
      .map((f) => (f.type === 'message' ? f.text : ''));
    assert.deepEqual(
      texts,
      Array.from({ length: sent }, (_, i) => `line ${i}`),
    );
  }
  const seen = frames(bob, mark);
  const joins = seen.filter((f) => f.type === 'join' && f.name === 'alice');
  assert.equal(joins.length, 1, 'alice joined once, for both devices');
  assert.ok(!seen.some((f) => f.type === 'leave'), 'nobody left');
  assert.equal(laptop.closed || phone.closed, false);
  bob.send({ type: 'who', room: '#lobby' });
  const who = await bob.waitFor('who', { room: '#lobby' });
  assert.deepEqual(who.users.filter((u) => u === 'alice').length, 1);

  // One device going leaves the account in; the last one going is "alice left".
  laptop.close();
  await sayAndWait(phone, 'still here', { room: '#lobby' });
  await bob.waitFor('message', { text: 'still here' });
  assert.ok(!frames(bob, mark).some((f) => f.type === 'leave'));
  phone.close();
  await bob.waitFor('leave', { name: 'alice' });
});

test('a third device logging in gets the account rooms, what it missed, and unread counts', async (t) => {
  const server = await AccountServer.start(t);
  (await server.registered('alice', PASSWORD)).close();
  const a = (await device(server, 'alice', '127.0.2.1')).client;
  const b = (await device(server, 'alice', '127.0.2.2')).client;
  const bob = await server.native('bob');
  await join(a, '#dev');
  // The other device learns it is in #dev too, without #dev becoming a second join.
  await b.waitFor('join', { room: '#dev', name: 'alice' });
  await join(bob, '#dev');
  const ids: number[] = [];
  for (const text of ['one', 'two', 'three']) {
    const ack = await sayAndWait(bob, text, { room: '#dev' });
    assert.equal(ack.type, 'ack');
    if (ack.type === 'ack') ids.push(ack.msg);
  }
  await a.waitFor('message', { text: 'three' });
  // a shows the first; b hears of it.
  a.send({ type: 'read', room: '#dev', msg: ids[0] });
  assert.deepEqual(await b.waitFor('read', { room: '#dev' }), {
    type: 'read',
    room: '#dev',
    msg: ids[0],
  });

  const c = (await device(server, 'alice', '127.0.2.3')).client;
  const welcome = frames(c).find((f) => f.type === 'welcome');
  assert.ok(welcome?.type === 'welcome');
  assert.deepEqual(welcome.rooms, ['#lobby', '#dev']);
  const read = frames(c).find((f) => f.type === 'read' && f.room === '#dev');
  assert.deepEqual(read, { type: 'read', room: '#dev', msg: ids[0], unread: 2 });
  const replayed = frames(c).filter((f) => f.type === 'message' && f.room === '#dev');
  assert.deepEqual(
    replayed.map((f) => (f.type === 'message' ? f.text : '')),
    ['one', 'two', 'three'],
  );

  // After a restart the rooms and read positions are still the account's.
  await server.restart();
  const d = (await device(server, 'alice', '127.0.2.4')).client;
  const again = frames(d).find((f) => f.type === 'read' && f.room === '#dev');
  assert.deepEqual(again, { type: 'read', room: '#dev', msg: ids[0], unread: 2 });
  // Leaving is the account's: no device is in #dev any more, and a new one does not get it back.
  d.send({ type: 'leave', room: '#dev' });
  await d.waitFor('leave', { room: '#dev', name: 'alice' });
  const e = (await device(server, 'alice', '127.0.2.5')).client;
  const rooms = frames(e).find((f) => f.type === 'welcome');
  assert.ok(rooms?.type === 'welcome');
  assert.deepEqual(rooms.rooms, ['#lobby']);
});

test('the same device logging in again replaces its old session, which is told why; other devices stay', async (t) => {
  const server = await AccountServer.start(t);
  (await server.registered('alice', PASSWORD)).close();
  const bob = await server.native('bob');
  const first = await device(server, 'alice', '127.0.2.1');
  const other = (await device(server, 'alice', '127.0.2.2')).client;
  const mark = bob.lines.length;
  const again = (await device(server, 'alice', '127.0.2.3', { token: first.token })).client;
  const error = await first.client.waitFor('error', { code: 'replaced' });
  assert.equal(error.fatal, true);
  assert.match(error.message, /^replaced by a new login from 127\.0\.2\.3$/u);
  await first.client.waitForClose();
  assert.equal(other.closed, false);
  await sayAndWait(again, 'the same laptop', { room: '#lobby' });
  await bob.waitFor('message', { text: 'the same laptop' });
  assert.ok(!frames(bob, mark).some((f) => f.type === 'join' || f.type === 'leave'));

  // A guest's name has one holder: only its own token takes its stale session over.
  const guest = await server.nativeConnect('127.0.2.9');
  guest.send({ type: 'hello', version: 1, name: 'carol' });
  const guestToken = (await guest.waitFor('welcome')).token;
  const thief = await server.nativeConnect('127.0.2.10');
  thief.send({ type: 'hello', version: 1, name: 'carol' });
  assert.equal((await thief.waitFor('error')).code, 'name_taken');
  const back = await server.nativeConnect('127.0.2.11');
  back.send({ type: 'hello', version: 1, name: 'carol', token: guestToken });
  await back.waitFor('welcome');
  assert.equal((await guest.waitFor('error', { code: 'replaced' })).fatal, true);

  // Text mode says it in words.
  const text = await server.text('dave');
  const dave = await server.nativeConnect('127.0.2.12');
  dave.send({ type: 'hello', version: 1, name: 'dave' });
  assert.equal((await dave.waitFor('error')).code, 'name_taken');
  assert.equal(text.closed, false);
});

test('the session cap: an account may have --max-sessions devices, the next is refused', async (t) => {
  const server = await AccountServer.start(t, { limits: { maxSessionsPerAccount: 2 } });
  (await server.registered('alice', PASSWORD)).close();
  await device(server, 'alice', '127.0.2.1');
  await device(server, 'alice', '127.0.2.2');
  const third = await server.nativeConnect('127.0.2.3');
  third.send({ type: 'hello', version: 1, name: 'alice', password: PASSWORD });
  const error = await third.waitFor('error');
  assert.equal(error.code, 'too_many_sessions');
  assert.equal(error.fatal, true);
});

test('a private message to an offline account is stored, acked as offline, and delivered once to each device at login', async (t) => {
  const server = await AccountServer.start(t);
  (await server.registered('bob', PASSWORD)).close();
  const alice = await server.native('alice');
  const id = alice.newId();
  alice.send({ type: 'msg', id, to: 'bob', text: 'while you were out' });
  const ack = await alice.waitFor('ack', { id });
  assert.equal(ack.offline, true);
  // A guest who is offline is still nobody.
  const refused = await refusal(alice, { type: 'msg', to: 'nobody-here', text: 'hi' });
  assert.equal(refused.code, 'no_such_user');

  const laptop = (await device(server, 'bob', '127.0.3.1')).client;
  const phone = (await device(server, 'bob', '127.0.3.2')).client;
  for (const client of [laptop, phone]) {
    const got = frames(client).filter((f) => f.type === 'message' && f.to !== undefined);
    assert.deepEqual(
      got.map((f) => (f.type === 'message' ? [f.msg, f.from, f.text, f.history] : [])),
      [[ack.msg, 'alice', 'while you were out', true]],
    );
  }
  // Live ones reach every device, and the sender's own other devices.
  const live = alice.newId();
  alice.send({ type: 'msg', id: live, to: 'bob', text: 'now you are here' });
  assert.equal((await alice.waitFor('ack', { id: live })).offline, undefined);
  for (const client of [laptop, phone])
    await client.waitFor('message', { text: 'now you are here' });
  laptop.send({ type: 'msg', id: 'r1', to: 'alice', text: 'from the laptop' });
  await phone.waitFor('message', { text: 'from the laptop', from: 'bob' });
});

test('room rules: topics are set by operators only; a founder cannot be de-opped, banned or muted by other operators', async (t) => {
  const server = await AccountServer.start(t);
  const founder = await server.registered('alice', PASSWORD);
  await join(founder, '#den');
  const oper = await server.registered('olga', PASSWORD);
  await join(oper, '#den');
  founder.send({ type: 'op', name: 'olga', room: '#den' });
  await oper.waitFor('moderation', { action: 'op', target: 'olga' });

  // A guest (and a member who is no operator) cannot set a topic, in #lobby or anywhere.
  const guest = await server.native('gus');
  await join(guest, '#den');
  for (const room of ['#lobby', '#den']) {
    const no = await refusal(guest, { type: 'topic', room, topic: 'mine now' });
    assert.equal(no.code, 'unauthorized');
  }
  const text = await server.text('tess');
  text.write('/topic mine');
  await text.waitForLine(/^! unauthorized: only operators of #lobby can set its topic$/u);
  founder.send({ type: 'topic', room: '#den', topic: 'den rules' });
  await guest.waitFor('topic', { room: '#den', topic: 'den rules' });

  for (const frame of [
    { type: 'deop', name: 'alice', room: '#den' },
    { type: 'ban', target: 'alice', room: '#den' },
    { type: 'mute', name: 'alice', room: '#den' },
    { type: 'kick', name: 'alice', room: '#den' },
  ]) {
    const no = await refusal(oper, frame);
    assert.equal(no.code, 'unauthorized', JSON.stringify(frame));
  }
  // A ban on an operator suspends their rights there: no unbanning themselves.
  founder.send({ type: 'ban', target: 'olga', room: '#den' });
  await oper.waitFor('moderation', { action: 'ban', target: 'olga' });
  const selfUnban = await refusal(oper, { type: 'unban', target: 'olga', room: '#den' });
  assert.equal(selfUnban.code, 'unauthorized');

  // Durations are capped, never NaN.
  const long = await refusal(founder, {
    type: 'mute',
    name: 'gus',
    room: '#den',
    duration: 400 * 365 * 86_400_000,
  });
  assert.equal(long.code, 'bad_arguments');
  // The same from a text-mode device of the founder's account, in the room it switches to.
  const textFounder = await server.text('alice', { password: PASSWORD });
  textFounder.write('/switch #den');
  await textFounder.waitForLine(/^-- you are now in #den$/u);
  textFounder.write('/ban gus 5000w');
  await textFounder.waitForLine(/^! bad_arguments: durations are at most ten years/u);
  assert.ok(!textFounder.lines.some((l) => l.includes('NaN')));
});

test('a mute follows the holding: /nick does not shed it', async (t) => {
  const server = await AccountServer.start(t);
  const founder = await server.registered('alice', PASSWORD);
  await join(founder, '#den');
  const bob = await server.native('bob');
  await join(bob, '#den');
  founder.send({ type: 'mute', name: 'bob', room: '#den' });
  await bob.waitFor('moderation', { action: 'mute', target: 'bob' });
  const rename = await refusal(bob, { type: 'nick', name: 'bobby' });
  assert.equal(rename.code, 'muted');
  const said = await sayAndWait(bob, 'can I talk', { room: '#den' });
  assert.equal(said.type === 'error' && said.code, 'muted');
});

test('more unread than one replay holds: a new device gets the newest history-max, up to now, with no hole', async (t) => {
  const server = await AccountServer.start(t, { limits: { historyOnJoin: 2, historyMax: 5 } });
  (await server.registered('alice', PASSWORD)).close();
  const a = (await device(server, 'alice', '127.0.2.1')).client;
  await join(a, '#busy');
  const bob = await server.native('bob');
  await join(bob, '#busy');
  const first = await sayAndWait(bob, 'm0', { room: '#busy' });
  assert.ok(first.type === 'ack');
  a.send({ type: 'read', room: '#busy', msg: first.msg });
  a.close();
  for (let i = 1; i <= 9; i++) await sayAndWait(bob, `m${i}`, { room: '#busy' });

  const b = (await device(server, 'alice', '127.0.2.2')).client;
  const replayed = frames(b)
    .filter((f) => f.type === 'message' && f.room === '#busy')
    .map((f) => (f.type === 'message' ? f.text : ''));
  assert.deepEqual(replayed, ['m5', 'm6', 'm7', 'm8', 'm9']);
  const end = frames(b).find((f) => f.type === 'history' && f.room === '#busy');
  assert.ok(end?.type === 'history' && end.more === true);
  const read = frames(b).find((f) => f.type === 'read' && f.room === '#busy');
  assert.deepEqual(read, { type: 'read', room: '#busy', msg: first.msg, unread: 6 });
});
