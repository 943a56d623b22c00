/**
 * Persistent history through a real server: rooms never leak into each
 * other, private messages stay with the two people (and the identity that
 * holds them), history queries are validated and page correctly, joins
 * replay recent messages, text mode's /history, and topics survive restarts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HistoryEnd, MessageEvent, ServerFrame } from '../../src/protocol/frames.ts';
import {
  linesBefore,
  makeTempDir,
  NativeClient,
  serverFor,
  type Harness,
} from '../helpers/server.ts';

const STAMP = String.raw`\[\d\d:\d\d:\d\d\]`;
/** These tests send quickly on purpose; flood control has its own tests. */
const NO_FLOOD = { floodBurst: 100_000, floodPerSecond: 100_000 };

function parse(line: string): ServerFrame {
  return JSON.parse(line) as ServerFrame;
}

/** Says something and waits for its ack; returns the stored message id. */
async function sayAcked(client: NativeClient, text: string, room?: string): Promise<number> {
  const id = client.newId();
  client.send({ type: 'say', id, text, ...(room ? { room } : {}) });
  return (await client.waitFor('ack', { id })).msg;
}

async function privateAcked(client: NativeClient, to: string, text: string): Promise<number> {
  const id = client.newId();
  client.send({ type: 'msg', id, to, text });
  return (await client.waitFor('ack', { id })).msg;
}

/**
 * Sends a history request and collects the replayed messages up to its end
 * frame (live messages in between are left aside).
 */
async function history(
  client: NativeClient,
  request: Record<string, unknown>,
): Promise<{ messages: MessageEvent[]; end: HistoryEnd }> {
  client.send({ type: 'history', ...request });
  return collectReplay(client);
}

/** Collects history:true messages up to the next history end frame. */
async function collectReplay(
  client: NativeClient,
): Promise<{ messages: MessageEvent[]; end: HistoryEnd }> {
  const messages: MessageEvent[] = [];
  const end = await client.waitForFrame((f) => {
    if (f.type === 'message' && f.history) messages.push(f);
    if (f.type === 'error') throw new Error(`unexpected error ${f.code}: ${f.message}`);
    return f.type === 'history';
  }, 'history end');
  return { messages, end: end as HistoryEnd };
}

/**
 * A native client logged in with extra hello fields (a token), once its
 * login is complete: past #lobby's replay and the `who` that ends the join.
 */
/** Topics are set by operators: tests that set one log in as this server operator. */
const OPERATOR_PASSWORD = 'correct horse battery';

async function loginWith(h: Harness, name: string, hello: Record<string, unknown> = {}) {
  const client = await h.nativeConnect();
  client.send({ type: 'hello', version: 1, name, ...hello });
  const welcome = await client.waitFor('welcome');
  await client.waitFor('who', { room: '#lobby' });
  return { client, welcome };
}

async function native(h: Harness, name: string): Promise<NativeClient> {
  return (await loginWith(h, name)).client;
}

/** Closes a client and waits until the server has let its name go (another member sees it leave). */
async function leaveFor(client: NativeClient, witness: NativeClient, name: string): Promise<void> {
  client.close();
  await witness.waitFor('leave', { name });
}

/** Waits until the clock has moved past `ts`, so "later" is strictly later. */
async function after(ts: number): Promise<void> {
  while (Date.now() <= ts) await sleep(2);
}

test('rooms are isolated: a message in #a is never delivered, replayed or queried in #b', async (t) => {
  const h = await serverFor(t, { limits: NO_FLOOD });
  const alice = await native(h, 'alice');
  const bob = await native(h, 'bob');
  alice.send({ type: 'join', room: '#a' });
  await alice.waitFor('history', { room: '#a' });
  bob.send({ type: 'join', room: '#b' });
  await bob.waitFor('history', { room: '#b' });

  const inA = await sayAcked(alice, 'only for a', '#a');
  const inB = await sayAcked(bob, 'only for b', '#b');
  await sayAcked(alice, 'lobby for both', '#lobby');
  // bob receives the lobby message after anything sent before it.
  const lobby = await bob.waitForLine((l) => l.includes('"lobby for both"'), 'lobby message');
  assert.ok(!linesBefore(bob, lobby).some((l) => l.includes('only for a')));

  // A newcomer in #b is replayed #b only; in #a, #a only.
  const carol = await native(h, 'carol');
  carol.send({ type: 'join', room: '#b' });
  const replayB = await collectReplay(carol);
  assert.deepEqual(
    replayB.messages.map((m) => [m.msg, m.room, m.text]),
    [[inB, '#b', 'only for b']],
  );
  assert.deepEqual(replayB.end, { type: 'history', room: '#b', count: 1, more: false });
  carol.send({ type: 'join', room: '#a' });
  const replayA = await collectReplay(carol);
  assert.deepEqual(
    replayA.messages.map((m) => [m.msg, m.room, m.text]),
    [[inA, '#a', 'only for a']],
  );

  const queriedB = await history(bob, { room: '#b', limit: 1000 });
  assert.deepEqual(
    queriedB.messages.map((m) => m.msg),
    [inB],
  );
  const queriedLobby = await history(bob, { room: '#lobby', after: 0 });
  assert.deepEqual(
    queriedLobby.messages.map((m) => m.text),
    ['lobby for both'],
  );

  // The history of a room you are not in is refused.
  bob.send({ type: 'history', room: '#a' });
  const refused = await bob.waitFor('error');
  assert.equal(refused.code, 'not_in_room');
  assert.ok(!bob.lines.some((l) => l.includes('only for a')));
});

