/**
 * Chatting through a real server: text-mode and native clients side by side,
 * as the text-mode contract (ARCHITECTURE.md) and the native frames promise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMessage } from '../../src/core/format.ts';
import type { ServerFrame } from '../../src/protocol/frames.ts';
import { linesBefore, say, serverFor, type LineClient } from '../helpers/server.ts';

const STAMP = String.raw`\[\d\d:\d\d:\d\d\]`;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
}

/** A regex for a whole text-mode line: timestamp, then `rest` literally. */
function stamped(rest: string): RegExp {
  return new RegExp(`^${STAMP} ${escapeRe(rest)}$`, 'u');
}

/** Member counts from a text-mode `/rooms` line. */
function roomCounts(line: string): Map<string, number> {
  const body = /^-- rooms: (.*)$/u.exec(line)?.[1];
  assert.ok(body !== undefined, `not a rooms line: ${line}`);
  return new Map(
    body.split(', ').map((entry) => {
      const match = /^(#\S+) \((\d+)\)$/u.exec(entry);
      assert.ok(match, `bad rooms entry ${entry} in ${line}`);
      return [match[1]!, Number(match[2])] as const;
    }),
  );
}

function frames(client: LineClient): ServerFrame[] {
  return client.lines.map((line) => JSON.parse(line) as ServerFrame);
}

/** The user list of a text-mode who line, asserting its count matches. */
function whoNames(line: string): string[] {
  const match = /^-- (#\S+): (\d+) users?: (.*)$/u.exec(line);
  assert.ok(match, `not a who line: ${line}`);
  const names = match[3]!.split(', ');
  assert.equal(names.length, Number(match[2]), line);
  return names;
}

test('room messages reach all three clients with timestamp, sender and text; ids increase', async (t) => {
  const h = await serverFor(t);
  const alice = await h.text('alice');
  const bob = await h.text('bob');
  const carol = await h.native('carol');
  await alice.waitForLine(stamped('#lobby -- carol joined'));
  await bob.waitForLine(stamped('#lobby -- carol joined'));

  const before = Date.now();
  alice.write('hello from alice');
  const m1 = await carol.waitFor('message', { text: 'hello from alice' });
  bob.write('hello from bob');
  const m2 = await carol.waitFor('message', { text: 'hello from bob' });
  const id = say(carol, 'hello from carol');
  const m3 = await carol.waitFor('message', { text: 'hello from carol' });
  const after = Date.now();

  for (const [m, from] of [
    [m1, 'alice'],
    [m2, 'bob'],
    [m3, 'carol'],
  ] as const) {
    assert.equal(m.from, from);
    assert.equal(m.room, '#lobby');
    assert.equal(m.kind, 'say');
    assert.equal(m.to, undefined);
    assert.ok(Number.isInteger(m.msg), `msg id ${m.msg}`);
    assert.ok(m.ts >= before && m.ts <= after, `ts ${m.ts} between ${before} and ${after}`);
    // Both text clients, the sender included, get the same line, built from the same event.
    const line = formatMessage(m);
    assert.match(line, new RegExp(`^${STAMP} #lobby <${from}> hello from ${from}$`, 'u'));
    for (const client of [alice, bob]) await client.waitForLine((l) => l === line, line);
  }
  assert.ok(m1.msg < m2.msg && m2.msg < m3.msg, `ids ${m1.msg}, ${m2.msg}, ${m3.msg}`);

  const acks = frames(carol).filter((f) => f.type === 'ack');
  assert.equal(acks.length, 1, 'only the native sender is acked, once');
  assert.equal(acks[0]!.id, id);
  assert.equal(acks[0]!.msg, m3.msg);
  assert.equal(typeof acks[0]!.ts, 'number');
  assert.equal(
    frames(carol).filter((f) => f.type === 'message').length,
    3,
    'each message arrives once',
  );
});

test('a private message reaches only its target and the sender, in both dialects', async (t) => {
  const h = await serverFor(t);
  const alice = await h.text('alice');
  const bob = await h.text('bob');
  const carol = await h.native('carol');
  await alice.waitForLine(stamped('#lobby -- carol joined'));

  alice.write('/msg carol secret-one for carol');
  const got = await carol.waitFor('message', { text: 'secret-one for carol' });
  assert.equal(got.from, 'alice');
  assert.equal(got.to, 'carol');
  assert.equal(got.room, undefined);
  await alice.waitForLine(stamped('<alice → carol> secret-one for carol'));

  const id = carol.newId();
  carol.send({ type: 'msg', id, to: 'BOB', text: 'secret-two for bob' });
  const ack = await carol.waitFor('ack', { id });
  const echo = await carol.waitFor('message', { text: 'secret-two for bob' });
  assert.equal(echo.msg, ack.msg);
  assert.equal(echo.to, 'bob', 'the target is shown as registered');
  assert.equal(echo.from, 'carol');
  await bob.waitForLine(stamped('<carol → bob> secret-two for bob'));

  alice.write('/msg nobody-here hello?');
  await alice.waitForLine(/^! no_such_user: \S/u);

  // A later message to everyone: whatever was sent before it has arrived by then.
  say(carol, 'marker');
  const bobMarker = await bob.waitForLine(stamped('#lobby <carol> marker'));
  const aliceMarker = await alice.waitForLine(stamped('#lobby <carol> marker'));
  assert.ok(!linesBefore(bob, bobMarker).some((l) => l.includes('secret-one')));
  assert.ok(!linesBefore(alice, aliceMarker).some((l) => l.includes('secret-two')));
  assert.ok(!linesBefore(bob, bobMarker).some((l) => l.includes('nobody-here')));
});

test('/who lists everyone once, before and after a nick change; the old name becomes free', async (t) => {
  const h = await serverFor(t);
  const alice = await h.text('alice');
  const bob = await h.text('bob');
  const carol = await h.native('carol');
  await alice.waitForLine(stamped('#lobby -- carol joined'));

  alice.write('/who');
  const who1 = await alice.waitForLine(/^-- #lobby: 3 users: /u);
  assert.deepEqual(whoNames(who1).sort(), ['alice', 'bob', 'carol']);

  bob.write('/nick robert');
  for (const client of [alice, bob]) {
    await client.waitForLine(stamped('-- bob is now known as robert'));
  }
  const nick = await carol.waitFor('nick', { old: 'bob', name: 'robert' });
  assert.equal(typeof nick.ts, 'number');

  alice.write('/who');
  const who2 = await alice.waitForLine(/^-- #lobby: \d+ users?: /u);
  assert.deepEqual(whoNames(who2).sort(), ['alice', 'carol', 'robert']);
  carol.send({ type: 'who' });
  const who3 = await carol.waitFor('who', { room: '#lobby' });
  assert.deepEqual([...who3.users].sort(), ['alice', 'carol', 'robert']);

  // The old name is free again; the new one is taken.
  const newBob = await h.text('bob');
  await newBob.waitForLine(/^-- #lobby: /u); // the list every join brings
  const taken = await h.textConnect();
  taken.write('Robert');
  await taken.waitForLine(/^! name_taken: \S/u);
  newBob.write('/who');
  const who4 = await newBob.waitForLine(/^-- #lobby: 4 users: /u);
  assert.deepEqual(whoNames(who4).sort(), ['alice', 'bob', 'carol', 'robert']);
});

test('/nick to a taken or invalid name is refused and changes nothing', async (t) => {
  const h = await serverFor(t);
  const alice = await h.text('alice');
  const bob = await h.native('bob');
  await alice.waitForLine(stamped('#lobby -- bob joined'));

  alice.write('/nick BOB');
  await alice.waitForLine(/^! name_taken: \S/u);
  bob.send({ type: 'nick', name: 'admin' });
  const refused = await bob.waitFor('error', { code: 'name_reserved' });
  assert.equal(refused.fatal, undefined);
  alice.write('/nick');
  await alice.waitForLine(/^! bad_arguments: usage: \/nick/u);

  alice.write('/who');
  const who = await alice.waitForLine(/^-- #lobby: \d+ users?: /u);
  assert.deepEqual(whoNames(who).sort(), ['alice', 'bob']);
  assert.ok(!frames(bob).some((f) => f.type === 'nick'));
});

test('/me is rendered "* name action" in text mode and is kind "me" natively', async (t) => {
  const h = await serverFor(t);
  const alice = await h.text('alice');
  const bob = await h.text('bob');
  const carol = await h.native('carol');
  await alice.waitForLine(stamped('#lobby -- carol joined'));

  alice.write('/me waves hello');
  for (const client of [alice, bob])
    await client.waitForLine(stamped('#lobby * alice waves hello'));
  const m = await carol.waitFor('message', { text: 'waves hello' });
  assert.equal(m.kind, 'me');
  assert.equal(m.from, 'alice');

  const id = carol.newId();
  carol.send({ type: 'me', id, text: 'nods' });
  await carol.waitFor('ack', { id });
  for (const client of [alice, bob]) await client.waitForLine(stamped('#lobby * carol nods'));

  alice.write('/me');
  await alice.waitForLine(/^! bad_arguments: usage: \/me/u);
});

test('rooms: join and leave notices go to the room, messages stay in their room', async (t) => {
  const h = await serverFor(t);
  const alice = await h.text('alice');
  const bob = await h.text('bob');
  const carol = await h.native('carol');
  await alice.waitForLine(stamped('#lobby -- carol joined'));
  await bob.waitForLine(stamped('#lobby -- carol joined'));

  alice.write('/join #dev');
  await alice.waitForLine(stamped('#dev -- alice joined'));
  await alice.waitForLine(/^-- #dev: 1 user: alice$/u);

  carol.send({ type: 'join', room: '#Dev' });
  await carol.waitFor('join', { room: '#dev', name: 'carol' });
  const who = await carol.waitFor('who', { room: '#dev' });
  assert.deepEqual(who.users, ['alice', 'carol']);
  await alice.waitForLine(stamped('#dev -- carol joined'));

  // Plain lines go to the current room, which is now #dev.
  alice.write('dev talk');
  await alice.waitForLine(stamped('#dev <alice> dev talk'));
  const devMessage = await carol.waitFor('message', { text: 'dev talk' });
  assert.equal(devMessage.room, '#dev');

  // A native client names the room, or uses its current one (#dev after its join).
  say(carol, 'lobby talk', { room: '#lobby' });
  await bob.waitForLine(stamped('#lobby <carol> lobby talk'));
  await alice.waitForLine(stamped('#lobby <carol> lobby talk'));

  alice.write('/rooms');
  const counts = roomCounts(await alice.waitForLine(/^-- rooms: /u));
  assert.equal(counts.get('#lobby'), 3);
  assert.equal(counts.get('#dev'), 2);

  alice.write('/leave');
  await alice.waitForLine(stamped('#dev -- alice left'));
  await alice.waitForLine(/^-- you are now in #lobby$/u);
  const left = await carol.waitFor('leave', { room: '#dev', name: 'alice' });
  assert.equal(left.reason, undefined);

  alice.write('back in the lobby');
  await bob.waitForLine(stamped('#lobby <alice> back in the lobby'));

  alice.write('/leave #dev');
  await alice.waitForLine(/^! not_in_room: \S/u);

  // The last member leaves: nobody is in #dev any more (the room itself may
  // persist, with its history, but it has no members).
  carol.send({ type: 'leave', room: '#dev' });
  await carol.waitFor('leave', { room: '#dev', name: 'carol' });
  alice.write('/rooms');
  const rooms = roomCounts(await alice.waitForLine(/^-- rooms: /u));
  assert.equal(rooms.get('#lobby'), 3);
  assert.ok((rooms.get('#dev') ?? 0) === 0, `#dev has members: ${[...rooms]}`);

  say(carol, 'marker', { room: '#lobby' });
  const marker = await bob.waitForLine(stamped('#lobby <carol> marker'));
  const seen = linesBefore(bob, marker);
  assert.deepEqual(
    seen.filter((l) => l.includes('#dev') || l.includes('dev talk')),
    [],
    'bob, never in #dev, saw nothing of it',
  );
});

test('an unknown command gets unknown_command; /history answers; never silence', async (t) => {
  const h = await serverFor(t);
  const alice = await h.text('alice');

  alice.write('/frobnicate now');
  const unknown = await alice.waitForLine(/^! /u);
  assert.match(unknown, /^! unknown_command: .*\/frobnicate/u);

  alice.write('/history lots');
  await alice.waitForLine(/^! bad_arguments: usage: \/history/u);
  alice.write('first');
  alice.write('second');
  await alice.waitForLine(stamped('#lobby <alice> second'));
  alice.write('/history 1');
  const end = await alice.waitForLine(/^-- 1 earlier message in #lobby above/u);
  assert.match(linesBefore(alice, end).at(-1)!, stamped('#lobby <alice> second'));

  alice.write('/help');
  await alice.waitForLine(/^-- commands/u);
  await alice.waitForLine(/\/msg NAME TEXT/u);

  // Still usable.
  alice.write('still here');
  await alice.waitForLine(stamped('#lobby <alice> still here'));
});

test('/quit closes the connection and the others see the leave with its reason', async (t) => {
  const h = await serverFor(t);
  const alice = await h.text('alice');
  const bob = await h.text('bob');
  const carol = await h.native('carol');
  await alice.waitForLine(stamped('#lobby -- carol joined'));
  await bob.waitForLine(stamped('#lobby -- carol joined'));

  alice.write('/quit gone fishing');
  await alice.waitForLine(/^-- goodbye$/u);
  await alice.waitForClose();
  await bob.waitForLine(stamped('#lobby -- alice left (quit: gone fishing)'));
  const left = await carol.waitFor('leave', { name: 'alice', room: '#lobby' });
  assert.equal(left.reason, 'quit: gone fishing');

  carol.send({ type: 'quit' });
  const bye = await carol.waitFor('bye');
  assert.equal(typeof bye.reason, 'string');
  await carol.waitForClose();
  await bob.waitForLine(stamped('#lobby -- carol left (quit)'));

  // Both names are free again.
  await h.text('alice');
  await h.native('carol');
  bob.write('/who');
  const who = await bob.waitForLine(/^-- #lobby: 3 users: /u);
  assert.deepEqual(whoNames(who).sort(), ['alice', 'bob', 'carol']);
});
