/**
 * Scrollback: the view follows the newest line until you scroll back, then
 * stays on what you are reading while messages arrive, across a resize too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatModel } from '../../../src/client/tui/chat-model.ts';
import { RowCache, entryRows } from '../../../src/client/tui/entry-rows.ts';
import { rowText } from '../../../src/client/tui/styled.ts';
import { createTheme } from '../../../src/client/tui/theme.ts';
import { type PaneLayout, scrollBy, visibleRows } from '../../../src/client/tui/viewport.ts';

const TS = Date.UTC(2025, 0, 2, 3, 4, 5);
const theme = createTheme(false);

function setup(count: number) {
  const m = new ChatModel({ name: 'alice', peer: 'x:1', now: () => TS });
  const room = m.openRoom('#lobby');
  const say = (text: string) => m.add(room, m.entry({ kind: 'say', from: 'bob', text }), true);
  for (let i = 1; i <= count; i += 1) say(`line ${i}`);
  const layout = (width: number, height: number): PaneLayout => ({
    ctx: { theme, width },
    height,
    cache: new RowCache(),
  });
  const shown = (l: PaneLayout) => visibleRows(room, l).map(rowText);
  return { m, room, say, layout, shown };
}

test('following: the newest rows at the bottom, empty rows above when short', () => {
  const { layout, shown } = setup(2);
  const view = shown(layout(40, 4));
  assert.deepEqual(view.slice(0, 2), ['', '']);
  assert.match(view[3]!, /<bob> line 2$/u);
});

test('scrolled back, the view stays put while new messages arrive', () => {
  const { room, say, layout, shown } = setup(30);
  const l = layout(40, 5);
  scrollBy(room, l, 10);
  const before = shown(l);
  assert.match(before.at(-1)!, /line 20$/u);
  say('new one');
  say('another');
  assert.deepEqual(shown(l), before);
  assert.equal(room.unread, 2);
  assert.notEqual(room.marker, null);
});

test('scrolling is clamped at the first page and returns to following at the bottom', () => {
  const { room, layout, shown } = setup(8);
  const l = layout(40, 5);
  scrollBy(room, l, 1000);
  assert.match(shown(l)[0]!, /line 1$/u);
  scrollBy(room, l, -1000);
  assert.equal(room.anchor, null);
  assert.equal(room.unread, 0);
});

test('a resize keeps the anchored message at the bottom of the view', () => {
  const { room, layout, shown } = setup(30);
  scrollBy(room, layout(80, 6), 10);
  const wide = shown(layout(80, 6)).at(-1);
  const narrow = shown(layout(20, 6)).at(-1);
  assert.match(wide!, /line 20$/u);
  assert.match(narrow!, /line 20$/u);
});

test('the unread marker is a row of its own above the first unseen line', () => {
  const { room, say, layout, shown } = setup(10);
  room.marker = null;
  const l = layout(30, 4);
  scrollBy(room, l, 1); // not following: what arrives now is unseen
  say('unseen');
  scrollBy(room, l, -100); // back to the bottom
  const view = shown(l);
  const at = view.findIndex((row) => row.includes(' new '));
  assert.ok(at !== -1, view.join('\n'));
  assert.match(view[at + 1]!, /unseen$/u);
});

test('entry rows: stamps, names, actions, notices, pending and failed', () => {
  const m = new ChatModel({ name: 'alice', peer: 'x:1', now: () => TS });
  const ctx = { theme, width: 60 };
  const line = (fields: Parameters<ChatModel['entry']>[0]) =>
    entryRows(m.entry(fields), ctx).map(rowText).join('|');
  const clock = new Date(TS).toTimeString().slice(0, 8);
  assert.equal(line({ kind: 'say', from: 'bob', text: 'hi' }), `${clock} <bob> hi`);
  assert.equal(line({ kind: 'me', from: 'bob', text: 'waves' }), `${clock} * bob waves`);
  assert.equal(line({ kind: 'notice', text: 'carol joined' }), `${clock} -- carol joined`);
  assert.equal(line({ kind: 'error', text: 'x: y' }), `${clock} ! x: y`);
  assert.equal(
    line({ kind: 'say', from: 'alice', text: 'hi', own: 'pending' }),
    'sending  <alice> hi', // as wide as a time stamp: the names stay in a column
  );
  assert.equal(
    line({ kind: 'say', from: 'alice', text: 'hi', own: 'failed' }),
    'failed   <alice> hi',
  );
  // Narrow panes drop the seconds.
  const narrow = entryRows(m.entry({ kind: 'say', from: 'bob', text: 'hi' }), { theme, width: 40 });
  assert.equal(rowText(narrow[0]!), `${clock.slice(0, 5)} <bob> hi`);
});
