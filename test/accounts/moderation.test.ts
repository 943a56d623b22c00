/**
 * Moderation against a real server, in both dialects: who may act (server
 * operators from config, room operators), kick, ban by name, address and
 * CIDR block (surviving restarts, timed bans expiring), mute by room or
 * server-wide, operator grants, and the /bans list.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModerationEvent } from '../../src/protocol/frames.ts';
import type { NativeClient, TextClient } from '../helpers/server.ts';
import { AccountServer, createAccount, refusal, sayAndWait } from './helpers.ts';

const ADA = 'ada-operator-password';
const PW = 'room-owner-password';
const STAMP = String.raw`\[\d\d:\d\d:\d\d\]`;

/** A server with `ada` as server operator (her account made as `natter account create` would). */
async function withOperator(t: Parameters<typeof AccountServer.start>[0]) {
  const server = await AccountServer.start(t, { operators: ['ada'] });
  await createAccount(server, 'ada', ADA);
  return server;
}

async function joinNative(client: NativeClient, room: string): Promise<void> {
  client.send({ type: 'join', room });
  await client.waitFor('who', { room });
}

async function joinText(client: TextClient, room: string): Promise<void> {
  client.write(`/join ${room}`);
  await client.waitForLine(new RegExp(`^-- ${room}: \\d+ users?: `, 'u'), `who ${room}`);
}

function line(pattern: string): RegExp {
  return new RegExp(`^${pattern}$`, 'u');
}

const OPERATOR_FRAMES: Record<string, unknown>[] = [
  { type: 'kick', name: 'carol' },
  { type: 'ban', target: 'carol' },
  { type: 'ban', target: '127.0.0.99' },
  { type: 'unban', target: 'carol' },
  { type: 'mute', name: 'carol' },
  { type: 'unmute', name: 'carol' },
  { type: 'op', name: 'carol' },
  { type: 'deop', name: 'carol' },
  { type: 'bans' },
];

test('non-operators are refused every operator request with unauthorized (native), guests and registered alike', async (t) => {
  const server = await withOperator(t);
  const alice = await server.registered('alice', PW);
  await joinNative(alice, '#den'); // alice operates #den, not #lobby
  await server.native('carol');
  const guest = await server.native('bob');
  await joinNative(guest, '#den');

  for (const client of [guest, alice]) {
    for (const frame of OPERATOR_FRAMES) {
      const room = client === alice ? '#lobby' : '#den';
      const refused = await refusal(client, { ...frame, room });
      assert.equal(refused.code, 'unauthorized', `${JSON.stringify(frame)} in ${room}`);
      assert.equal(refused.message, `only operators of ${room} can do that`);
    }
  }
  // Without a room: the current room (#den for the guest).
  for (const frame of OPERATOR_FRAMES) {
    assert.equal((await refusal(guest, frame)).code, 'unauthorized', JSON.stringify(frame));
  }
  // Nothing happened.
  const ada = await server.native('ada', { password: ADA });
  ada.send({ type: 'bans' });
  assert.deepEqual((await ada.waitFor('bans')).entries, []);
});

test('non-operators are refused every operator command with ! unauthorized (text)', async (t) => {
  const server = await withOperator(t);
  await server.native('carol');
  const bob = await server.text('bob');
  const commands = [
    '/kick carol',
    '/kick carol being rude',
    '/ban carol',
    '/ban carol 10m spam',
    '/ban 127.0.0.0/8',
    '/unban carol',
    '/mute carol 5m',
    '/unmute carol',
    '/op carol',
    '/deop carol',
    '/bans',
  ];
  for (const command of commands) {
    bob.write(command);
    await bob.waitForLine(line('! unauthorized: only operators of #lobby can do that'), command);
  }
});

test('an operator name without its password is nobody, and cannot be registered from chat', async (t) => {
  const server = await AccountServer.start(t, { operators: ['ada'] });
  await server.native('carol');
  // No account "ada" exists: whoever connects under the name is a guest.
  const squatter = await server.native('ada');
  assert.equal((await refusal(squatter, { type: 'kick', name: 'carol' })).code, 'unauthorized');
  const registering = await refusal(squatter, { type: 'register', password: 'i-am-ada-now' });
  assert.equal(registering.code, 'unauthorized');
  assert.match(registering.message, /natter account create/u);
  assert.equal((await refusal(squatter, { type: 'bans' })).code, 'unauthorized');
});