test('private messages: only the two see them, never in rooms; a new holder of the name cannot read them, the token holder can', async (t) => {
  const h = await serverFor(t, { limits: NO_FLOOD });
  const first = await loginWith(h, 'alice');
  const alice = first.client;
  const token = first.welcome.token;
  assert.equal(typeof token, 'string');
  assert.ok(token.length >= 16, 'a guessable token');
  const bob = await native(h, 'bob');
  const carol = await native(h, 'carol');

  const toBob = await privateAcked(alice, 'bob', 'secret alice to bob');
  const toAlice = await privateAcked(bob, 'alice', 'secret bob to alice');
  await sayAcked(carol, 'public marker');
  for (const client of [alice, bob]) await client.waitFor('message', { text: 'public marker' });

  // The two see both messages; nobody else does, in any kind of history.
  for (const [client, peer] of [
    [alice, 'bob'],
    [bob, 'alice'],
  ] as const) {
    const page = await history(client, { with: peer });
    assert.deepEqual(
      page.messages.map((m) => [m.msg, m.text]),
      [
        [toBob, 'secret alice to bob'],
        [toAlice, 'secret bob to alice'],
      ],
    );
    assert.deepEqual(page.end, { type: 'history', with: peer, count: 2, more: false });
    assert.ok(page.messages.every((m) => m.room === undefined && m.to !== undefined));
  }
  for (const request of [{ with: 'alice' }, { with: 'bob' }, { with: '' }, { room: '#lobby' }]) {
    const page = await history(carol, { ...request, limit: 1000 });
    assert.ok(
      page.messages.every((m) => !m.text.startsWith('secret')),
      `carol saw a secret through ${JSON.stringify(request)}`,
    );
  }
  const lobby = await history(alice, { room: '#lobby', after: 0 });
  assert.deepEqual(
    lobby.messages.map((m) => m.text),
    ['public marker'],
  );
  assert.ok(!carol.lines.some((l) => l.includes('secret')));

  // alice goes and comes back with her token before anyone else took the name: the same person.
  await leaveFor(alice, bob, 'alice');
  const back = await loginWith(h, 'alice', { token });
  assert.equal(back.welcome.token, token, 'a valid token is kept');
  assert.deepEqual(
    (await history(back.client, { with: 'bob' })).messages.map((m) => m.msg),
    [toBob, toAlice],
  );

  // She goes; someone else takes the free name without her token.
  await leaveFor(back.client, bob, 'alice');
  await after(Date.now());
  const impostor = await loginWith(h, 'alice');
  assert.notEqual(impostor.welcome.token, token);
  for (const request of [{ with: 'bob' }, { with: '' }]) {
    const page = await history(impostor.client, request);
    assert.deepEqual(page.messages, [], `the new alice read ${JSON.stringify(request)}`);
    assert.equal(page.end.count, 0);
  }
  // A made-up token changes nothing.
  await leaveFor(impostor.client, bob, 'alice');
  const guesser = await loginWith(h, 'alice', { token: 'x'.repeat(32) });
  assert.deepEqual((await history(guesser.client, { with: 'bob' })).messages, []);
  assert.ok(!guesser.client.lines.some((l) => l.includes('secret')));
  await leaveFor(guesser.client, bob, 'alice');

  // Someone else presenting alice's token under their own name gets nothing of hers.
  const other = await loginWith(h, 'dave', { token });
  assert.deepEqual((await history(other.client, { with: 'bob' })).messages, []);
  assert.deepEqual((await history(other.client, { with: '' })).messages, []);

  // Once another person has held the name, her old token names a holding that has ended:
  // it proves nothing, and reads nothing (issue: an old token spanning later holders).
  const stale = await loginWith(h, 'alice', { token });
  assert.notEqual(stale.welcome.token, token, 'an ended holding keeps no token');
  assert.deepEqual((await history(stale.client, { with: 'bob' })).messages, []);
  assert.deepEqual((await history(stale.client, { with: '' })).messages, []);
  // bob, who never left, still has both.
  assert.deepEqual(
    (await history(bob, { with: 'alice' })).messages.map((m) => m.msg),
    [toBob, toAlice],
  );
});

