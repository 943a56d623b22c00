import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chat, type ChatUser, type Room } from '../../src/core/chat.ts';
import { NatterError, type ErrorCode } from '../../src/protocol/errors.ts';

function user(chat: Chat, name: string): ChatUser {
  const result = chat.claimName(name);
  assert.ok(!(result instanceof NatterError), `${name}: ${String(result)}`);
  return result as ChatUser;
}

function room(result: { room: Room } | Room | NatterError): Room {
  assert.ok(!(result instanceof NatterError), String(result));
  return 'room' in result ? result.room : (result as Room);
}

function assertError(result: unknown, code: ErrorCode, mentions?: RegExp): void {
  assert.ok(result instanceof NatterError, `expected ${code}, got ${JSON.stringify(result)}`);
  assert.equal(result.code, code, result.message);
  if (mentions) assert.match(result.message, mentions);
}

function names(r: Room): string[] {
  return [...r.members.values()].map((m) => m.name);
}

test('claimName reserves a name; the same name in any case or look-alike is taken', () => {
  const chat = new Chat();
  const alice = user(chat, 'Alice');
  assert.equal(alice.name, 'Alice');
  assert.equal(chat.userCount, 1);
  assertError(chat.claimName('Alice'), 'name_taken', /Alice is already taken$/u);
  assertError(chat.claimName('alice'), 'name_taken', /too similar to Alice/u);
  assertError(chat.claimName('\u0430lice'), 'name_invalid'); // Cyrillic а + Latin: mixed
  assertError(chat.claimName('admin'), 'name_reserved');
  assertError(chat.claimName(''), 'name_invalid');
  assert.equal(chat.userCount, 1, 'refusals reserve nothing');
  assert.equal(chat.findUser('ALICE'), alice);
  assert.equal(chat.findUser('nobody'), undefined);
  assert.equal(chat.findUser('not a valid name'), undefined);
});

