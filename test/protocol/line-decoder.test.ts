import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineDecoder } from '../../src/protocol/line-decoder.ts';
import type { LineEvent } from '../../src/protocol/line-decoder.ts';
import { NatterError } from '../../src/protocol/errors.ts';
import { DEFAULT_LIMITS } from '../../src/protocol/limits.ts';

const LIMIT = DEFAULT_LIMITS.maxLineBytes;
const utf8 = new TextEncoder();

/** Tiny seeded PRNG so "random" chunking is reproducible when a test fails. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bytes(...parts: (string | number[])[]): Uint8Array {
  const arrays = parts.map((p) => (typeof p === 'string' ? utf8.encode(p) : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

/** Events reduced to plain values so runs can be compared with deepEqual. */
type Simple = { line: string } | { error: string; fatal: boolean };

function simplify(events: LineEvent[]): Simple[] {
  return events.map((e) => {
    if ('line' in e) return { line: e.line };
    assert.ok(e.error instanceof NatterError);
    return { error: e.error.code, fatal: e.error.fatal };
  });
}

function feedWhole(input: Uint8Array, limit = LIMIT): Simple[] {
  return simplify(new LineDecoder(limit).push(input));
}

function feedByteByByte(input: Uint8Array, limit = LIMIT): Simple[] {
  const decoder = new LineDecoder(limit);
  const events: LineEvent[] = [];
  for (let i = 0; i < input.length; i++) events.push(...decoder.push(input.subarray(i, i + 1)));
  return simplify(events);
}

function feedRandomChunks(input: Uint8Array, seed: number, limit = LIMIT): Simple[] {
  const random = mulberry32(seed);
  const decoder = new LineDecoder(limit);
  const events: LineEvent[] = [];
  let offset = 0;
  while (offset < input.length) {
    const size = Math.floor(random() * 40); // zero-length chunks included on purpose
    // Copy, so the decoder cannot rely on chunks sharing one underlying buffer.
    events.push(...decoder.push(input.slice(offset, offset + size)));
    offset += size;
  }
  return simplify(events);
}

/** Asserts every way of feeding `input` gives `expected`. */
function assertAllFeedings(input: Uint8Array, expected: Simple[], limit = LIMIT): void {
  assert.deepEqual(feedWhole(input, limit), expected, 'one chunk');
  assert.deepEqual(feedByteByByte(input, limit), expected, 'byte at a time');
  for (const seed of [1, 2, 3, 42, 1234]) {
    assert.deepEqual(feedRandomChunks(input, seed, limit), expected, `random chunks, seed ${seed}`);
  }
}

function onlyLine(events: LineEvent[]): string {
  assert.equal(events.length, 1);
  const [event] = events;
  assert.ok(event && 'line' in event, 'expected a line');
  return event.line;
}

function onlyError(events: LineEvent[]): NatterError {
  assert.equal(events.length, 1);
  const [event] = events;
  assert.ok(event && 'error' in event, 'expected an error');
  assert.ok(event.error instanceof NatterError);
  return event.error;
}

test('several lines in one chunk come out in order', () => {
  const events = new LineDecoder(LIMIT).push(bytes('one\ntwo\nthree\n'));
  assert.deepEqual(simplify(events), [{ line: 'one' }, { line: 'two' }, { line: 'three' }]);
});

test('one chunk, byte at a time and random chunks give identical events', () => {
  const input = bytes(
    'hello\n',
    '{"type":"say","id":"1","text":"héllo wörld ✓ 🎉"}\r\n',
    '\n',
    '\r\n',
    [0xff],
    '\n',
    'after bad utf8\n',
    'x'.repeat(100),
    '\n',
    'tail without newline',
  );
  const expected: Simple[] = [
    { line: 'hello' },
    { line: '{"type":"say","id":"1","text":"héllo wörld ✓ 🎉"}' },
    { line: '' },
    { line: '' },
    { error: 'bad_utf8', fatal: false },
    { line: 'after bad utf8' },
    { line: 'x'.repeat(100) },
  ];
  assertAllFeedings(input, expected);
});

test('feeding methods agree when a too_long line cuts the stream short', () => {
  const limit = 50;
  const input = bytes('short\n', 'y'.repeat(51), '\nnever seen\n');
  assertAllFeedings(input, [{ line: 'short' }, { error: 'too_long', fatal: true }], limit);
});