test('kick: the target leaves the room and is told why, in both dialects; others see it; they may come back', async (t) => {
  const server = await withOperator(t);
  const alice = await server.text('alice');
  alice.write(`/register ${PW}`);
  await alice.waitForLine(/^-- alice is registered/u);
  await joinText(alice, '#den');
  const bob = await server.text('bob');
  await joinText(bob, '#den');
  const carol = await server.native('carol');
  await joinNative(carol, '#den');

  alice.write('/kick bob spamming links');
  const told = line(`${STAMP} #den -- alice kicked bob \\(spamming links\\)`);
  await bob.waitForLine(told, 'bob is told why');
  await bob.waitForLine(line('-- you are now in #lobby'));
  await alice.waitForLine(told, 'the room sees it');
  const event = await carol.waitFor('moderation', { action: 'kick' });
  assert.deepEqual(
    { ...event, ts: 0 },
    {
      type: 'moderation',
      action: 'kick',
      room: '#den',
      target: 'bob',
      by: 'alice',
      reason: 'spamming links',
      ts: 0,
    },
  );
  carol.send({ type: 'who', room: '#den' });
  assert.deepEqual((await carol.waitFor('who', { room: '#den' })).users, ['alice', 'carol']);
  // Out of the room: a message to it is refused; a kick is not a ban.
  bob.write('/leave #den');
  await bob.waitForLine(/^! not_in_room: /u);
  await joinText(bob, '#den');

  // The native target: a moderation frame, then the notice.
  alice.write('/kick carol');
  const kicked = await carol.waitFor('moderation', { action: 'kick', target: 'carol' });
  assert.equal(kicked.reason, undefined);
  await carol.waitFor('notice', { text: 'you are now in #lobby' });
  const after = await sayAndWait(carol, 'still here?', { room: '#den' });
  assert.equal(after.type === 'error' && after.code, 'not_in_room', 'not in #den any more');
  alice.write('/kick nobody-here');
  await alice.waitForLine(line('! no_such_user: nobody-here is not in #den'));
});

test('a ban by name survives a restart and stops reconnection by that name, in both dialects', async (t) => {
  const server = await withOperator(t);
  const ada = await server.native('ada', { password: ADA });
  const bob = await server.text('bob');
  const carol = await server.native('carol');

  ada.send({ type: 'ban', target: 'Bob', reason: 'spam' });
  // The event shows the name as the operator typed it.
  await bob.waitForLine(line(`${STAMP} -- ada banned Bob server-wide \\(spam\\)`));
  await bob.waitForLine(line('! banned: you are banned from this server \\(spam\\)'));
  await bob.waitForClose();
  const event = await ada.waitFor('moderation', { action: 'ban' });
  assert.equal(event.room, undefined, 'server-wide');
  assert.equal(event.target, 'Bob');
  // Server-wide events go to the target and the actor, not to everyone.
  assert.ok(!carol.unread().some((l) => l.includes('"moderation"')));

  async function bobIsRefused() {
    const text = await server.textConnect(server.addressOf('bob'));
    text.write('BOB');
    await text.waitForLine(line('! banned: you are banned from this server \\(spam\\)'));
    await text.waitForClose();
    const native = await server.nativeConnect();
    native.send({ type: 'hello', version: 1, name: 'bob' });
    const refused = await native.waitFor('error');
    assert.equal(refused.code, 'banned');
    assert.equal(refused.fatal, true);
    await native.waitForClose();
  }
  await bobIsRefused();
  await server.restart();
  await bobIsRefused();

  // A name ban is about the name: bob's address may still come in under another.
  await server.native('bobby', { from: server.addressOf('bob') });
  const again = await server.native('ada', { password: ADA });
  again.send({ type: 'bans' });
  const { entries } = await again.waitFor('bans');
  assert.deepEqual(entries, [
    { kind: 'name', target: 'Bob', until: null, reason: 'spam', by: 'ada' },
  ]);
  again.send({ type: 'unban', target: 'bob' });
  await again.waitFor('moderation', { action: 'unban' });
  await server.text('bob');
});

