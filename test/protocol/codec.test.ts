import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CLIENT_ID_MAX_CHARS,
  decodeClientFrame,
  decodeServerFrame,
  encodeFrame,
} from '../../src/protocol/codec.ts';
import { NatterError } from '../../src/protocol/errors.ts';
import type { ErrorCode } from '../../src/protocol/errors.ts';
import type { ClientFrame, ServerFrame } from '../../src/protocol/frames.ts';
import { jsonDepthExceeds } from '../../src/protocol/json-depth.ts';
import { DEFAULT_LIMITS } from '../../src/protocol/limits.ts';

const LIMITS = { maxJsonDepth: DEFAULT_LIMITS.maxJsonDepth, maxTextChars: 4096 };

function decode(line: string): ClientFrame {
  return decodeClientFrame(line, LIMITS);
}

/** Checks the code (and optionally that the message mentions `mentions`). */
function isError(code: ErrorCode, mentions?: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof NatterError, `expected a NatterError, got ${String(e)}`);
    assert.equal(e.code, code, `code of "${e.message}"`);
    if (mentions !== undefined) {
      assert.ok(e.message.includes(mentions), `"${e.message}" should mention "${mentions}"`);
    }
    return true;
  };
}

/** The frame without keys whose value is undefined (they never reach the wire). */
function defined(frame: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(frame).filter(([, v]) => v !== undefined));
}

// ---- round trips ------------------------------------------------------------

const FULL_FRAMES: ClientFrame[] = [
  {
    type: 'hello',
    version: 1,
    name: 'alice',
    client: 'natter-test/0.1',
    resume: { '#lobby': 41, '#dev': 0 },
  },
  { type: 'say', id: 'c-1', text: 'hello, world ✓', room: '#lobby' },
  { type: 'me', id: 'c-2', text: 'waves', room: '#dev' },
  { type: 'msg', id: 'c-3', to: 'bob', text: 'psst' },
  { type: 'who', room: '#lobby' },
  { type: 'nick', name: 'alice2' },
  { type: 'join', room: '#dev' },
  { type: 'leave', room: '#dev' },
  { type: 'rooms', after: '#dev', limit: 20, match: 'ops' },
  { type: 'history', room: '#lobby', before: 100, after: 10, limit: 50 },
  { type: 'ping', token: 't-1' },
  { type: 'pong', token: 't-1' },
  { type: 'quit', reason: 'bye now' },
];

const MINIMAL_FRAMES: ClientFrame[] = [
  { type: 'hello', version: 1, name: 'alice' },
  { type: 'say', id: 'c-1', text: 'hello' },
  { type: 'me', id: 'c-2', text: 'waves' },
  { type: 'who' },
  { type: 'leave' },
  { type: 'history' },
  { type: 'ping' },
  { type: 'pong' },
  { type: 'quit' },
];

test('every client frame type round-trips with its optional fields present', () => {
  const types = new Set(FULL_FRAMES.map((f) => f.type));
  assert.equal(types.size, 13, 'one full frame per client frame type');
  for (const frame of FULL_FRAMES) {
    const line = encodeFrame(frame);
    assert.ok(line.endsWith('\n'));
    assert.equal(line.indexOf('\n'), line.length - 1, 'exactly one newline, at the end');
    const decoded = decode(line.slice(0, -1));
    assert.deepEqual(decoded, frame, frame.type);
  }
});

test('every client frame type round-trips with its optional fields absent', () => {
  for (const frame of MINIMAL_FRAMES) {
    const decoded = decode(encodeFrame(frame).slice(0, -1));
    assert.deepEqual(defined(decoded), frame, frame.type);
    // Absent optional fields are not invented, and re-encoding gives the same line.
    assert.equal(encodeFrame(decoded), encodeFrame(frame), frame.type);
  }
});

test('whitespace around the JSON object does not break decoding', () => {
  assert.deepEqual(defined(decode('  {"type":"rooms"}  ')), { type: 'rooms' });
});

