/**
 * Wrapping by display width: CJK and emoji take two columns, combining
 * marks none of their own, and no row is ever wider than the pane.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PLAIN, fitRow, rowText, run, wrapRuns } from '../../../src/client/tui/styled.ts';
import { displayWidth, graphemes, truncateToWidth } from '../../../src/client/tui/text-width.ts';

const rows = (text: string, width: number, indent = 0) =>
  wrapRuns([run(text)], width, indent).map(rowText);

test('display width counts columns, not code units', () => {
  assert.equal(displayWidth('hello'), 5);
  assert.equal(displayWidth('你好'), 4);
  assert.equal(displayWidth('e\u0301te\u0301'), 3); // the accents combine: 3 graphemes
  assert.equal(displayWidth('👍'), 2);
  assert.equal(displayWidth('👨‍👩‍👧'), 2); // one ZWJ family, one glyph
  assert.deepEqual(graphemes('e\u0301👨‍👩‍👧x'), ['e\u0301', '👨‍👩‍👧', 'x']);
  assert.equal(truncateToWidth('你好世界', 5), '你好'); // never half a wide character
});

test('words wrap at spaces and the space at the break is dropped', () => {
  assert.deepEqual(rows('the quick brown fox jumps', 10), ['the quick', 'brown fox', 'jumps']);
});

test('a word longer than a row is broken inside it', () => {
  assert.deepEqual(rows('abcdefghijkl', 5), ['abcde', 'fghij', 'kl']);
});

test('CJK text wraps by width, and a wide character never straddles the edge', () => {
  // 5 columns hold two wide characters; the third goes to the next row whole.
  assert.deepEqual(rows('你好世界和平', 5), ['你好', '世界', '和平']);
  for (const row of rows('混合 text 和 中文 characters 在一起 wrapping', 7)) {
    assert.ok(displayWidth(row) <= 7, row);
  }
});

test('emoji and combining characters are kept whole', () => {
  const out = rows('👍👍👍 cafe\u0301 cafe\u0301', 6);
  assert.deepEqual(out, ['👍👍👍', 'cafe\u0301', 'cafe\u0301']);
  assert.ok(out.every((r) => displayWidth(r) <= 6));
});

test('continuation rows hang under the text column', () => {
  const out = wrapRuns([run('12:00 <al> '), run('one two three four')], 16, 11).map(rowText);
  assert.deepEqual(out, [
    '12:00 <al> one',
    '           two',
    '           three',
    '           four',
  ]);
});

test('no soft break inside the prefix: a long first word starts beside the name', () => {
  const out = wrapRuns([run('12:00 <al> '), run('abcdefghijkl')], 14, 11).map(rowText);
  assert.deepEqual(out[0], '12:00 <al> abc');
});

test('an indent wider than the row falls back to none', () => {
  assert.deepEqual(rows('aaaa bbbb', 4, 8), ['aaaa', 'bbbb']);
});

test('styles survive wrapping and runs of one style merge', () => {
  const bold = { bold: true };
  const wrapped = wrapRuns([run('ab ', PLAIN), run('cd ef', bold)], 5);
  assert.deepEqual(
    wrapped.map((row) => row.map((r) => [r.text, r.style === bold])),
    [
      [
        ['ab ', false],
        ['cd', true],
      ],
      [['ef', true]],
    ],
  );
});

test('fitRow cuts and pads to exactly the width', () => {
  assert.equal(rowText(fitRow([run('status 你好')], 9)), 'status 你');
  assert.equal(displayWidth(rowText(fitRow([run('status 你好')], 9))), 9);
  assert.equal(rowText(fitRow([run('ab')], 4)), 'ab  ');
});

test('a tab is drawn as one space', () => {
  assert.deepEqual(rows('a\tb', 10), ['a b']);
});