test('a private message to a new holder of a name is theirs, and only the new part', async (t) => {
  const h = await serverFor(t, { limits: NO_FLOOD });
  const bob = await native(h, 'bob');
  const alice = await native(h, 'alice');
  const old = await privateAcked(bob, 'alice', 'for the first alice');
  await leaveFor(alice, bob, 'alice');
  await after(Date.now());
  const second = await native(h, 'alice');
  const fresh = await privateAcked(bob, 'alice', 'for the second alice');
  assert.ok(fresh > old);
  assert.deepEqual(
    (await history(second, { with: 'bob' })).messages.map((m) => m.text),
    ['for the second alice'],
  );
  assert.deepEqual(
    (await history(bob, { with: 'alice' })).messages.map((m) => m.text),
    ['for the first alice', 'for the second alice'],
  );
});

test('history requests out of bounds are refused with bad_frame; the connection stays usable', async (t) => {
  const h = await serverFor(t, { limits: NO_FLOOD });
  const alice = await native(h, 'alice');
  const m1 = await sayAcked(alice, 'one');
  await sayAcked(alice, 'two');

  const bad: Record<string, unknown>[] = [
    { limit: 1001 },
    { limit: 0 },
    { limit: -1 },
    { limit: 2.5 },
    { limit: '10' },
    { before: 5, after: 5 },
    { before: 3, after: 7 },
    { before: -1 },
    { after: -3 },
    { after: 1.5 },
    { before: 0.5 },
    { before: 2 ** 60 },
    { after: '0' },
    { room: 7 },
  ];
  for (const request of bad) {
    alice.send({ type: 'history', ...request });
    const error = await alice.waitFor('error');
    assert.equal(error.code, 'bad_frame', JSON.stringify(request));
    assert.equal(error.fatal, undefined);
    assert.match(error.message, /history/u, JSON.stringify(request));
  }
  // No history end frame was sent for any of them, and the next request works.
  assert.ok(!alice.unread().some((l) => parse(l).type === 'history'));
  const page = await history(alice, { limit: 1000, after: 0 });
  assert.deepEqual(
    page.messages.map((m) => m.text),
    ['one', 'two'],
  );
  const one = await history(alice, { limit: 1, before: m1 + 1 });
  assert.deepEqual(
    one.messages.map((m) => m.msg),
    [m1],
  );
  assert.deepEqual(one.end, { type: 'history', room: '#lobby', count: 1, more: false });
});

