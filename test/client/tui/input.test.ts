/**
 * The input line: editing by grapheme, history that keeps your draft,
 * sideways scrolling by columns, Tab completion, keys and pastes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Key } from 'ink';
import {
  complete,
  type Completed,
  type CompletionState,
} from '../../../src/client/tui/completion.ts';
import { InputLine } from '../../../src/client/tui/input-line.ts';
import { keyActions } from '../../../src/client/tui/keys.ts';
import { planPaste } from '../../../src/client/tui/paste.ts';
import { displayWidth } from '../../../src/client/tui/text-width.ts';

test('backspace and arrows move by grapheme: an emoji or an accented letter is one step', () => {
  const input = new InputLine();
  input.insert('cafe\u0301 👨‍👩‍👧');
  input.edit('backspace');
  assert.equal(input.text, 'cafe\u0301 ');
  input.edit('left');
  input.edit('left');
  input.edit('backspace');
  assert.equal(input.text, 'cae\u0301 ');
});

test('word and line kills, readline style', () => {
  const input = new InputLine();
  input.insert('one two three');
  input.edit('kill-word');
  assert.equal(input.text, 'one two ');
  input.edit('home');
  input.edit('word-right');
  input.edit('kill-end');
  assert.equal(input.text, 'one');
  input.edit('kill-start');
  assert.equal(input.text, '');
});

test('history: Up recalls, Down returns to the draft being written', () => {
  const input = new InputLine();
  input.insert('first');
  input.submit();
  input.insert('second');
  input.submit();
  input.insert('draft');
  input.recall(-1);
  assert.equal(input.text, 'second');
  input.recall(-1);
  input.recall(-1);
  assert.equal(input.text, 'first');
  input.recall(1);
  input.recall(1);
  assert.equal(input.text, 'draft');
});

test('a long line scrolls sideways by columns and the cursor stays in view', () => {
  const input = new InputLine();
  input.insert('你好'.repeat(20));
  const view = input.view(11);
  assert.ok(displayWidth(view.text) <= 11);
  assert.ok(view.cursorX <= 10);
  input.edit('home');
  assert.equal(input.view(11).cursorX, 0);
  assert.ok(input.view(11).text.startsWith('你好'));
});

const sources = {
  commands: ['/join', '/msg', '/me', '/quit'],
  rooms: ['#lobby', '#dev'],
  names: ['bob', 'Bernard', 'carol'],
};

test('Tab completes a name (with ": " at the start of a line), a command, a room', () => {
  assert.equal(complete('bo', '', sources, null)?.text, 'bob: ');
  assert.equal(complete('thanks ca', '', sources, null)?.text, 'thanks carol ');
  assert.equal(complete('/jo', '', sources, null)?.text, '/join ');
  assert.equal(complete('/join #d', '', sources, null)?.text, '/join #dev ');
  assert.equal(complete('zz', '', sources, null), null);
});

test('Tab again cycles through the matches, Shift-Tab goes back', () => {
  let state: CompletionState | null = null;
  const seen: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    const result: Completed = complete('hi b', ' there', sources, state)!;
    seen.push(result.text);
    state = result.state;
  }
  assert.deepEqual(seen, ['hi bob there', 'hi Bernard there', 'hi bob there']);
  assert.equal(complete('hi b', ' there', sources, state, -1)!.text, 'hi Bernard there');
});

const key = (extra: Partial<Key> = {}): Key => ({
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
  ...extra,
});

test('keys: a burst of typing still acts on Enter and Tab inside it', () => {
  assert.deepEqual(keyActions('/msg bo\tsee you\r', key()), [
    { type: 'insert', text: '/msg bo' },
    { type: 'complete', step: 1 },
    { type: 'insert', text: 'see you' },
    { type: 'submit' },
  ]);
  assert.deepEqual(keyActions('c', key({ ctrl: true })), [{ type: 'quit' }]);
  assert.deepEqual(keyActions('', key({ pageUp: true })), [{ type: 'scroll', pages: 1 }]);
  assert.deepEqual(keyActions('2', key({ meta: true })), [{ type: 'window-number', number: 2 }]);
  assert.deepEqual(keyActions('[200~', key()), [{ type: 'paste-start' }]);
});

test('pastes: one message per line by default, or one message with --paste-as-one', () => {
  assert.deepEqual(planPaste('a\r\nb\r\n\r\nc\rrest', false), {
    first: 'a',
    lines: ['b', 'c'],
    rest: 'rest',
    multiline: true,
  });
  assert.deepEqual(planPaste('a\nb\nc\n', true), {
    first: 'a b c',
    lines: [],
    rest: '',
    multiline: true,
  });
  assert.equal(planPaste('just text', false).multiline, false);
});