test('join creates a room, keeps join order, and refuses a second join or a bad name', () => {
  const chat = new Chat();
  const alice = user(chat, 'alice');
  const bob = user(chat, 'bob');
  const first = chat.join(alice, '#Dev');
  assert.ok(!(first instanceof NatterError));
  assert.equal(first.created, true);
  assert.equal(first.room.name, '#Dev');
  const second = chat.join(bob, '#dev');
  assert.ok(!(second instanceof NatterError));
  assert.equal(second.created, false, 'room names are case-insensitive');
  assert.equal(second.room, first.room);
  assert.deepEqual(names(first.room), ['alice', 'bob']);
  assert.deepEqual([...alice.rooms], [first.room.key]);

  assertError(chat.join(alice, '#DEV'), 'already_in_room', /#Dev/u);
  assertError(chat.join(alice, 'dev'), 'room_invalid');
  assertError(chat.join(alice, '#'), 'room_invalid');
  assertError(chat.join(alice, `#${'r'.repeat(65)}`), 'room_invalid');
  assertError(chat.join(alice, '#no spaces'), 'room_invalid');
  assert.equal(chat.rooms().length, 1);
});

test('leave removes the member; the last one out makes the room vanish', () => {
  const chat = new Chat();
  const alice = user(chat, 'alice');
  const bob = user(chat, 'bob');
  const dev = room(chat.join(alice, '#dev'));
  chat.join(bob, '#dev');

  assert.equal(room(chat.leave(alice, '#DEV')), dev);
  assert.deepEqual(names(dev), ['bob']);
  assert.equal(alice.rooms.size, 0);
  assertError(chat.leave(alice, '#dev'), 'not_in_room');

  chat.leave(bob, '#dev');
  assert.equal(chat.findRoom('#dev'), undefined);
  assert.deepEqual(chat.rooms(), []);
  // Joining again creates it afresh.
  const again = chat.join(alice, '#dev');
  assert.ok(!(again instanceof NatterError) && again.created);
});

test('roomOf: not_in_room for a room the user is not in, or that does not exist', () => {
  const chat = new Chat();
  const alice = user(chat, 'alice');
  const bob = user(chat, 'bob');
  const dev = room(chat.join(alice, '#dev'));
  assert.equal(chat.roomOf(alice, ' #Dev '), dev);
  assertError(chat.roomOf(bob, '#dev'), 'not_in_room', /#dev/u);
  assertError(chat.roomOf(alice, '#nowhere'), 'not_in_room', /#nowhere/u);
  assertError(chat.roomOf(alice, `#${'x'.repeat(500)}`), 'not_in_room');
  const long = chat.roomOf(alice, `#${'x'.repeat(500)}`) as NatterError;
  assert.ok(long.message.length < 120, 'the echo is bounded');
});

test('rename keeps the rooms and their order, frees the old name and takes the new one', () => {
  const chat = new Chat();
  const alice = user(chat, 'alice');
  const bob = user(chat, 'bob');
  const carol = user(chat, 'carol');
  const lobby = room(chat.join(alice, '#lobby'));
  chat.join(bob, '#lobby');
  chat.join(carol, '#lobby');
  const dev = room(chat.join(bob, '#dev'));

  assert.deepEqual(chat.rename(bob, 'robert'), { old: 'bob' });
  assert.equal(bob.name, 'robert');
  assert.equal(chat.findUser('robert'), bob);
  assert.equal(chat.findUser('bob'), undefined);
  assert.equal(chat.userCount, 3);
  assert.deepEqual([...bob.rooms], [lobby.key, dev.key], 'still in both rooms');
  assert.deepEqual(names(lobby).sort(), ['alice', 'carol', 'robert']);
  assert.equal(lobby.members.get(bob.key), bob, 'members are keyed by the new key');
  assert.equal(chat.roomOf(bob, '#dev'), dev);
  // The room still works for the renamed user.
  room(chat.leave(bob, '#dev'));
  assert.equal(chat.findRoom('#dev'), undefined);

  // The old name is free; the new one is not.
  user(chat, 'bob');
  assertError(chat.claimName('Robert'), 'name_taken');
});

test('rename refusals change nothing', () => {
  const chat = new Chat();
  const alice = user(chat, 'alice');
  user(chat, 'bob');
  chat.join(alice, '#lobby');
  assertError(chat.rename(alice, 'BOB'), 'name_taken');
  assertError(chat.rename(alice, 'root'), 'name_reserved');
  assertError(chat.rename(alice, 'two words'), 'name_invalid');
  assertError(chat.rename(alice, 'alice'), 'name_taken', /already alice/u);
  assert.equal(alice.name, 'alice');
  assert.equal(chat.findUser('alice'), alice);
  assert.equal(chat.userCount, 2);
});

test('rename may change only the case of a name', () => {
  const chat = new Chat();
  const alice = user(chat, 'alice');
  const lobby = room(chat.join(alice, '#lobby'));
  assert.deepEqual(chat.rename(alice, 'Alice'), { old: 'alice' });
  assert.equal(alice.name, 'Alice');
  assert.equal(chat.findUser('alice'), alice);
  assert.deepEqual(names(lobby), ['Alice']);
});

test('release frees the name and returns the rooms left, for leave notices', () => {
  const chat = new Chat();
  const alice = user(chat, 'alice');
  const bob = user(chat, 'bob');
  const lobby = room(chat.join(alice, '#lobby'));
  chat.join(bob, '#lobby');
  const solo = room(chat.join(alice, '#solo'));

  const left = chat.release(alice);
  assert.deepEqual(
    left.map((r) => r.name),
    ['#lobby', '#solo'],
  );
  assert.equal(left[0], lobby);
  assert.equal(left[1], solo);
  assert.deepEqual(names(lobby), ['bob'], 'the remaining members get the notice');
  assert.equal(chat.findRoom('#solo'), undefined, 'an emptied room vanishes');
  assert.equal(chat.findUser('alice'), undefined);
  assert.equal(chat.userCount, 1);
  user(chat, 'alice');
  assert.deepEqual(
    chat.release(bob).map((r) => r.name),
    ['#lobby'],
  );
});
