/**
 * The web client's pure parts, in Node: links, mentions, typed commands,
 * and the conversation model that shows each message once and in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseInput } from '../../web/src/commands.ts';
import { Conversation, lineKey, type MessageLine } from '../../web/src/conversation.ts';
import { linkify, mentions } from '../../web/src/linkify.ts';
import { dayLabel } from '../../web/src/time.ts';

test('only http and https become links, without trailing punctuation', () => {
  assert.deepEqual(linkify('see https://example.org/a?b=1, then http://x.test.'), [
    { text: 'see ' },
    { text: 'https://example.org/a?b=1', href: 'https://example.org/a?b=1' },
    { text: ', then ' },
    { text: 'http://x.test', href: 'http://x.test/' },
    { text: '.' },
  ]);
  for (const text of [
    'javascript:alert(1)',
    'data:text/html,<b>x</b>',
    'vbscript:x',
    'ftp://x.test',
  ]) {
    assert.deepEqual(linkify(text), [{ text }], text);
  }
  assert.deepEqual(linkify('<a href="https://x.test">'), [
    { text: '<a href="' },
    { text: 'https://x.test', href: 'https://x.test/' },
    { text: '">' },
  ]);
});

test('mentions are whole words, case-insensitive', () => {
  assert.equal(mentions('ada: lunch?', 'Ada'), true);
  assert.equal(mentions('ping @ada now', 'ada'), true);
  assert.equal(mentions('adam is here', 'ada'), false);
  assert.equal(mentions('canada', 'ada'), false);
  assert.equal(mentions('a.b is here', 'a.b'), true);
  assert.equal(mentions('axb is here', 'a.b'), false);
});

test('typed commands become the frames text mode would send, naming the room in view', () => {
  const room = '#dev';
  assert.deepEqual(parseInput('hello', room, null), { kind: 'say', text: 'hello', action: false });
  assert.deepEqual(parseInput('//slash', room, null), {
    kind: 'say',
    text: '/slash',
    action: false,
  });
  assert.deepEqual(parseInput('/me waves', room, null), {
    kind: 'say',
    text: 'waves',
    action: true,
  });
  assert.deepEqual(parseInput('/msg bob hi there', room, null), {
    kind: 'private',
    to: 'bob',
    text: 'hi there',
  });
  assert.deepEqual(parseInput('hi', null, 'bob'), { kind: 'private', to: 'bob', text: 'hi' });
  const frame = (input: string, view: string | null = room) => {
    const parsed = parseInput(input, view, view === null ? 'bob' : null);
    assert.equal(parsed.kind, 'request', input);
    return parsed.kind === 'request' ? parsed.frame : null;
  };
  assert.deepEqual(frame('/join ops'), { type: 'join', room: '#ops' });
  assert.deepEqual(frame('/leave'), { type: 'leave', room });
  assert.deepEqual(frame('/topic ship it'), { type: 'topic', room, topic: 'ship it' });
  assert.deepEqual(frame('/topic'), { type: 'topic', room });
  assert.deepEqual(frame('/who'), { type: 'who', room });
  assert.deepEqual(frame('/history 20'), { type: 'history', room, limit: 20 });
  assert.deepEqual(frame('/history 20', null), { type: 'history', with: 'bob', limit: 20 });
  assert.deepEqual(frame('/nick ada2'), { type: 'nick', name: 'ada2' });
  assert.deepEqual(frame('/kick eve spamming links'), {
    type: 'kick',
    name: 'eve',
    room,
    reason: 'spamming links',
  });
  assert.deepEqual(frame('/ban eve 2h flood'), {
    type: 'ban',
    target: 'eve',
    room,
    duration: 7_200_000,
    reason: 'flood',
  });
  assert.deepEqual(frame('/mute eve'), { type: 'mute', name: 'eve', room });
  assert.deepEqual(frame('/unban 203.0.113.0/24'), {
    type: 'unban',
    target: '203.0.113.0/24',
    room,
  });
  assert.deepEqual(frame('/op bob'), { type: 'op', name: 'bob', room });
  assert.deepEqual(frame('/bans'), { type: 'bans', room });
  assert.deepEqual(frame('/quit bye'), { type: 'quit', reason: 'bye' });
  assert.equal(parseInput('/frobnicate', room, null).kind, 'error');
  assert.equal(parseInput('/msg bob', room, null).kind, 'error');
  assert.equal(parseInput('/history 5000', room, null).kind, 'error');
  assert.equal(parseInput('/kick eve', null, 'bob').kind, 'error', 'room commands need a room');
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('10 minutes'), null);
});

function message(msg: number | null, text: string, extra: Partial<MessageLine> = {}): MessageLine {
  return {
    kind: 'message',
    key: lineKey(),
    msg,
    id: null,
    ts: 0,
    from: 'bob',
    action: false,
    text,
    own: false,
    mention: false,
    status: 'stored',
    ...extra,
  };
}

const texts = (c: Conversation) => c.lines.map((l) => l.text);

test('a conversation keeps messages in id order and shows each once', () => {
  const c = new Conversation('#x', '#x', '#x', null);
  assert.equal(c.addMessage(message(5, 'five')), true);
  assert.equal(c.addMessage(message(7, 'seven')), true);
  assert.equal(c.addMessage(message(6, 'six')), true); // a late page fills the gap
  assert.equal(c.addMessage(message(2, 'two')), true); // scroll-back puts it first
  assert.equal(c.addMessage(message(6, 'six again')), false);
  assert.deepEqual(texts(c), ['two', 'five', 'six', 'seven']);
  assert.deepEqual([c.oldest, c.newest], [2, 7]);
});

test('an acknowledged message replaces its pending line, or goes when a replay showed it first', () => {
  const c = new Conversation('#x', '#x', '#x', null);
  c.addMessage(message(null, 'mine', { id: 'w.1', own: true, status: 'pending' }));
  c.acknowledge('w.1', 3);
  assert.deepEqual(
    c.lines.map((l) => (l.kind === 'message' ? [l.text, l.msg, l.status] : [])),
    [['mine', 3, 'stored']],
  );
  assert.equal(c.addMessage(message(3, 'mine')), false, 'the broadcast of it is not shown again');

  // After a crash: the resume replays the stored message before the re-sent copy's ack.
  c.addMessage(message(null, 'again', { id: 'w.2', own: true, status: 'pending' }));
  c.addMessage(message(4, 'again', { own: true }));
  c.acknowledge('w.2', 4);
  assert.deepEqual(texts(c), ['mine', 'again']);
});

test('failed sends keep their text for a retry; unread counts follow the read position', () => {
  const c = new Conversation('#x', '#x', '#x', null);
  c.addMessage(message(null, 'mine', { id: 'w.1', own: true, status: 'pending' }));
  const failed = c.setStatus('w.1', 'failed', 'muted: you are muted');
  assert.equal(failed?.status, 'failed');
  assert.equal(c.setStatus('w.1', 'pending')?.error, undefined);
  c.addMessage(message(1, 'a'));
  c.addMessage(message(2, 'ada: b', { mention: true }));
  c.readUpTo = 1;
  c.recount();
  assert.deepEqual([c.unread, c.mentioned], [1, true]);
  c.markRead();
  assert.deepEqual([c.unread, c.mentioned, c.readUpTo], [0, false, 2]);
});

test('day separators name today, yesterday, then the date', () => {
  const now = new Date(2026, 11, 1, 12).getTime();
  assert.equal(dayLabel(now - 3_600_000, now), 'Today');
  assert.equal(dayLabel(now - 86_400_000, now), 'Yesterday');
  assert.match(dayLabel(now - 3 * 86_400_000, now), /2026/u);
});
