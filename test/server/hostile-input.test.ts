/**
 * Bad input through a real server (ARCHITECTURE.md, "Limits" and "Testing
 * principles"): each gets a clear error with its stable code, nobody else
 * sees anything of it, and only the offences the limits call fatal end the
 * offender's connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ErrorCode } from '../../src/protocol/errors.ts';
import type { ServerFrame } from '../../src/protocol/frames.ts';
import { DEFAULT_LIMITS } from '../../src/protocol/limits.ts';
import {
  linesBefore,
  say,
  serverFor,
  writeRaw,
  type LineClient,
  type NativeClient,
} from '../helpers/server.ts';

/** What no line from the server may carry (text-mode contract, point 5). */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/u;

const HOSTILE =
  'colour:\x1b[31mred\x1b[0m move:\x1b[2J\x1b[10;10H title:\x1b]0;pwned\x07 bell:\x07 ' +
  'del:\x7f c1:\u009b31m bidi:\u202eexe.txt end';

/** The other clients' lines before a marker everyone sent after the bad input. */
async function assertNothingLeaked(clients: LineClient[], marker: string, leaked: RegExp) {
  for (const client of clients) {
    const line = await client.waitForLine((l) => l.includes(marker), marker);
    const before = linesBefore(client, line);
    assert.deepEqual(
      before.filter((l) => leaked.test(l)),
      [],
      'nothing of the bad input reached anyone',
    );
  }
}

function assertClean(line: string): void {
  assert.doesNotMatch(line, CONTROL, `control character in ${JSON.stringify(line)}`);
}

/** Asserts a received message was sanitised but kept its visible words. */
function assertSanitised(text: string): void {
  assertClean(text);
  assert.match(text, /^colour:red move: title: bell: del: c1: bidi:exe\.txt end$/u);
  assert.doesNotMatch(text, /pwned|31m|10H/u, 'escape sequences are removed whole');
}

