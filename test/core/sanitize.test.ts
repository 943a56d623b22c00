import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { checkMessageText, sanitizeText, utf8Length } from '../../src/core/sanitize.ts';

/** What no sanitised text may contain (ARCHITECTURE.md, text-mode contract rule 5). */
const FORBIDDEN =
  /[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029\ufeff]/;
const LONE_SURROGATE = /[\ud800-\udfff]/u;

function assertClean(input: string): string {
  const out = sanitizeText(input);
  assert.doesNotMatch(out, FORBIDDEN, `from ${JSON.stringify(input)}: ${JSON.stringify(out)}`);
  assert.doesNotMatch(out, LONE_SURROGATE, `from ${JSON.stringify(input)}`);
  return out;
}

test('clean text comes back unchanged', () => {
  const samples = [
    '',
    'hello, world',
    'tab\tseparated',
    '你好，世界',
    '안녕하세요',
    'مرحبا بالعالم',
    'नमस्ते',
    'Straße café naïve',
    '👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 thumbs',
    'می‌خواهم', // Persian needs ZWNJ
    'क्‍ष', // Devanagari with ZWJ
  ];
  for (const s of samples) assert.equal(sanitizeText(s), s);
});

test('ANSI colour and cursor sequences are removed whole', () => {
  assert.equal(sanitizeText('\x1b[31mred\x1b[0m'), 'red');
  assert.equal(sanitizeText('\x1b[1;38;5;196mX\x1b[m'), 'X');
  assert.equal(sanitizeText('\x1b[38:2:255:0:0mY'), 'Y');
  assert.equal(sanitizeText('\x1b[2J\x1b[H\x1b[10;20Hx\x1b[?25l\x1b[Ay\x1b[6n'), 'xy');
  assert.equal(sanitizeText('a\x1b[1 qb'), 'ab'); // intermediate byte (cursor style)
  assert.equal(sanitizeText('done\x1b[K'), 'done');
  assert.equal(sanitizeText('unterminated\x1b[12;'), 'unterminated');
});