test('history pages: before/after windows, in order, with an honest `more`', async (t) => {
  const h = await serverFor(t, { limits: NO_FLOOD });
  const alice = await native(h, 'alice');
  alice.send({ type: 'join', room: '#p' });
  await alice.waitFor('history', { room: '#p' });
  const ids: number[] = [];
  for (let i = 1; i <= 12; i++) ids.push(await sayAcked(alice, `p${i}`, '#p'));
  await sayAcked(alice, 'elsewhere', '#lobby');
  const page = async (request: Record<string, unknown>) => {
    const { messages, end } = await history(alice, { room: '#p', ...request });
    assert.ok(messages.every((m) => m.room === '#p' && m.history === true));
    assert.equal(end.room, '#p');
    assert.equal(end.count, messages.length);
    return { texts: messages.map((m) => m.text), more: end.more };
  };
  const id = (n: number) => ids[n - 1]!;

  // Backwards from the newest.
  assert.deepEqual(await page({ limit: 5 }), {
    texts: ['p8', 'p9', 'p10', 'p11', 'p12'],
    more: true,
  });
  assert.deepEqual(await page({ limit: 5, before: id(8) }), {
    texts: ['p3', 'p4', 'p5', 'p6', 'p7'],
    more: true,
  });
  assert.deepEqual(await page({ limit: 5, before: id(3) }), { texts: ['p1', 'p2'], more: false });
  assert.deepEqual(await page({ limit: 5, before: id(1) }), { texts: [], more: false });
  // Forwards from an id.
  assert.deepEqual(await page({ limit: 5, after: 0 }), {
    texts: ['p1', 'p2', 'p3', 'p4', 'p5'],
    more: true,
  });
  assert.deepEqual(await page({ limit: 5, after: id(10) }), { texts: ['p11', 'p12'], more: false });
  assert.deepEqual(await page({ limit: 5, after: id(12) }), { texts: [], more: false });
  // Between two ids.
  assert.deepEqual(await page({ after: id(3), before: id(7) }), {
    texts: ['p4', 'p5', 'p6'],
    more: false,
  });
  assert.deepEqual(await page({ after: id(3), before: id(9), limit: 2 }), {
    texts: ['p4', 'p5'],
    more: true,
  });
  // A page that ends exactly at the last message has nothing more beyond it.
  assert.deepEqual(await page({ limit: 5, after: id(7) }), {
    texts: ['p8', 'p9', 'p10', 'p11', 'p12'],
    more: false,
  });
  assert.deepEqual(await page({ limit: 5, before: id(6) }), {
    texts: ['p1', 'p2', 'p3', 'p4', 'p5'],
    more: false,
  });
  assert.deepEqual(await page({ limit: 12 }), {
    texts: ids.map((_, i) => `p${i + 1}`),
    more: false,
  });

  // Following `more` backwards visits everything once.
  const seen: string[] = [];
  let before: number | undefined;
  for (;;) {
    const { messages, end } = await history(alice, {
      room: '#p',
      limit: 5,
      ...(before === undefined ? {} : { before }),
    });
    seen.unshift(...messages.map((m) => m.text));
    if (!end.more) break;
    before = messages[0]!.msg;
  }
  assert.deepEqual(
    seen,
    ids.map((_, i) => `p${i + 1}`),
  );
});

test('joining replays the last historyOnJoin messages with more:true, then join, topic, who', async (t) => {
  const h = await serverFor(t, {
    limits: { ...NO_FLOOD, historyOnJoin: 5 },
    operators: { alice: OPERATOR_PASSWORD },
  });
  const alice = (await loginWith(h, 'alice', { password: OPERATOR_PASSWORD })).client;
  const ids: number[] = [];
  for (let i = 1; i <= 8; i++) ids.push(await sayAcked(alice, `m${i}`));
  alice.send({ type: 'topic', topic: 'the lobby' });
  await alice.waitFor('topic', { by: 'alice' });

  const bob = await h.nativeConnect();
  bob.send({ type: 'hello', version: 1, name: 'bob' });
  await bob.waitFor('who', { room: '#lobby' });
  const frames = bob.lines.map(parse);
  const types = frames.map((f) => f.type);
  assert.deepEqual(types, [
    'welcome',
    'message',
    'message',
    'message',
    'message',
    'message',
    'history',
    'join',
    'topic',
    'who',
  ]);
  const replayed = frames.filter((f): f is MessageEvent => f.type === 'message');
  assert.deepEqual(
    replayed.map((m) => [m.msg, m.text, m.room, m.from, m.history]),
    [4, 5, 6, 7, 8].map((n) => [ids[n - 1], `m${n}`, '#lobby', 'alice', true]),
  );
  assert.deepEqual(frames[6], { type: 'history', room: '#lobby', count: 5, more: true });
  assert.deepEqual(frames[7], { ...frames[7], type: 'join', room: '#lobby', name: 'bob' });
  assert.deepEqual(frames[8], { type: 'topic', room: '#lobby', topic: 'the lobby' });

  // A room with fewer than historyOnJoin messages: all of them, more:false.
  await sayAcked(alice, 'small one', '#lobby');
  alice.send({ type: 'join', room: '#small' });
  await alice.waitFor('history', { room: '#small' });
  const s1 = await sayAcked(alice, 's1', '#small');
  const s2 = await sayAcked(alice, 's2', '#small');
  bob.send({ type: 'join', room: '#small' });
  const small = await collectReplay(bob);
  assert.deepEqual(
    small.messages.map((m) => m.msg),
    [s1, s2],
  );
  assert.deepEqual(small.end, { type: 'history', room: '#small', count: 2, more: false });
  // An empty room: an empty replay.
  bob.send({ type: 'join', room: '#empty' });
  const empty = await collectReplay(bob);
  assert.deepEqual(empty.end, { type: 'history', room: '#empty', count: 0, more: false });
});