test('text with newlines and quotes survives encoding as one line', () => {
  const frame: ClientFrame = { type: 'say', id: 'x', text: 'line 1\nline "2"\r\n\u2028end' };
  const line = encodeFrame(frame);
  assert.equal(line.split('\n').length, 2, 'the only raw newline is the terminator');
  assert.deepEqual(defined(decode(line.slice(0, -1))), frame);
});

test('unknown fields are ignored and not present in the result', () => {
  const decoded = decode(
    JSON.stringify({
      type: 'say',
      id: 'a',
      text: 'hi',
      future: { x: 1 },
      flags: [1, 2],
      extra: 'y',
    }),
  );
  assert.deepEqual(defined(decoded), { type: 'say', id: 'a', text: 'hi' });
  for (const key of ['future', 'flags', 'extra']) assert.equal(key in decoded, false, key);

  const rooms = decode('{"type":"rooms","room":"#lobby"}');
  assert.deepEqual(rooms, { type: 'rooms' });
  assert.equal('room' in rooms, false);
});

// ---- not a JSON object ------------------------------------------------------

test('invalid JSON is refused with bad_json', () => {
  for (const line of [
    '',
    'hello',
    '{',
    '{"type":"say",}',
    "{'type':'rooms'}",
    '{"type":"rooms"} x',
  ]) {
    assert.throws(() => decode(line), isError('bad_json'), JSON.stringify(line));
  }
});

test('JSON that is not an object is refused with bad_json', () => {
  for (const line of ['[]', '[{"type":"rooms"}]', '"rooms"', '42', 'null', 'true']) {
    assert.throws(() => decode(line), isError('bad_json'), line);
  }
});

test('a missing or non-string type is refused with bad_frame naming type', () => {
  for (const line of [
    '{}',
    '{"text":"hi"}',
    '{"type":1}',
    '{"type":null}',
    '{"type":["say"]}',
    '{"type":{}}',
  ]) {
    assert.throws(() => decode(line), isError('bad_frame', 'type'), line);
  }
});

test('an unknown type is refused with unknown_type', () => {
  for (const line of ['{"type":"shout"}', '{"type":""}', '{"type":"SAY"}', '{"type":"toString"}']) {
    assert.throws(() => decode(line), isError('unknown_type'), line);
  }
  // The type is echoed in the message, but bounded.
  assert.throws(
    () => decode(JSON.stringify({ type: 'z'.repeat(10_000) })),
    (e) => e instanceof NatterError && e.code === 'unknown_type' && e.message.length < 100,
  );
});

// ---- wrongly typed fields ---------------------------------------------------

test('wrongly typed fields are refused with bad_frame naming the field', () => {
  const cases: [string, object][] = [
    // hello
    ['version', { type: 'hello', name: 'a' }],
    ['version', { type: 'hello', version: '1', name: 'a' }],
    ['version', { type: 'hello', version: 1.5, name: 'a' }],
    ['name', { type: 'hello', version: 1 }],
    ['name', { type: 'hello', version: 1, name: 7 }],
    ['client', { type: 'hello', version: 1, name: 'a', client: 7 }],
    ['resume', { type: 'hello', version: 1, name: 'a', resume: ['#lobby', 1] }],
    ['resume', { type: 'hello', version: 1, name: 'a', resume: [1, 2] }],
    ['resume', { type: 'hello', version: 1, name: 'a', resume: [] }],
    ['resume', { type: 'hello', version: 1, name: 'a', resume: 12 }],
    ['resume', { type: 'hello', version: 1, name: 'a', resume: null }],
    ['resume', { type: 'hello', version: 1, name: 'a', resume: { '#lobby': 1.5 } }],
    ['resume', { type: 'hello', version: 1, name: 'a', resume: { '#lobby': -1 } }],
    ['resume', { type: 'hello', version: 1, name: 'a', resume: { '#lobby': '3' } }],
    ['resume', { type: 'hello', version: 1, name: 'a', resume: { '#lobby': 2 ** 53 } }],
    // say / me
    ['text', { type: 'say', id: 'a', text: 42 }],
    ['text', { type: 'say', id: 'a' }],
    ['text', { type: 'me', id: 'a', text: null }],
    ['id', { type: 'say', text: 'hi' }],
    ['id', { type: 'say', id: '', text: 'hi' }],
    ['id', { type: 'say', id: 5, text: 'hi' }],
    ['id', { type: 'say', id: 'x'.repeat(CLIENT_ID_MAX_CHARS + 1), text: 'hi' }],
    ['id', { type: 'me', text: 'hi' }],
    ['room', { type: 'say', id: 'a', text: 'hi', room: 1 }],
    // msg
    ['id', { type: 'msg', to: 'bob', text: 'hi' }],
    ['to', { type: 'msg', id: 'a', text: 'hi' }],
    ['text', { type: 'msg', id: 'a', to: 'bob', text: ['hi'] }],
    // others
    ['room', { type: 'who', room: false }],
    ['name', { type: 'nick' }],
    ['room', { type: 'join' }],
    ['room', { type: 'join', room: 3 }],
    ['room', { type: 'leave', room: {} }],
    ['room', { type: 'history', room: 1 }],
    ['before', { type: 'history', before: -1 }],
    ['after', { type: 'history', after: 1.5 }],
    ['limit', { type: 'history', limit: 2 ** 53 }],
    ['limit', { type: 'history', limit: '50' }],
    ['after', { type: 'rooms', after: 5 }],
    ['limit', { type: 'rooms', limit: -1 }],
    ['match', { type: 'rooms', match: ['a'] }],
    ['before', { type: 'history', before: null }],
    ['token', { type: 'ping', token: 1 }],
    ['token', { type: 'pong', token: 'x'.repeat(65) }],
    ['reason', { type: 'quit', reason: 1 }],
  ];
  for (const [field, frame] of cases) {
    const line = JSON.stringify(frame);
    assert.throws(() => decode(line), isError('bad_frame', field), line.slice(0, 120));
  }
});