test('a ban by address cuts that address and keeps it out after a restart, whatever the name', async (t) => {
  const server = await withOperator(t);
  const ada = await server.text('ada', { password: ADA });
  const eve = await server.native('eve', { from: '127.0.0.9' });
  const neighbour = await server.native('ned', { from: '127.0.0.10' });

  ada.write('/ban 127.0.0.9 abuse');
  const event = (await eve.waitFor('moderation')) as ModerationEvent;
  assert.equal(event.target, '127.0.0.9');
  const cut = await eve.waitFor('error');
  assert.equal(cut.code, 'banned');
  assert.equal(cut.fatal, true);
  await eve.waitForClose();
  await ada.waitForLine(line(`${STAMP} -- ada banned 127.0.0.9 server-wide \\(abuse\\)`));
  assert.ok(!neighbour.closed);

  async function addressIsRefused() {
    const native = await server.nativeConnect('127.0.0.9');
    native.send({ type: 'hello', version: 1, name: 'someone-else' });
    assert.equal((await native.waitFor('error')).code, 'banned');
    await native.waitForClose();
    const text = await server.textConnect('127.0.0.9');
    text.write('yet-another');
    await text.waitForLine(/^! banned: you are banned from this server \(abuse\)$/u);
    await text.waitForClose();
  }
  await addressIsRefused();
  await server.restart();
  await addressIsRefused();
  await server.native('eve', { from: '127.0.0.10' });

  const admin = await server.text('ada', { password: ADA });
  admin.write('/bans');
  await admin.waitForLine(line('-- server: ip 127.0.0.9 until lifted by ada \\(abuse\\)'));
  admin.write('/unban 127.0.0.9');
  await admin.waitForLine(line(`${STAMP} -- ada lifted the ban on 127.0.0.9`));
  await server.native('eve2', { from: '127.0.0.9' });
});

test('a ban by CIDR block keeps out every address in it and no other', async (t) => {
  const server = await withOperator(t);
  const ada = await server.native('ada', { password: ADA });
  const inside = await server.native('in1', { from: '127.0.2.2' });
  ada.send({ type: 'ban', target: '127.0.2.0/30' });
  assert.equal((await inside.waitFor('error')).code, 'banned');
  await inside.waitForClose();

  for (const from of ['127.0.2.1', '127.0.2.3']) {
    const client = await server.nativeConnect(from);
    client.send({ type: 'hello', version: 1, name: 'x' + from.replaceAll('.', '') });
    assert.equal((await client.waitFor('error')).code, 'banned', from);
  }
  await server.native('outside', { from: '127.0.2.4' });
  ada.send({ type: 'bans' });
  assert.deepEqual(
    (await ada.waitFor('bans')).entries.map((e) => [e.kind, e.target]),
    [['ip', '127.0.2.0/30']],
  );
  const bad = await refusal(ada, { type: 'ban', target: '127.0.2.0/33' });
  assert.equal(bad.code, 'bad_arguments');
  ada.send({ type: 'unban', target: '127.0.2.0/30' });
  await ada.waitFor('moderation', { action: 'unban' });
  await server.native('in2', { from: '127.0.2.2' });
});