test('escape sequences, BEL, DEL, C1 and bidi overrides reach nobody, in either dialect', async (t) => {
  const h = await serverFor(t);
  const mallory = await h.text('mallory');
  const eve = await h.native('eve');
  const alice = await h.text('alice');
  const bob = await h.native('bob');
  await mallory.waitForLine(/#lobby -- bob joined$/u);
  await eve.waitFor('join', { name: 'bob' });

  mallory.write(HOSTILE); // text mode, a room message
  mallory.write(`/me ${HOSTILE}`); // text mode, an action
  say(eve, HOSTILE); // native, a room message
  eve.send({ type: 'msg', id: eve.newId(), to: 'alice', text: HOSTILE }); // native, private
  eve.send({ type: 'msg', id: eve.newId(), to: 'bob', text: HOSTILE });
  say(eve, 'marker');

  for (const client of [alice, mallory]) {
    const marker = await client.waitForLine(/<eve> marker$/u);
    const seen = linesBefore(client, marker);
    const messages = seen.filter((l) => l.includes('colour:'));
    assert.equal(messages.length, client === alice ? 4 : 3, JSON.stringify(messages));
    for (const line of seen) assertClean(line);
    for (const line of messages) {
      assert.match(line, /colour:red move: title: bell: del: c1: bidi:exe\.txt end$/u);
    }
  }
  assert.ok(
    alice.lines.some((l) => /\* mallory colour:red/u.test(l)),
    'the /me arrives as an action',
  );

  for (const client of [bob, eve]) {
    await client.waitFor('message', { text: 'marker' });
    const received = client.lines.map((line) => JSON.parse(line) as ServerFrame);
    const messages = received.filter((f) => f.type === 'message' && f.text !== 'marker');
    assert.equal(messages.length, client === bob ? 4 : 5, JSON.stringify(messages));
    // The raw NDJSON line: JSON escapes C0 characters, but DEL, C1 and bidi
    // controls would travel as themselves.
    for (const line of client.lines) assertClean(line);
    for (const m of messages) if (m.type === 'message') assertSanitised(m.text);
  }
});

test('quit reasons and /nick are sanitised or refused too', async (t) => {
  const h = await serverFor(t);
  const alice = await h.text('alice');
  const bob = await h.native('bob');
  const mallory = await h.text('mallory');
  await alice.waitForLine(/#lobby -- mallory joined$/u);

  mallory.write('/nick mal\x1b[31mlory');
  assert.match(await mallory.waitForLine(/^! /u), /^! name_invalid: /u);
  mallory.write(`/quit ${HOSTILE}`);
  await mallory.waitForClose();
  const left = await alice.waitForLine(/-- mallory left/u);
  assertClean(left);
  assert.match(left, /\(quit: colour:red move: .*exe\.txt end\)$/u);
  const leave = await bob.waitFor('leave', { name: 'mallory' });
  assertClean(leave.reason ?? '');
  for (const line of bob.lines) assertClean(line);
});

/** Writes `total` bytes with no newline, in chunks, as a client that ignores the server would. */
async function flood(client: LineClient, total: number): Promise<void> {
  const chunk = Buffer.alloc(8 * 1024, 'a');
  for (let sent = 0; sent < total; sent += chunk.length) await writeRaw(client, chunk);
}

test('a 200 KiB line without newline: too_long, disconnected; the others chat on (text mode)', async (t) => {
  const h = await serverFor(t);
  const flooder = await h.text('flooder');
  const alice = await h.text('alice');
  const bob = await h.native('bob');
  await alice.waitForLine(/#lobby -- bob joined$/u);

  await flood(flooder, 200 * 1024);
  const error = await flooder.waitForLine(/^! /u);
  assert.match(error, new RegExp(`^! too_long: .*${DEFAULT_LIMITS.maxLineBytes}`, 'u'));
  await flooder.waitForClose();

  await alice.waitForLine(/#lobby -- flooder left \(too_long\)$/u);
  await bob.waitFor('leave', { name: 'flooder', reason: 'too_long' });
  alice.write('still chatting');
  await bob.waitFor('message', { text: 'still chatting', from: 'alice' });
  say(bob, 'me too');
  await alice.waitForLine(/#lobby <bob> me too$/u);
  assert.ok(!alice.lines.some((l) => l.includes('aaaaaaaa')));
});

test('a 200 KiB line without newline: fatal too_long error frame, disconnected (native)', async (t) => {
  const h = await serverFor(t);
  const flooder = await h.native('flooder');
  const alice = await h.text('alice');
  const bob = await h.native('bob');
  await alice.waitForLine(/#lobby -- bob joined$/u);

  await flood(flooder, 200 * 1024);
  const error = await flooder.waitFor('error', { code: 'too_long' });
  assert.equal(error.fatal, true);
  await flooder.waitForClose();

  await bob.waitFor('leave', { name: 'flooder', reason: 'too_long' });
  say(bob, 'still chatting');
  await alice.waitForLine(/#lobby <bob> still chatting$/u);
  alice.write('me too');
  await bob.waitFor('message', { text: 'me too', from: 'alice' });
});

test('invalid UTF-8: bad_utf8, and the connection stays usable (both dialects)', async (t) => {
  const h = await serverFor(t);
  const alice = await h.text('alice');
  const bob = await h.native('bob');
  await alice.waitForLine(/#lobby -- bob joined$/u);

  await writeRaw(alice, Buffer.from([0x68, 0x69, 0xff, 0xfe, 0x0a]));
  assert.match(await alice.waitForLine(/^! /u), /^! bad_utf8: \S/u);
  alice.write('after bad bytes');
  await bob.waitFor('message', { text: 'after bad bytes' });

  await writeRaw(bob, Buffer.from([0xff, 0xfe, 0x0a]));
  const error = await bob.waitFor('error', { code: 'bad_utf8' });
  assert.equal(error.fatal, undefined);
  const id = say(bob, 'bob after bad bytes');
  await bob.waitFor('ack', { id });
  await alice.waitForLine(/#lobby <bob> bob after bad bytes$/u);
  assertClean(alice.lines.join('\n').replaceAll('\n', ''));
});

const BAD_FRAMES: { what: string; line: string; code: ErrorCode }[] = [
  { what: 'invalid JSON', line: '{"type":"say",', code: 'bad_json' },
  { what: 'a JSON array', line: '[{"type":"say","id":"a","text":"x"}]', code: 'bad_json' },
  { what: 'a JSON string', line: '"say"', code: 'bad_json' },
  { what: 'an unknown type', line: '{"type":"dance"}', code: 'unknown_type' },
  { what: 'a missing type', line: '{"text":"hello"}', code: 'bad_frame' },
  { what: 'a wrongly typed field', line: '{"type":"say","id":"w","text":42}', code: 'bad_frame' },
  { what: 'a missing id', line: '{"type":"say","text":"no id"}', code: 'bad_frame' },
  {
    what: 'deep nesting',
    line: `{"type":"say","id":"d","text":"deep","x":${'['.repeat(40)}${']'.repeat(40)}}`,
    code: 'too_deep',
  },
];

test('native: bad frames get bad_json / bad_frame / unknown_type / too_deep and the connection stays usable', async (t) => {
  const h = await serverFor(t);
  const alice = await h.text('alice');
  const bob = await h.native('bob');
  await alice.waitForLine(/#lobby -- bob joined$/u);

  for (const bad of BAD_FRAMES) {
    bob.write(bad.line);
    const error = await bob.waitForFrame((f) => f.type === 'error', bad.what);
    assert.equal(error.type === 'error' && error.code, bad.code, bad.what);
    assert.equal(error.type === 'error' && error.fatal, undefined, `${bad.what} is not fatal`);
    const id = say(bob, `ok after ${bad.what}`);
    const ack = await bob.waitFor('ack', { id });
    assert.equal(typeof ack.msg, 'number');
  }

  say(bob, 'marker');
  const marker = await alice.waitForLine(/<bob> marker$/u);
  const messages = linesBefore(alice, marker).filter((l) => l.includes('<bob>'));
  assert.deepEqual(
    messages.map((l) => l.replace(/^.*<bob> /u, '')),
    BAD_FRAMES.map((bad) => `ok after ${bad.what}`),
    'only the valid frames had any effect',
  );
});

test('a message over max-message-bytes is refused with message_too_long and reaches nobody', async (t) => {
  const h = await serverFor(t);
  const alice = await h.text('alice');
  const bob = await h.native('bob');
  await alice.waitForLine(/#lobby -- bob joined$/u);
  const max = DEFAULT_LIMITS.maxMessageBytes;

  const id = say(bob, 'x'.repeat(max + 1));
  const error = await bob.waitFor('error', { code: 'message_too_long' });
  assert.equal(error.id, id, 'the error names the refused frame');
  assert.match(error.message, new RegExp(`${max}.*${max + 1}`, 'u'));
  // Bytes, not characters: 2049 × "é" is 4098 bytes.
  say(bob, 'é'.repeat(max / 2 + 1));
  await bob.waitFor('error', { code: 'message_too_long' });
  alice.write('y'.repeat(max + 1));
  assert.match(await alice.waitForLine(/^! /u), /^! message_too_long: /u);
  say(bob, '   ');
  await bob.waitFor('error', { code: 'empty_message' });

  // Exactly the limit is fine.
  const fits = say(bob, 'z'.repeat(max));
  await bob.waitFor('ack', { id: fits });
  await alice.waitForLine(
    (l) => l.endsWith(`<bob> ${'z'.repeat(max)}`),
    'the message at the limit',
  );

  say(bob, 'marker');
  await assertNothingLeaked([alice], 'marker', /xxxx|éééé|yyyy/u);
  assert.ok(!bob.lines.some((l) => /xxxx|éééé|yyyy/u.test(l)), 'not even echoed to the sender');
});

test('native: frames before hello get not_logged_in; hello still works afterwards', async (t) => {
  const h = await serverFor(t);
  const alice = await h.text('alice');
  const early = await h.nativeConnect();

  early.send({ type: 'say', id: 'early-1', text: 'sneaking in' });
  const error = await early.waitFor('error', { code: 'not_logged_in' });
  assert.equal(error.id, 'early-1');
  assert.equal(error.fatal, undefined);
  early.send({ type: 'who' });
  await early.waitFor('error', { code: 'not_logged_in' });

  early.send({ type: 'hello', version: 1, name: 'late' });
  await early.waitFor('welcome', { name: 'late' });
  await alice.waitForLine(/#lobby -- late joined$/u);
  assert.ok(!alice.lines.some((l) => l.includes('sneaking in')));
});

test('native: hello with version 2 gets a fatal version_unsupported and is closed', async (t) => {
  const h = await serverFor(t);
  const client: NativeClient = await h.nativeConnect();
  client.send({ type: 'hello', version: 2, name: 'future' });
  const error = await client.waitFor('error', { code: 'version_unsupported' });
  assert.equal(error.fatal, true);
  assert.match(error.message, /\b1\b.*\b2\b/u);
  await client.waitForClose();
  // The name was never claimed.
  await h.native('future');
});