test('a client id of exactly the maximum length is accepted', () => {
  const id = 'x'.repeat(CLIENT_ID_MAX_CHARS);
  assert.equal(CLIENT_ID_MAX_CHARS, 64);
  const decoded = decode(JSON.stringify({ type: 'say', id, text: 'hi' }));
  assert.equal(decoded.type === 'say' && decoded.id, id);
});

test('text is bounded by maxTextChars', () => {
  const limits = { maxJsonDepth: 8, maxTextChars: 10 };
  const ok = decodeClientFrame(
    JSON.stringify({ type: 'say', id: 'a', text: 'x'.repeat(10) }),
    limits,
  );
  assert.equal(ok.type === 'say' && ok.text.length, 10);
  assert.throws(
    () => decodeClientFrame(JSON.stringify({ type: 'say', id: 'a', text: 'x'.repeat(11) }), limits),
    isError('bad_frame', 'text'),
  );
  assert.throws(
    () =>
      decodeClientFrame(
        JSON.stringify({ type: 'msg', id: 'a', to: 'b', text: 'x'.repeat(11) }),
        limits,
      ),
    isError('bad_frame', 'text'),
  );
});

test('history bounds at zero and the largest safe integer are accepted', () => {
  const max = Number.MAX_SAFE_INTEGER;
  const decoded = decode(JSON.stringify({ type: 'history', before: max, after: 0, limit: 0 }));
  assert.deepEqual(defined(decoded), { type: 'history', before: max, after: 0, limit: 0 });
});

test('resume with an empty object is accepted; a bad room value names the room', () => {
  const empty = decode(JSON.stringify({ type: 'hello', version: 1, name: 'a', resume: {} }));
  assert.deepEqual(empty.type === 'hello' && empty.resume, {});
  assert.throws(
    () => decode(JSON.stringify({ type: 'hello', version: 1, name: 'a', resume: { '#dev': 'x' } })),
    isError('bad_frame', '#dev'),
  );
});

test('resume with too many rooms is refused', () => {
  const resume = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`#r${i}`, i]));
  assert.throws(
    () => decode(JSON.stringify({ type: 'hello', version: 1, name: 'a', resume })),
    isError('bad_frame', 'resume'),
  );
  const fits = Object.fromEntries(Array.from({ length: 256 }, (_, i) => [`#r${i}`, i]));
  const decoded = decode(JSON.stringify({ type: 'hello', version: 1, name: 'a', resume: fits }));
  assert.equal(decoded.type === 'hello' && Object.keys(decoded.resume ?? {}).length, 256);
});