test('a timed ban expires: refused until then, let in after', async (t) => {
  const server = await withOperator(t);
  const ada = await server.text('ada', { password: ADA });
  const bob = await server.native('bob');
  ada.write('/ban bob 2s cool off');
  const event = await bob.waitFor('moderation', { action: 'ban' });
  assert.equal(event.reason, 'cool off');
  // `until` is two seconds after the ban was made, which is just before the event's `ts`.
  const left = (event.until ?? 0) - event.ts;
  assert.ok(left > 1000 && left <= 2000, JSON.stringify(event));
  const cut = await bob.waitFor('error');
  assert.equal(cut.code, 'banned');
  assert.match(cut.message, /^you are banned from this server until \d\d:\d\d:\d\d \(cool off\)$/u);
  await ada.waitForLine(
    line(
      `${STAMP} -- ada banned bob server-wide until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\(cool off\\)`,
    ),
  );

  const until = event.until!;
  const early = await server.nativeConnect();
  early.send({ type: 'hello', version: 1, name: 'bob' });
  const refused = await early.waitFor('error');
  if (Date.now() < until) assert.equal(refused.code, 'banned');

  // Wait the ban out (by the server's own clock, which set `until`).
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now()) + 50));
  const back = await server.native('bob');
  back.send({ type: 'say', id: 'c1', text: 'I am back' });
  await back.waitFor('ack', { id: 'c1' });
  ada.write('/bans');
  await ada.waitForLine(line('-- no bans or mutes'));
});

