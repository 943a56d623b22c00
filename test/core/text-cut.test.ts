/**
 * Issue 11, item 13: user text is cut by UTF-8 bytes on grapheme
 * boundaries (never leaving a lone surrogate), and every echo of user input
 * is sanitised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanText, cutToBytes, echoInput } from '../../src/core/text-cut.ts';
import { utf8Length } from '../../src/core/sanitize.ts';

const LONE_SURROGATE = /\p{Cs}/u;
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/u;

test('a cut never splits a surrogate pair or a grapheme', () => {
  const samples = [
    'a'.repeat(299) + '😀😀', // the topic of the attack run: 300 units cut inside 😀
    '😀'.repeat(100),
    'e\u0301'.repeat(50), // é as two code points
    '👨‍👩‍👧‍👦'.repeat(10),
    '🇫🇷🇩🇪'.repeat(10),
    'नमस्ते'.repeat(20),
    'mixed 漢字 and émoji 👍🏽 text '.repeat(5),
  ];
  for (const text of samples) {
    const graphemes = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)];
    for (let max = 0; max <= utf8Length(text) + 1; max++) {
      const cut = cutToBytes(text, max);
      assert.ok(utf8Length(cut) <= max, `${max}: ${utf8Length(cut)} bytes`);
      assert.doesNotMatch(cut, LONE_SURROGATE, `${JSON.stringify(text)} at ${max}`);
      assert.ok(text.startsWith(cut));
      const firstTooBig = utf8Length(graphemes[0]?.segment ?? '') > max; // then code points
      const boundary =
        firstTooBig || graphemes.some((g) => g.index === cut.length) || cut.length === text.length;
      assert.ok(boundary, `${JSON.stringify(text)} at ${max} bytes: not a grapheme boundary`);
      // The longest such prefix: the next grapheme would not have fitted.
      const next = graphemes.find((g) => g.index === cut.length);
      if (next && !firstTooBig)
        assert.ok(utf8Length(cut) + utf8Length(next.segment) > max, `${max}: too short`);
    }
  }
});

test('a single grapheme larger than the limit is cut on a code point boundary', () => {
  const zalgo = 'a' + '\u0301'.repeat(100);
  const cut = cutToBytes(zalgo, 11);
  assert.equal(cut, 'a' + '\u0301'.repeat(5));
});

test('huge input is cut without looking at all of it', () => {
  const huge = '😀'.repeat(2_000_000);
  assert.equal(cutToBytes(huge, 10), '😀😀');
  assert.equal(echoInput(huge, 16), '😀😀😀…');
});

test('cleanText sanitises, trims and cuts', () => {
  assert.equal(cleanText('  \x1b[31mhello\x1b[0m  ', 100), 'hello');
  assert.equal(cleanText('a'.repeat(199) + '😀', 200), 'a'.repeat(199));
  assert.equal(cleanText('ab \u200bcd', 3), 'ab');
});

test('echoes of user input carry no controls and are bounded', () => {
  const hostile = '\x1b]0;owned\x07\x1b[2J\r\n\x0b\x0cbob\u202e\u{e0041}';
  const echo = echoInput(hostile);
  assert.doesNotMatch(echo, CONTROL);
  assert.equal(echo, ' bob');
  assert.equal(echoInput('x'.repeat(1000)), 'x'.repeat(61) + '…');
  assert.ok(utf8Length(echoInput('é'.repeat(1000))) <= 64);
  assert.equal(echoInput('\ud83d'), '\ufffd');
  assert.doesNotMatch(echoInput('😀'.repeat(300)), LONE_SURROGATE);
});