test('OSC sequences (titles, hyperlinks, clipboard) are removed whole', () => {
  assert.equal(sanitizeText('\x1b]0;title\x07hi'), 'hi');
  assert.equal(sanitizeText('\x1b]2;title\x1b\\hi'), 'hi');
  assert.equal(sanitizeText('\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\'), 'click');
  assert.equal(sanitizeText('\x1b]8;;https://evil.example\x07click\x1b]8;;\x07!'), 'click!');
  assert.equal(sanitizeText('\x1b]52;c;ZXZpbA==\x07ok'), 'ok');
  assert.equal(sanitizeText('before\x1b]0;never terminated'), 'before');
});

test('DCS, SOS, PM and APC strings are removed whole', () => {
  assert.equal(sanitizeText('\x1bPq#0;2;0;0;0\x1b\\x'), 'x');
  assert.equal(sanitizeText('\x1bXsos\x1b\\a'), 'a');
  assert.equal(sanitizeText('\x1b^pm\x1b\\b'), 'b');
  assert.equal(sanitizeText('\x1b_apc\x1b\\c'), 'c');
  assert.equal(sanitizeText('d\x1bPunterminated'), 'd');
});

test('two-character and charset escapes are removed whole', () => {
  assert.equal(sanitizeText('\x1bcreset'), 'reset');
  assert.equal(sanitizeText('\x1b7a\x1b8'), 'a');
  assert.equal(sanitizeText('\x1b(0lqk\x1b(B'), 'lqk');
  assert.equal(sanitizeText('\x1b=\x1b>\x1bMup'), 'up');
  assert.equal(sanitizeText('end\x1b'), 'end');
  assert.equal(sanitizeText('\x1bé'), 'é'); // ESC before a non-ASCII char: only ESC goes
});

test('8-bit C1 sequences are removed whole', () => {
  assert.equal(sanitizeText('\x9b31mred\x9b0m'), 'red');
  assert.equal(sanitizeText('\x9d0;title\x9chi'), 'hi');
  assert.equal(sanitizeText('\x9d0;title\x07hi'), 'hi');
  assert.equal(sanitizeText('\x90dcs\x9cy'), 'y');
  assert.equal(sanitizeText('\x98sos\x9cz'), 'z');
  assert.equal(sanitizeText('\x9epm\x9c1'), '1');
  assert.equal(sanitizeText('\x9fapc\x9c2'), '2');
  assert.equal(sanitizeText('a\x84b\x9cc\x80d'), 'abcd');
});

test('a control char inside a sequence cannot leave an ESC behind', () => {
  assert.equal(sanitizeText('\x1b[3\n1m'), ' 1m');
  assert.equal(sanitizeText('\x1b[\x1b[31mx'), 'x');
  assert.equal(sanitizeText('\x1b\x1b[0mx'), 'x');
});

test('C0 controls except TAB, DEL and BEL are removed', () => {
  assert.equal(sanitizeText('a\x00b\x07c\x08d\x7fe\x1ff'), 'abcdef');
  assert.equal(sanitizeText('a\tb'), 'a\tb');
});

test('line and page breaks become one space', () => {
  for (const br of ['\n', '\r', '\r\n', '\v', '\f', '\x85', '\u2028', '\u2029']) {
    assert.equal(sanitizeText(`a${br}b`), 'a b', JSON.stringify(br));
  }
  assert.equal(sanitizeText('para one\n\n\r\npara two'), 'para one para two');
  assert.equal(sanitizeText('a\n\x00\nb'), 'a b');
  assert.equal(sanitizeText('a\n b\nc'), 'a  b c');
});

test('bidi controls and invisible characters are removed; ZWJ and ZWNJ stay', () => {
  const removed = [
    0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e, 0x200f, 0x061c,
    0xfeff, 0x200b, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x00ad,
  ];
  for (const cp of removed) {
    assert.equal(sanitizeText(`ab${String.fromCodePoint(cp)}cd`), 'abcd', cp.toString(16));
  }
  assert.equal(sanitizeText('file\u202egnp.exe'), 'filegnp.exe');
  assert.equal(sanitizeText('a\u200cb\u200dc'), 'a\u200cb\u200dc');
});

test('lone surrogates become U+FFFD; pairs are kept', () => {
  assert.equal(sanitizeText('a\ud800b'), 'a\ufffdb');
  assert.equal(sanitizeText('\udc00'), '\ufffd');
  assert.equal(sanitizeText('x\ud83d'), 'x\ufffd');
  assert.equal(sanitizeText('\ude00\ud83d'), '\ufffd\ufffd');
  assert.equal(sanitizeText('\ud83d\ude00\x07'), '\ud83d\ude00');
});

test('no code point survives as a forbidden character, alone or in a sequence', () => {
  const ranges: Array<[number, number]> = [
    [0x0000, 0x2fff],
    [0xd800, 0xdfff],
    [0xfe00, 0xffff],
  ];
  for (const [from, to] of ranges) {
    for (let cp = from; cp <= to; cp++) {
      const c = String.fromCharCode(cp);
      assertClean(`x${c}y`);
      assertClean(c);
      assertClean(`\x1b${c}z`);
      assertClean(`\x1b[${c}z`);
      assertClean(`\x1b]${c}\x07z`);
      assertClean(`\x9b${c}z`);
      assertClean(`${c}\x1b`);
    }
  }
});

test('random mixtures of hostile characters come out clean', () => {
  const pool = [
    '\x1b',
    '[',
    ']',
    '\\',
    '\x07',
    '\x9b',
    '\x9c',
    '\x9d',
    '\x90',
    '\r',
    '\n',
    '\x85',
    '\u202e',
    '\u2066',
    '\ufeff',
    '\ud800',
    '\udc00',
    '😀',
    'a',
    '1',
    ';',
    'P',
    '_',
    '^',
    'X',
    '(',
    ' ',
    '\t',
    '\u200d',
    '\u2028',
    '\x00',
    '\x7f',
  ];
  let seed = 12345; // deterministic LCG so a failure reproduces
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  for (let round = 0; round < 5000; round++) {
    let s = '';
    const len = next() % 24;
    for (let k = 0; k < len; k++) s += pool[next() % pool.length];
    const out = assertClean(s);
    assert.equal(sanitizeText(out), out, 'sanitising is idempotent');
  }
});

test('utf8Length matches Buffer.byteLength', () => {
  const samples = [
    '',
    'a',
    'é',
    '€',
    '😀',
    '👨‍👩‍👧‍👦',
    '中文',
    'mixed é € 😀 text',
    '\ud800',
    'a\udc00b',
    '\ud83d',
    '\ud83d\ude00\ud83d',
    '\ude00\ud83d',
    '\u07ff\u0800\uffff',
  ];
  for (const s of samples) {
    assert.equal(utf8Length(s), Buffer.byteLength(s, 'utf8'), JSON.stringify(s));
  }
  for (let cp = 0; cp <= 0x10ffff; cp += cp < 0x10000 ? 1 : 251) {
    const s = String.fromCodePoint(cp);
    assert.equal(utf8Length(s), Buffer.byteLength(s, 'utf8'), cp.toString(16));
  }
  assert.equal(utf8Length('a😀'), 5);
});

test('checkMessageText accepts exactly maxBytes and refuses one more', () => {
  assert.deepEqual(checkMessageText('a'.repeat(10), 10), { ok: true, text: 'a'.repeat(10) });
  const over = checkMessageText('a'.repeat(11), 10);
  assert.equal(over.ok, false);
  if (!over.ok) {
    assert.equal(over.code, 'message_too_long');
    assert.match(over.reason, /\b10 bytes\b.*\b11\b/);
  }
  // Multi-byte: three euro signs are 9 bytes.
  assert.deepEqual(checkMessageText('€€€', 9), { ok: true, text: '€€€' });
  assert.equal(checkMessageText('€€€', 8).ok, false);
  assert.deepEqual(checkMessageText('😀', 4), { ok: true, text: '😀' });
  assert.equal(checkMessageText('😀', 3).ok, false);
});

test('checkMessageText measures the sanitised, trimmed text', () => {
  assert.deepEqual(checkMessageText('\x1b[31maaaaa\x1b[0m', 5), { ok: true, text: 'aaaaa' });
  assert.deepEqual(checkMessageText('hi  \t\n', 2), { ok: true, text: 'hi' });
  assert.deepEqual(checkMessageText('  hi', 4), { ok: true, text: '  hi' });
  assert.deepEqual(checkMessageText('a\r\nb', 10), { ok: true, text: 'a b' });
});

test('checkMessageText refuses empty and whitespace-only text', () => {
  for (const raw of ['', '   ', ' \t ', '\n\n', '\x1b[31m\x1b[0m', '\u200b\u202e', ' \u3000']) {
    const result = checkMessageText(raw, 100);
    assert.equal(result.ok, false, JSON.stringify(raw));
    if (!result.ok) {
      assert.equal(result.code, 'empty_message');
      assert.match(result.reason, /empty/);
    }
  }
});