// ---- nesting ----------------------------------------------------------------

function nested(depth: number, inner = '1'): string {
  return '['.repeat(depth) + inner + ']'.repeat(depth);
}

test('100 000 open brackets are refused with too_deep, not a RangeError', () => {
  assert.throws(() => decode('['.repeat(100_000)), isError('too_deep'));
  assert.throws(() => decode('{"a":'.repeat(100_000)), isError('too_deep'));
  assert.throws(() => decodeServerFrame('['.repeat(100_000)), isError('too_deep'));
  assert.equal(jsonDepthExceeds('['.repeat(100_000), 8), true);
});

test('a deep value inside an otherwise valid say frame is refused with too_deep', () => {
  const deepArray = `{"type":"say","id":"a","text":"hi","x":${nested(10_000)}}`;
  assert.throws(() => decode(deepArray), isError('too_deep'));
  const deepObject = `{"type":"say","id":"a","text":"hi","x":${'{"k":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
  assert.throws(() => decode(deepObject), isError('too_deep'));
});

test('a frame nested exactly to maxJsonDepth is accepted; one more level is refused', () => {
  const max = LIMITS.maxJsonDepth;
  // The frame object itself is level 1.
  const atLimit = `{"type":"say","id":"a","text":"hi","x":${nested(max - 1)}}`;
  assert.equal(jsonDepthExceeds(atLimit, max), false);
  assert.deepEqual(defined(decode(atLimit)), { type: 'say', id: 'a', text: 'hi' });
  const over = `{"type":"say","id":"a","text":"hi","x":${nested(max)}}`;
  assert.equal(jsonDepthExceeds(over, max), true);
  assert.throws(() => decode(over), isError('too_deep'));
});

test('jsonDepthExceeds: depth exactly at the limit is accepted', () => {
  for (const limit of [0, 1, 2, 8, 32]) {
    assert.equal(jsonDepthExceeds(nested(limit), limit), false, `arrays at ${limit}`);
    assert.equal(jsonDepthExceeds(nested(limit + 1), limit), true, `arrays at ${limit + 1}`);
    const objects = '{"a":'.repeat(limit) + '1' + '}'.repeat(limit);
    const deeper = '{"a":'.repeat(limit + 1) + '1' + '}'.repeat(limit + 1);
    assert.equal(jsonDepthExceeds(objects, limit), false, `objects at ${limit}`);
    assert.equal(jsonDepthExceeds(deeper, limit), true, `objects at ${limit + 1}`);
  }
  // Siblings do not add up: depth is the maximum, not the count.
  assert.equal(jsonDepthExceeds('[[1],[2],{"a":[3]},[[4]]]', 3), false);
  assert.equal(jsonDepthExceeds('[[1],[2],{"a":[3]},[[[4]]]]', 3), true);
});

test('jsonDepthExceeds: brackets inside strings do not count', () => {
  assert.equal(jsonDepthExceeds(JSON.stringify({ t: '['.repeat(1000) }), 1), false);
  assert.equal(jsonDepthExceeds(JSON.stringify({ t: '{'.repeat(1000) + ']]]' }), 1), false);
  // An escaped quote does not end the string, so the brackets after it are still text.
  const escapedQuote = String.raw`{"t":"a\"[[[[[[[[[[\"b"}`;
  assert.equal(JSON.parse(escapedQuote).t, 'a"[[[[[[[[[["b');
  assert.equal(jsonDepthExceeds(escapedQuote, 1), false);
  // An escaped backslash does end the string before the closing quote.
  const escapedBackslash = String.raw`{"t":"a\\","u":[[[1]]]}`;
  assert.equal(jsonDepthExceeds(escapedBackslash, 3), true);
  assert.equal(jsonDepthExceeds(escapedBackslash, 4), false);
  // Unicode escapes are skipped character by character without confusion.
  assert.equal(jsonDepthExceeds(String.raw`{"t":"\u005b\u005b\u005b"}`, 1), false);
  // The say frame carrying bracket-heavy text decodes.
  const say = { type: 'say', id: 'a', text: '[[[[[[[[[[ {{{{{{{{{{ "\\"' } as const;
  assert.deepEqual(defined(decode(JSON.stringify(say))), say);
});

// ---- server frames ----------------------------------------------------------

test('decodeServerFrame returns known frames as sent', () => {
  const frames: ServerFrame[] = [
    {
      type: 'welcome',
      version: 1,
      server: 'natter',
      name: 'alice',
      room: '#lobby',
      limits: { maxLineBytes: 16384, maxMessageBytes: 4096, historyMax: 1000 },
      token: 'tok',
    },
    { type: 'history', room: '#lobby', count: 2, more: false },
    { type: 'topic', room: '#lobby', topic: 'hi', by: 'alice', ts: 3 },
    { type: 'ack', id: 'c-1', msg: 7, ts: 1_700_000_000_000 },
    { type: 'message', msg: 7, ts: 1, from: 'alice', kind: 'say', text: 'hi', room: '#lobby' },
    {
      type: 'message',
      msg: 8,
      ts: 2,
      from: 'bob',
      kind: 'me',
      text: 'waves',
      to: 'alice',
      history: true,
    },
    { type: 'who', room: '#lobby', users: ['alice', 'bob'] },
    { type: 'who', room: '#big', users: ['alice'], count: 8000, more: true },
    { type: 'join', room: '#lobby', name: 'bob', ts: 3 },
    { type: 'leave', room: '#lobby', name: 'bob', ts: 4, reason: 'quit' },
    { type: 'nick', old: 'bob', name: 'robert', ts: 5 },
    { type: 'rooms', rooms: [{ room: '#lobby', members: 2 }] },
    { type: 'rooms', rooms: [{ room: '#a', members: 0, topic: 't' }], more: true },
    { type: 'notice', text: 'server restarting soon' },
    { type: 'error', code: 'name_taken', message: 'alice is taken', id: 'c-9', fatal: true },
    { type: 'ping', token: 't' },
    { type: 'pong' },
    { type: 'bye', reason: 'shutting down' },
  ];
  for (const frame of frames) {
    assert.deepEqual(decodeServerFrame(encodeFrame(frame).slice(0, -1)), frame, frame.type);
  }
});

test('decodeServerFrame returns null for unknown types', () => {
  assert.equal(decodeServerFrame('{"type":"typing","name":"bob"}'), null);
  assert.equal(decodeServerFrame('{"type":"hello","version":1,"name":"a"}'), null);
});

test('decodeServerFrame refuses lines that are not frames', () => {
  assert.throws(() => decodeServerFrame('not json'), isError('bad_json'));
  assert.throws(() => decodeServerFrame('[1]'), isError('bad_json'));
  assert.throws(() => decodeServerFrame('{"msg":1}'), isError('bad_frame', 'type'));
  assert.throws(() => decodeServerFrame('{"type":5}'), isError('bad_frame', 'type'));
});

test('decodeServerFrame keeps an error with an unknown code readable', () => {
  const frame = decodeServerFrame(
    '{"type":"error","code":"quota_exceeded","message":"too many rooms"}',
  );
  assert.ok(frame && frame.type === 'error');
  assert.equal(frame.code, 'internal');
  assert.ok(frame.message.includes('quota_exceeded'), frame.message);
  assert.ok(frame.message.includes('too many rooms'), frame.message);
});

test('decodeServerFrame keeps id and fatal of an error with an unknown code', () => {
  const line = '{"type":"error","code":"quota_exceeded","message":"no","id":"c-4","fatal":true}';
  const frame = decodeServerFrame(line);
  assert.ok(frame && frame.type === 'error');
  assert.equal(frame.code, 'internal');
  assert.equal(frame.id, 'c-4', 'the client must still match the error to the frame it sent');
  assert.equal(frame.fatal, true, 'the client must still know the server is closing');
  const plain = decodeServerFrame('{"type":"error","code":"quota_exceeded","message":"no","id":3}');
  assert.ok(plain && plain.type === 'error');
  assert.equal('id' in plain, false, 'a non-string id is not passed on');
  assert.equal('fatal' in plain, false);
});