test('joining a room with exactly historyOnJoin messages says there is no more', async (t) => {
  const h = await serverFor(t, { limits: { ...NO_FLOOD, historyOnJoin: 3 } });
  const alice = await native(h, 'alice');
  alice.send({ type: 'join', room: '#three' });
  await alice.waitFor('history', { room: '#three' });
  for (const text of ['x', 'y', 'z']) await sayAcked(alice, text, '#three');
  const bob = await native(h, 'bob');
  bob.send({ type: 'join', room: '#three' });
  const replay = await collectReplay(bob);
  assert.deepEqual(
    replay.messages.map((m) => m.text),
    ['x', 'y', 'z'],
  );
  assert.deepEqual(replay.end, { type: 'history', room: '#three', count: 3, more: false });
});

test('text mode: /history 3 prints the last 3 messages, then a summary line', async (t) => {
  const h = await serverFor(t, { limits: NO_FLOOD });
  const alice = await native(h, 'alice');
  for (let i = 1; i <= 6; i++) await sayAcked(alice, `line ${i}`);
  const bob = await h.text('bob');
  await bob.waitForLine(/^-- #lobby: 2 users: /u);

  bob.write('/history 3');
  const summary = await bob.waitForLine(/^-- 3 earlier messages in #lobby above/u);
  assert.match(summary, /; \/history N shows more$/u);
  const before = linesBefore(bob, summary);
  const who = before.findLastIndex((l) => /^-- #lobby: 2 users: /u.test(l));
  assert.deepEqual(
    before.slice(who + 1).map((l) => l.replace(/^\[\d\d:\d\d:\d\d\] /u, '[T] ')),
    ['[T] #lobby <alice> line 4', '[T] #lobby <alice> line 5', '[T] #lobby <alice> line 6'],
  );
  for (const line of before.slice(who + 1)) assert.match(line, new RegExp(`^${STAMP} `, 'u'));

  // The join replay showed them too, each once, ahead of the join line.
  const joinLine = before.findIndex((l) => / #lobby -- bob joined$/u.test(l));
  assert.equal(before.filter((l) => l.endsWith('<alice> line 1')).length, 1);
  assert.ok(before.findIndex((l) => l.endsWith('<alice> line 1')) < joinLine);
  assert.ok(before.some((l) => l === '-- 6 earlier messages in #lobby above'));

  bob.write('/history 0');
  await bob.waitForLine(/^! bad_frame: /u);
  bob.write('/history 1001');
  await bob.waitForLine(/^! bad_frame: /u);
  bob.write('/history many');
  await bob.waitForLine(/^! bad_arguments: /u);
});

test('a topic persists across a restart and is shown on join, in both dialects', async (t) => {
  const dataDir = await makeTempDir();
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  {
    const h = await serverFor(t, {
      dataDir,
      limits: NO_FLOOD,
      operators: { alice: OPERATOR_PASSWORD },
    });
    const alice = await h.textConnect();
    alice.write('alice');
    await alice.waitForLine(/^Password for alice:$/u);
    alice.write(OPERATOR_PASSWORD);
    await alice.waitForLine(/^-- #lobby: 1 user: alice$/u);
    alice.write('/topic release on friday');
    await alice.waitForLine(
      new RegExp(`^${STAMP} #lobby -- alice set the topic: release on friday$`, 'u'),
    );
    alice.write('/join #quiet');
    await alice.waitForLine(/^-- #quiet: 1 user: alice$/u);
    alice.write('/topic');
    await alice.waitForLine(/^-- #quiet has no topic$/u);
    await h.close();
  }
  const h = await serverFor(t, { dataDir, limits: NO_FLOOD });
  const bob = await h.nativeConnect();
  bob.send({ type: 'hello', version: 1, name: 'bob' });
  const topic = await bob.waitFor('topic');
  assert.deepEqual(topic, { type: 'topic', room: '#lobby', topic: 'release on friday' });
  await bob.waitFor('who', { room: '#lobby' });
  const mark = bob.lines.length;
  bob.send({ type: 'join', room: '#quiet' });
  await bob.waitFor('who', { room: '#quiet' });
  assert.ok(
    !bob.lines.slice(mark).some((l) => parse(l).type === 'topic'),
    'a room without a topic',
  );
  bob.send({ type: 'rooms' });
  const rooms = await bob.waitFor('rooms');
  assert.deepEqual(
    rooms.rooms.find((r) => r.room === '#lobby'),
    { room: '#lobby', members: 1, topic: 'release on friday' },
  );

  const carol = await h.text('carol');
  await carol.waitForLine(/^-- #lobby topic: release on friday$/u);
  carol.write('/topic');
  await carol.waitForLine(/^-- #lobby topic: release on friday$/u);
});
