import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEXT_COMMANDS } from '../../src/core/commands.ts';
import { formatClock, formatHelp, formatMessage, formatTextLine } from '../../src/core/format.ts';
import type { MessageEvent, ServerFrame } from '../../src/protocol/frames.ts';

// Times are shown in local time, so build them from local components.
const TS = new Date(2024, 0, 2, 3, 4, 5).getTime();
const SAME_DAY_LATER = new Date(2024, 0, 2, 23, 59, 59).getTime();
const NEXT_DAY = new Date(2024, 0, 3, 0, 0, 1).getTime();

function message(fields: Partial<MessageEvent>): MessageEvent {
  return { type: 'message', msg: 7, ts: TS, from: 'alice', kind: 'say', text: 'hi', ...fields };
}

test('formatClock pads hours, minutes and seconds to two digits', () => {
  assert.equal(formatClock(TS), '03:04:05');
  assert.equal(formatClock(SAME_DAY_LATER), '23:59:59');
  assert.equal(formatClock(new Date(2024, 5, 6, 0, 0, 0).getTime()), '00:00:00');
});

test('formatMessage: room messages and actions', () => {
  assert.equal(formatMessage(message({ room: '#lobby' })), '[03:04:05] #lobby <alice> hi');
  assert.equal(
    formatMessage(message({ room: '#dev', kind: 'me', text: 'waves' })),
    '[03:04:05] #dev * alice waves',
  );
});

test('formatMessage: private messages and private actions name both sides', () => {
  assert.equal(
    formatMessage(message({ to: 'bob', text: 'psst' })),
    '[03:04:05] <alice → bob> psst',
  );
  assert.equal(
    formatMessage(message({ to: 'bob', kind: 'me', text: 'winks' })),
    '[03:04:05] (private to bob) * alice winks',
  );
});

test('formatMessage: the date is shown only when the message is from another day than now', () => {
  const m = message({ room: '#lobby' });
  assert.equal(formatMessage(m, SAME_DAY_LATER), '[03:04:05] #lobby <alice> hi');
  assert.equal(formatMessage(m, NEXT_DAY), '[2024-01-02 03:04:05] #lobby <alice> hi');
  assert.equal(formatMessage(m), '[03:04:05] #lobby <alice> hi', 'no now: clock only');
});

test('formatMessage: a message with neither room nor recipient still renders', () => {
  assert.equal(formatMessage(message({})), '[03:04:05] ? <alice> hi');
});

test('formatHelp: a header, then one aligned line per command', () => {
  const lines = formatHelp();
  assert.match(lines[0]!, /^-- commands/u);
  assert.equal(lines.length, TEXT_COMMANDS.length + 1);
  const aboutColumns = new Set<number>();
  TEXT_COMMANDS.forEach((command, i) => {
    const line = lines[i + 1]!;
    assert.ok(line.startsWith(`--   ${command.usage}`), line);
    assert.ok(line.endsWith(`  ${command.about}`), line);
    aboutColumns.add(line.length - command.about.length);
  });
  assert.equal(aboutColumns.size, 1, 'descriptions start in one column');
  for (const usage of ['/help', '/who', '/msg', '/me', '/nick', '/join', '/leave', '/rooms']) {
    assert.ok(
      lines.some((l) => l.startsWith(`--   ${usage}`)),
      `${usage} is listed`,
    );
  }
  for (const usage of ['/history', '/quit', '//text']) {
    assert.ok(
      lines.some((l) => l.startsWith(`--   ${usage}`)),
      `${usage} is listed`,
    );
  }
});

test('formatTextLine: events', () => {
  const cases: [ServerFrame, string][] = [
    [message({ room: '#lobby' }), '[03:04:05] #lobby <alice> hi'],
    [{ type: 'join', room: '#dev', name: 'bob', ts: TS }, '[03:04:05] #dev -- bob joined'],
    [{ type: 'leave', room: '#dev', name: 'bob', ts: TS }, '[03:04:05] #dev -- bob left'],
    [
      { type: 'leave', room: '#dev', name: 'bob', ts: TS, reason: 'quit: lunch' },
      '[03:04:05] #dev -- bob left (quit: lunch)',
    ],
    [
      { type: 'nick', old: 'bob', name: 'robert', ts: TS },
      '[03:04:05] -- bob is now known as robert',
    ],
  ];
  for (const [frame, line] of cases) assert.equal(formatTextLine(frame), line);
});

