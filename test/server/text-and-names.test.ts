/**
 * Issue 11, items 11–13 through a real server: look-alike and reserved names
 * refused, rooms that display as #lobby are #lobby or refused, no lone
 * surrogate in topics or quit reasons, and no control character echoed back
 * in error lines.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { serverFor, type NativeClient } from '../helpers/server.ts';

const h = await serverFor({ after });
const LONE_SURROGATE = /\p{Cs}/u;
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/u;

async function helloRefused(name: string): Promise<string> {
  const client = await h.nativeConnect();
  client.send({ type: 'hello', version: 1, name });
  const reply = await client.waitForFrame(() => true, `the reply to ${name}`);
  client.close();
  assert.equal(reply.type, 'error', `${name} must be refused: ${JSON.stringify(reply)}`);
  return reply.type === 'error' ? reply.code : '';
}

test('look-alikes of held names and of reserved names are refused', async () => {
  for (const held of ['ada', 'alice', 'tom', 'bob', 'martin', 'william', 'dave', 'eve']) {
    await h.native(held);
  }
  const attacks = ['ꓮꓓꓮ', 'ꓮꓡꓲꓚꓰ', 'ⲦⲞⲘ', 'ᗷᗝᗷ', 'rnartin', 'vvilliam', 'clave', 'eve\u0332'];
  for (const name of attacks) assert.match(await helloRefused(name), /^name_(taken|invalid)$/u);
  for (const name of ['ꓮꓓꓟꓲꓠ', 'ꓢꓬꓢꓔꓰꓟ', 'ⲞⲢⲈⲢⲀⲦⲞⲢ', 'admin\u01c3']) {
    assert.match(await helloRefused(name), /^name_(reserved|invalid)$/u);
  }
});

async function joinOutcome(client: NativeClient, room: string): Promise<string> {
  client.send({ type: 'join', room });
  const reply = await client.waitForFrame(
    (f) => f.type === 'error' || f.type === 'join' || f.type === 'notice',
    `the reply to joining ${JSON.stringify(room)}`,
  );
  if (reply.type === 'error') return `error:${reply.code}`;
  if (reply.type === 'notice') return `notice:${reply.text}`;
  return reply.type === 'join' ? `join:${reply.room}` : '';
}

test('rooms that display as #lobby are #lobby or refused', async () => {
  const mallory = await h.native('mallory');
  await mallory.waitFor('who', { room: '#lobby' }); // the login's own join is done
  // The room itself: mallory is already in it, so it becomes the room in view.
  assert.equal(await joinOutcome(mallory, '#ＬＯＢＢＹ'), 'notice:you are now in #lobby');
  for (const hidden of ['\u034f', '\ufe0f', '\u3164', '\u115f', '\u0332', '\u{e0100}']) {
    const outcome = await joinOutcome(mallory, `#lobby${hidden}`);
    // Refused, not a room of its own.
    assert.equal(
      outcome,
      'error:room_invalid',
      `#lobby + U+${hidden.codePointAt(0)?.toString(16)}`,
    );
  }
  assert.equal(await joinOutcome(mallory, '#l\u043ebby'), 'error:room_invalid'); // Cyrillic о
  mallory.send({ type: 'rooms' });
  const rooms = await mallory.waitFor('rooms');
  assert.deepEqual(
    rooms.rooms.map((r) => r.room),
    ['#lobby'],
    'no second room that displays as #lobby',
  );
});

test('topics and quit reasons are cut by bytes without lone surrogates', async () => {
  // Topics are set by room operators: a registered name that creates a room operates it.
  const setter = await h.native('topicsetter');
  setter.send({ type: 'register', password: 'correct horse battery' });
  await setter.waitFor('registered');
  setter.send({ type: 'join', room: '#topics' });
  await setter.waitFor('who', { room: '#topics' });
  const watcher = await h.native('topicwatcher');
  watcher.send({ type: 'join', room: '#topics' });
  await watcher.waitFor('who', { room: '#topics' });
  setter.send({ type: 'topic', room: '#topics', topic: 'a'.repeat(299) + '😀'.repeat(5) });
  const topic = await watcher.waitFor('topic', { by: 'topicsetter' });
  assert.equal(topic.topic, 'a'.repeat(299));
  assert.doesNotMatch(topic.topic ?? '', LONE_SURROGATE);

  const quitter = await h.native('quitter');
  quitter.send({ type: 'quit', reason: 'b'.repeat(199) + '😀😀' });
  const leave = await watcher.waitFor('leave', { name: 'quitter' });
  assert.equal(leave.reason, `quit: ${'b'.repeat(199)}`);
  assert.doesNotMatch(leave.reason ?? '', LONE_SURROGATE);
});

test('error lines never echo control characters back to a terminal', async () => {
  const text = await h.text('echoer');
  const hostile = '\x1b]0;owned\x07\x1b[2J\x1b[31mx';
  for (const line of [
    `/msg ${hostile} hi`, // no_such_user
    `/leave #${hostile}`, // not_in_room
    `/who #${hostile}`, // no_such_room
    `/${hostile}`, // unknown_command
  ]) {
    text.write(line);
    const reply = await text.waitForLine(/^! /u, `the error for ${JSON.stringify(line)}`);
    assert.doesNotMatch(reply, CONTROL, JSON.stringify(reply));
  }
  // The decoder's own messages quote the input too.
  const native = await h.native('echoer2');
  native.send({ type: `\x1b[2J\x07${'😀'.repeat(20)}` });
  const error = await native.waitFor('error');
  assert.doesNotMatch(error.message, CONTROL);
  assert.doesNotMatch(error.message, LONE_SURROGATE);
});