test('mute: in a room by its operator refuses messages there only; server-wide refuses everywhere, privately too', async (t) => {
  const server = await withOperator(t);
  const alice = await server.registered('alice', PW);
  await joinNative(alice, '#den');
  const bob = await server.native('bob');
  await joinNative(bob, '#den');
  const carol = await server.text('carol');
  await joinText(carol, '#den');

  alice.send({ type: 'mute', name: 'bob', room: '#den', reason: 'calm down' });
  const muted = await bob.waitFor('moderation', { action: 'mute' });
  assert.deepEqual(
    [muted.room, muted.target, muted.by, muted.until],
    ['#den', 'bob', 'alice', undefined],
  );
  await carol.waitForLine(line(`${STAMP} #den -- alice muted bob \\(calm down\\)`));
  const inDen = await sayAndWait(bob, 'let me speak', { room: '#den' });
  assert.equal(inDen.type, 'error');
  assert.equal(inDen.type === 'error' && inDen.code, 'muted');
  assert.equal(inDen.type === 'error' && inDen.message, 'you are muted in this room (calm down)');
  assert.equal((await sayAndWait(bob, 'lobby is fine', { room: '#lobby' })).type, 'ack');
  const privately = bob.newId();
  bob.send({ type: 'msg', id: privately, to: 'carol', text: 'psst' });
  await bob.waitFor('ack', { id: privately });

  // Server-wide, by a server operator, in text mode: refused everywhere.
  const ada = await server.text('ada', { password: ADA });
  ada.write('/mute carol');
  await carol.waitForLine(line(`${STAMP} -- ada muted carol server-wide`));
  carol.write('anyone?');
  await carol.waitForLine(line('! muted: you are muted on this server'));
  carol.write('/msg bob psst');
  await carol.waitForLine(line('! muted: you are muted on this server'));
  carol.write('/join #lobby');
  await carol.waitForLine(/^-- you are now in #lobby$/u);
  carol.write('/me tries the lobby');
  await carol.waitForLine(line('! muted: you are muted on this server'));

  // Mutes are kept across a restart.
  await server.restart();
  const bob2 = await server.native('bob');
  await joinNative(bob2, '#den');
  const stillMuted = await sayAndWait(bob2, 'after restart', { room: '#den' });
  assert.equal(stillMuted.type === 'error' && stillMuted.code, 'muted');
  const carol2 = await server.text('carol');
  carol2.write('hello?');
  await carol2.waitForLine(line('! muted: you are muted on this server'));

  const ada2 = await server.native('ada', { password: ADA });
  ada2.send({ type: 'unmute', name: 'carol' });
  await carol2.waitForLine(line(`${STAMP} -- ada unmuted carol`));
  carol2.write('free at last');
  await carol2.waitForLine(line(`${STAMP} #lobby <carol> free at last`));
  assert.equal(
    (await refusal(ada2, { type: 'unmute', name: 'carol' })).code,
    'bad_arguments',
    'nothing left to lift',
  );
});

test('room operators: the registered creator, whoever they /op, until /deop; grants survive a restart', async (t) => {
  const server = await withOperator(t);
  const alice = await server.text('alice');
  alice.write(`/register ${PW}`);
  await alice.waitForLine(/^-- alice is registered/u);
  await joinText(alice, '#den');
  const bob = await server.registered('bob', 'bobs-password');
  await joinNative(bob, '#den');
  const gus = await server.native('gus'); // a guest
  await joinNative(gus, '#den');
  await joinNative(gus, '#shed'); // created by a guest: nobody operates it

  assert.equal(
    (await refusal(gus, { type: 'kick', name: 'bob', room: '#shed' })).code,
    'unauthorized',
  );
  assert.equal((await refusal(bob, { type: 'kick', name: 'gus' })).code, 'unauthorized');
  alice.write('/op gus');
  await alice.waitForLine(
    line('! bad_arguments: gus is not registered; only registered names can operate rooms'),
  );
  alice.write('/op bob');
  await alice.waitForLine(line(`${STAMP} #den -- alice gave operator rights to bob`));
  const granted = await bob.waitFor('moderation', { action: 'op' });
  assert.equal(granted.target, 'bob');

  bob.send({ type: 'kick', name: 'gus', reason: 'testing my powers' });
  await gus.waitFor('moderation', { action: 'kick', by: 'bob' });

  await server.restart();
  const bob2 = await server.native('bob', { password: 'bobs-password' });
  await joinNative(bob2, '#den');
  const gus2 = await server.native('gus');
  await joinNative(gus2, '#den');
  bob2.send({ type: 'kick', name: 'gus' });
  await gus2.waitFor('moderation', { action: 'kick', by: 'bob' });
  await joinNative(gus2, '#den');

  const alice2 = await server.text('alice', { password: PW });
  await joinText(alice2, '#den');
  alice2.write('/deop bob');
  await alice2.waitForLine(line(`${STAMP} #den -- alice took operator rights from bob`));
  assert.equal(
    (await refusal(bob2, { type: 'kick', name: 'gus', room: '#den' })).code,
    'unauthorized',
  );
  alice2.write('/deop bob');
  await alice2.waitForLine(line('! bad_arguments: bob is not an operator of #den'));
  // A server operator operates every room without a grant.
  const ada = await server.native('ada', { password: ADA });
  await joinNative(ada, '#den');
  ada.send({ type: 'kick', name: 'gus' });
  await gus2.waitFor('moderation', { action: 'kick', by: 'ada' });
});

test('a room ban takes the target out of the room and keeps them out of it only, across a restart', async (t) => {
  const server = await withOperator(t);
  const alice = await server.registered('alice', PW);
  await joinNative(alice, '#den');
  const bob = await server.text('bob');
  await joinText(bob, '#den');

  alice.send({ type: 'ban', target: 'bob', reason: 'off topic' });
  await bob.waitForLine(line(`${STAMP} #den -- alice banned bob \\(off topic\\)`));
  await bob.waitForLine(line('-- you are now in #lobby'));
  bob.write('/join #den');
  await bob.waitForLine(line('! banned: you are banned from #den \\(off topic\\)'));
  bob.write('still in the lobby');
  await bob.waitForLine(line(`${STAMP} #lobby <bob> still in the lobby`));
  assert.ok(!bob.closed, 'a room ban is not fatal');

  await server.restart();
  const bob2 = await server.text('bob');
  bob2.write('/join #den');
  await bob2.waitForLine(line('! banned: you are banned from #den \\(off topic\\)'));
  const alice2 = await server.native('alice', { password: PW });
  alice2.send({ type: 'unban', target: 'bob', room: '#den' });
  await alice2.waitFor('moderation', { action: 'unban', room: '#den' });
  await joinText(bob2, '#den');
});

test('/bans lists what the asker governs: a room operator their room, a server operator everything', async (t) => {
  const server = await withOperator(t);
  const alice = await server.text('alice');
  alice.write(`/register ${PW}`);
  await alice.waitForLine(/^-- alice is registered/u);
  await joinText(alice, '#den');
  const ada = await server.text('ada', { password: ADA });

  alice.write('/bans');
  await alice.waitForLine(line('-- no bans or mutes'));
  alice.write('/ban pest 1h flooding');
  await alice.waitForLine(line(`${STAMP} #den -- alice banned pest until .+ \\(flooding\\)`));
  alice.write('/mute bob');
  await alice.waitForLine(line(`${STAMP} #den -- alice muted bob`));
  ada.write('/ban troll trolling');
  await ada.waitForLine(line(`${STAMP} -- ada banned troll server-wide \\(trolling\\)`));
  ada.write('/mute carol 10m');
  await ada.waitForLine(line(`${STAMP} -- ada muted carol server-wide until .+`));

  alice.write('/bans');
  await alice.waitForLine(
    line(
      '-- #den: name pest until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d by alice \\(flooding\\)',
    ),
  );
  await alice.waitForLine(line('-- #den: mute bob until lifted by alice'));
  ada.write('/bans');
  await ada.waitForLine(line('-- #den: name pest until .+ by alice \\(flooding\\)'));
  await ada.waitForLine(line('-- server: name troll until lifted by ada \\(trolling\\)'));
  await ada.waitForLine(line('-- #den: mute bob until lifted by alice'));
  await ada.waitForLine(line('-- server: mute carol until .+ by ada'));
  assert.ok(!alice.unread().some((l) => l.includes('troll') || l.includes('carol')));

  const native = await server.native('ada', { password: ADA, from: '127.0.0.80' });
  native.send({ type: 'bans', room: '#den' });
  const { entries } = await native.waitFor('bans');
  assert.deepEqual(
    entries.map(({ room, kind, target, by, reason }) => ({ room, kind, target, by, reason })),
    [
      { room: '#den', kind: 'name', target: 'pest', by: 'alice', reason: 'flooding' },
      { room: '#den', kind: 'mute', target: 'bob', by: 'alice', reason: null },
    ],
  );
  assert.ok(entries[0]!.until !== null && entries[1]!.until === null);
});

test('#lobby belongs to nobody: the first registered person in does not operate it', async (t) => {
  const server = await withOperator(t);
  await createAccount(server, 'alice', PW);
  const alice = await server.native('alice', { password: PW }); // creates #lobby
  await server.native('bob');
  assert.equal((await refusal(alice, { type: 'kick', name: 'bob' })).code, 'unauthorized');
});

test('a name banned server-wide cannot be taken with /nick either', async (t) => {
  const server = await withOperator(t);
  const ada = await server.native('ada', { password: ADA });
  ada.send({ type: 'ban', target: 'troll' });
  await ada.waitFor('moderation', { action: 'ban' });
  const other = await server.text('someone');
  other.write('/nick Troll');
  await other.waitForLine(/^! banned: Troll is banned from this server$/u);
  assert.ok(!other.closed);
  other.write('/nick fine-name');
  await other.waitForLine(line(`${STAMP} -- someone is now known as fine-name`));
});

test('an operator cannot ban an address or block that covers their own', async (t) => {
  const server = await withOperator(t);
  const ada = await server.text('ada', { password: ADA, from: '127.0.3.5' });
  for (const target of ['127.0.3.5', '127.0.3.0/24', '127.0.0.0/8']) {
    ada.write(`/ban ${target}`);
    await ada.waitForLine(line('! bad_arguments: that would ban your own address'), target);
  }
  ada.write('/ban 127.0.4.0/24');
  await ada.waitForLine(line(`${STAMP} -- ada banned 127.0.4.0/24 server-wide`));
});

test('/ban NAME 7d: days and weeks are durations, as /help says', async (t) => {
  const server = await withOperator(t);
  const ada = await server.text('ada', { password: ADA });
  for (const [command, expected] of [
    [
      '/ban bob 7d holiday',
      /^\[\d\d:\d\d:\d\d\] -- ada banned bob server-wide until .+ \(holiday\)$/u,
    ],
    ['/mute carol 2w', /^\[\d\d:\d\d:\d\d\] -- ada muted carol server-wide until .+$/u],
  ] as const) {
    ada.write(command);
    const answer = await ada.waitForLine((l) => expected.test(l) || l.startsWith('! '), command);
    assert.match(answer, expected);
  }
});