test('formatTextLine: replies, notices and errors', () => {
  const cases: [ServerFrame, string][] = [
    [{ type: 'who', room: '#lobby', users: ['alice'] }, '-- #lobby: 1 user: alice'],
    [
      { type: 'who', room: '#lobby', users: ['alice', 'bob', 'carol'] },
      '-- #lobby: 3 users: alice, bob, carol',
    ],
    [{ type: 'rooms', rooms: [] }, '-- no rooms'],
    [
      {
        type: 'rooms',
        rooms: [
          { room: '#lobby', members: 3 },
          { room: '#dev', members: 1 },
        ],
      },
      '-- rooms: #lobby (3), #dev (1)',
    ],
    [
      { type: 'rooms', rooms: [{ room: '#a', members: 0 }], more: true },
      '-- rooms: #a (0); more after #a: /rooms [FILTER] #a',
    ],
    [
      { type: 'who', room: '#big', users: ['alice', 'bob'], count: 8000, more: true },
      '-- #big: 8000 users: alice, bob and 7998 more',
    ],
    [{ type: 'notice', text: 'you are now in #lobby' }, '-- you are now in #lobby'],
    [
      { type: 'error', code: 'rate_limited', message: 'slow down, next message in 2 s' },
      '! rate_limited: slow down, next message in 2 s',
    ],
    [
      { type: 'error', code: 'too_long', message: 'line too long', fatal: true, id: 'x' },
      '! too_long: line too long',
    ],
    [{ type: 'bye', reason: 'server shutting down' }, '-- server shutting down'],
  ];
  for (const [frame, line] of cases) assert.equal(formatTextLine(frame), line);
});

test('formatTextLine: the welcome names the user and the room', () => {
  const line = formatTextLine({
    type: 'welcome',
    version: 1,
    server: 'test',
    name: 'alice',
    room: '#lobby',
    limits: { maxLineBytes: 16384, maxMessageBytes: 4096, historyMax: 1000 },
    token: 'secret-token',
  });
  assert.equal(line, '-- Welcome, alice! You are in #lobby. Type /help for commands.');
  assert.ok(!line.includes('secret-token'), 'the resume token is for native clients only');
});

test('formatTextLine: topics and the end of a history replay', () => {
  assert.equal(
    formatTextLine({ type: 'topic', room: '#dev', topic: 'ship it', by: 'bob', ts: TS }),
    '[03:04:05] #dev -- bob set the topic: ship it',
  );
  assert.equal(
    formatTextLine({ type: 'topic', room: '#dev', topic: null, by: 'bob', ts: TS }),
    '[03:04:05] #dev -- bob cleared the topic',
  );
  assert.equal(formatTextLine({ type: 'topic', room: '#dev', topic: 'x' }), '-- #dev topic: x');
  assert.equal(
    formatTextLine({ type: 'topic', room: '#dev', topic: null }),
    '-- #dev has no topic',
  );
  assert.equal(
    formatTextLine({ type: 'history', room: '#dev', count: 1, more: false }),
    '-- 1 earlier message in #dev above',
  );
  assert.match(
    formatTextLine({ type: 'history', room: '#dev', count: 50, more: true }) ?? '',
    /^-- 50 earlier messages in #dev above; \/history N shows more$/u,
  );
  assert.equal(formatTextLine({ type: 'history', room: '#dev', count: 0, more: false }), null);
});

test('formatTextLine: frames only native clients need are not shown in text mode', () => {
  assert.equal(formatTextLine({ type: 'ack', id: 'c1', msg: 1, ts: TS }), null);
  assert.equal(formatTextLine({ type: 'ping', token: 't' }), null);
  assert.equal(formatTextLine({ type: 'pong' }), null);
});