test('CRLF endings are stripped, LF alone works too', () => {
  const events = new LineDecoder(LIMIT).push(bytes('a\r\nb\nc\r\n'));
  assert.deepEqual(simplify(events), [{ line: 'a' }, { line: 'b' }, { line: 'c' }]);
});

test('only the one CR before LF is stripped; a CR inside a line is kept', () => {
  const events = new LineDecoder(LIMIT).push(bytes('a\rb\r\r\n'));
  assert.deepEqual(simplify(events), [{ line: 'a\rb\r' }]);
});

test('CR and LF split across chunks still make one CRLF ending', () => {
  const decoder = new LineDecoder(LIMIT);
  assert.deepEqual(decoder.push(bytes('abc\r')), []);
  assert.equal(onlyLine(decoder.push(bytes('\n'))), 'abc');
});

test('empty lines yield empty strings', () => {
  const events = new LineDecoder(LIMIT).push(bytes('\n\r\n\n'));
  assert.deepEqual(simplify(events), [{ line: '' }, { line: '' }, { line: '' }]);
});

test('a partial line is held until its newline arrives', () => {
  const decoder = new LineDecoder(LIMIT);
  assert.equal(decoder.bufferedBytes, 0);
  assert.deepEqual(simplify(decoder.push(bytes('first\nsec'))), [{ line: 'first' }]);
  assert.equal(decoder.bufferedBytes, 3);
  assert.deepEqual(decoder.push(bytes('ond')), []);
  assert.equal(decoder.bufferedBytes, 6);
  assert.equal(onlyLine(decoder.push(bytes('\n'))), 'second');
  assert.equal(decoder.bufferedBytes, 0);
  assert.equal(decoder.failed, false);
});

test('an empty chunk changes nothing', () => {
  const decoder = new LineDecoder(LIMIT);
  assert.deepEqual(decoder.push(new Uint8Array(0)), []);
  decoder.push(bytes('ab'));
  assert.deepEqual(decoder.push(new Uint8Array(0)), []);
  assert.equal(decoder.bufferedBytes, 2);
  assert.equal(onlyLine(decoder.push(bytes('\n'))), 'ab');
});

test('a multi-byte UTF-8 character split across chunks decodes correctly', () => {
  for (const char of ['é', '✓', '🎉']) {
    const encoded = bytes(char, 'x\n');
    // Split at every position inside the character.
    for (let cut = 1; cut < encoded.length - 2; cut++) {
      const decoder = new LineDecoder(LIMIT);
      assert.deepEqual(decoder.push(encoded.subarray(0, cut)), []);
      assert.equal(onlyLine(decoder.push(encoded.subarray(cut))), `${char}x`, `cut at ${cut}`);
    }
  }
});

test('invalid UTF-8 is refused with bad_utf8, not fatal, and the next line still decodes', () => {
  const cases: [string, number[]][] = [
    ['lone 0xff', [0xff]],
    ['truncated 3-byte sequence', [0x61, 0xe2, 0x82]],
    ['overlong encoding of "/"', [0xc0, 0xaf]],
    ['encoded surrogate U+D800', [0xed, 0xa0, 0x80]],
    ['continuation byte alone', [0x80]],
  ];
  for (const [name, bad] of cases) {
    const input = bytes(bad, '\n', 'ok ✓\n');
    const whole = new LineDecoder(LIMIT);
    const events = whole.push(input);
    assert.equal(events.length, 2, name);
    const [first, second] = events;
    assert.ok(first && 'error' in first, `${name}: expected an error`);
    assert.equal(first.error.code, 'bad_utf8', name);
    assert.equal(first.error.fatal, false, name);
    assert.deepEqual(second, { line: 'ok ✓' }, name);
    assert.equal(whole.failed, false, name);
    assertAllFeedings(input, [{ error: 'bad_utf8', fatal: false }, { line: 'ok ✓' }]);
  }
});

test('a truncated sequence does not swallow the newline or the next line', () => {
  const decoder = new LineDecoder(LIMIT);
  const error = onlyError(decoder.push(bytes([0xe2, 0x82], '\n')));
  assert.equal(error.code, 'bad_utf8');
  // The decoder must not carry the dangling bytes into the next line.
  assert.equal(onlyLine(decoder.push(bytes('\u20ac\n'))), '€');
});

test('a line of exactly maxLineBytes is accepted', () => {
  const limit = 64;
  const line = 'a'.repeat(limit);
  assertAllFeedings(bytes(line, '\n'), [{ line }], limit);
  assert.equal(
    onlyLine(new LineDecoder(LIMIT).push(bytes('b'.repeat(LIMIT), '\n'))),
    'b'.repeat(LIMIT),
  );
});

test('a line of maxLineBytes + 1 is refused with too_long, fatal', () => {
  const limit = 64;
  const decoder = new LineDecoder(limit);
  const error = onlyError(decoder.push(bytes('a'.repeat(limit + 1), '\n')));
  assert.equal(error.code, 'too_long');
  assert.equal(error.fatal, true);
  assert.equal(decoder.failed, true);
  assert.equal(decoder.bufferedBytes, 0);

  const big = new LineDecoder(LIMIT);
  const bigError = onlyError(big.push(bytes('b'.repeat(LIMIT + 1), '\n')));
  assert.equal(bigError.code, 'too_long');
  assert.equal(bigError.fatal, true);
});

test('maxLineBytes followed by CRLF is accepted', () => {
  const limit = 64;
  const line = 'c'.repeat(limit);
  assertAllFeedings(bytes(line, '\r\n', line, '\r\n'), [{ line }, { line }], limit);
});

test('a multi-byte character counts in bytes, not characters, against the limit', () => {
  const limit = 10;
  // 5 × "é" = 10 bytes: accepted. 5 × "é" + "x" = 11 bytes: refused.
  assertAllFeedings(bytes('é'.repeat(5), '\n'), [{ line: 'é'.repeat(5) }], limit);
  assertAllFeedings(bytes('é'.repeat(5), 'x\n'), [{ error: 'too_long', fatal: true }], limit);
});

test('maxLineBytes + CR not followed by LF is refused', () => {
  const limit = 64;
  const input = bytes('d'.repeat(limit), '\rX\n');
  assertAllFeedings(input, [{ error: 'too_long', fatal: true }], limit);
  // Only one CR may sit past the limit: maxLineBytes + 1 content bytes + CRLF is refused.
  assertAllFeedings(
    bytes('d'.repeat(limit + 1), '\r\n'),
    [{ error: 'too_long', fatal: true }],
    limit,
  );
  assertAllFeedings(
    bytes('d'.repeat(limit), '\r\r\n'),
    [{ error: 'too_long', fatal: true }],
    limit,
  );
  // A CR that is part of the content is still content: maxLineBytes - 1 + CR + CRLF fits.
  const fits = bytes('d'.repeat(limit - 1), '\r\r\n');
  assertAllFeedings(fits, [{ line: 'd'.repeat(limit - 1) + '\r' }], limit);
});

test('lines before a too_long line in the same chunk are still delivered', () => {
  const limit = 8;
  const events = new LineDecoder(limit).push(bytes('ok\n', 'z'.repeat(9), '\nlater\n'));
  assert.deepEqual(simplify(events), [{ line: 'ok' }, { error: 'too_long', fatal: true }]);
});

test('200 KiB without a newline fails as soon as the limit is passed', () => {
  const chunkSize = 1024;
  const chunk = new Uint8Array(chunkSize).fill(0x61);
  const decoder = new LineDecoder(LIMIT);
  let total = 0;
  let failedAt = -1;
  let expectedFailAt = -1;
  let error: NatterError | undefined;
  for (let i = 0; i < 200; i++) {
    total += chunkSize;
    if (expectedFailAt === -1 && total > LIMIT) expectedFailAt = i;
    const events = decoder.push(chunk);
    assert.ok(
      decoder.bufferedBytes <= LIMIT,
      `bufferedBytes ${decoder.bufferedBytes} after push ${i}`,
    );
    if (failedAt === -1) {
      if (events.length > 0) {
        failedAt = i;
        error = onlyError(events);
        assert.equal(decoder.failed, true);
      } else {
        assert.equal(decoder.failed, false, `push ${i}`);
        assert.equal(decoder.bufferedBytes, total, `push ${i}`);
      }
    } else {
      assert.deepEqual(events, [], `push ${i} after the failure`);
      assert.equal(decoder.failed, true);
      assert.equal(decoder.bufferedBytes, 0);
    }
  }
  // 16 KiB / 1 KiB: the 17th push (index 16) is the first to pass the limit.
  assert.equal(expectedFailAt, LIMIT / chunkSize);
  assert.equal(failedAt, expectedFailAt);
  assert.ok(error);
  assert.equal(error.code, 'too_long');
  assert.equal(error.fatal, true);
  // A newline afterwards does not revive the decoder.
  assert.deepEqual(decoder.push(bytes('\nhello\n')), []);
  assert.equal(decoder.failed, true);
});
