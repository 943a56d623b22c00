import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTextInput, TEXT_COMMANDS, type TextInput } from '../../src/core/commands.ts';
import type { ClientFrame } from '../../src/protocol/frames.ts';

/** Parses with ids t1, t2, … so frames can be compared whole. */
function parse(line: string): TextInput {
  let n = 0;
  return parseTextInput(line, () => `t${++n}`);
}

function frameOf(line: string): ClientFrame {
  const input = parse(line);
  assert.equal(input.kind, 'frame', `${line} → ${JSON.stringify(input)}`);
  return (input as { frame: ClientFrame }).frame;
}

/** The frame without keys whose value is undefined. */
function defined(frame: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(frame).filter(([, v]) => v !== undefined));
}

function assertFrame(line: string, expected: ClientFrame): void {
  assert.deepEqual(defined(frameOf(line)), expected, line);
}

function assertUsage(line: string, usage: string): void {
  const input = parse(line);
  assert.equal(input.kind, 'error', line);
  if (input.kind !== 'error') return;
  assert.equal(input.error.code, 'bad_arguments', line);
  assert.equal(input.error.message, `usage: ${usage}`, line);
}

test('a line without a leading / is a message to the current room, as typed', () => {
  assertFrame('hello there', { type: 'say', id: 't1', text: 'hello there' });
  assertFrame('  indented', { type: 'say', id: 't1', text: '  indented' });
  assertFrame('a /slash inside', { type: 'say', id: 't1', text: 'a /slash inside' });
});

test('//x sends "/x"', () => {
  assertFrame('//x', { type: 'say', id: 't1', text: '/x' });
  assertFrame('//join is a command', { type: 'say', id: 't1', text: '/join is a command' });
});

test('an empty or blank line is nothing', () => {
  assert.deepEqual(parse(''), { kind: 'none' });
  assert.deepEqual(parse('   \t '), { kind: 'none' });
});

test('ids come from the caller, one per acknowledged frame', () => {
  const ids = ['a', 'b', 'c'];
  const next = () => ids.shift()!;
  const first = parseTextInput('one', next);
  const who = parseTextInput('/who', next);
  const second = parseTextInput('/me two', next);
  assert.equal(first.kind === 'frame' && first.frame.type === 'say' && first.frame.id, 'a');
  assert.equal(who.kind, 'frame');
  assert.equal(second.kind === 'frame' && second.frame.type === 'me' && second.frame.id, 'b');
});

test('/help and /?', () => {
  assert.deepEqual(parse('/help'), { kind: 'help' });
  assert.deepEqual(parse('/?'), { kind: 'help' });
});

test('/who [#room]', () => {
  assertFrame('/who', { type: 'who' });
  assertFrame('/who #dev', { type: 'who', room: '#dev' });
});

test('/msg NAME TEXT and its aliases', () => {
  assertFrame('/msg bob hi there', { type: 'msg', id: 't1', to: 'bob', text: 'hi there' });
  assertFrame('/query bob hi', { type: 'msg', id: 't1', to: 'bob', text: 'hi' });
  assertFrame('/tell bob hi', { type: 'msg', id: 't1', to: 'bob', text: 'hi' });
  assertFrame('/msg   bob    spaced   out  ', {
    type: 'msg',
    id: 't1',
    to: 'bob',
    text: 'spaced   out',
  });
  assertUsage('/msg', '/msg NAME TEXT');
  assertUsage('/msg bob', '/msg NAME TEXT');
  assertUsage('/msg bob   ', '/msg NAME TEXT');
});

test('/me ACTION', () => {
  assertFrame('/me waves at everyone', { type: 'me', id: 't1', text: 'waves at everyone' });
  assertUsage('/me', '/me ACTION');
  assertUsage('/me   ', '/me ACTION');
});

test('/nick NEW', () => {
  assertFrame('/nick robert', { type: 'nick', name: 'robert' });
  assertUsage('/nick', '/nick NEW');
  assertUsage('/nick two words', '/nick NEW');
});

test('/join #room', () => {
  assertFrame('/join #dev', { type: 'join', room: '#dev' });
  assertUsage('/join', '/join #room');
  assertUsage('/join #a #b', '/join #room');
});

test('/leave [#room] and /part', () => {
  assertFrame('/leave', { type: 'leave' });
  assertFrame('/leave #dev', { type: 'leave', room: '#dev' });
  assertFrame('/part #dev', { type: 'leave', room: '#dev' });
  assertUsage('/leave #a #b', '/leave [#room]');
});

test('/rooms and /list', () => {
  assertFrame('/rooms', { type: 'rooms' });
  assertFrame('/list', { type: 'rooms' });
  assertFrame('/rooms dev', { type: 'rooms', match: 'dev' });
  assertFrame('/rooms dev #devops', { type: 'rooms', match: 'dev', after: '#devops' });
  assertFrame('/rooms #b', { type: 'rooms', after: '#b' });
  assertUsage('/rooms a b', '/rooms [FILTER] [#AFTER]');
  assertUsage('/rooms #a #b', '/rooms [FILTER] [#AFTER]');
});

test('/topic [TEXT]', () => {
  assertFrame('/topic', { type: 'topic' });
  assertFrame('/topic release on friday', { type: 'topic', topic: 'release on friday' });
});

test('/history [N]', () => {
  // /history carries an id so that an empty answer still prints a line.
  assertFrame('/history', { type: 'history', id: 't1' });
  assertFrame('/history 20', { type: 'history', id: 't1', limit: 20 });
  assertUsage('/history lots', '/history [N]');
  assertUsage('/history -5', '/history [N]');
  assertUsage('/history 1.5', '/history [N]');
  assertUsage('/history 12345678', '/history [N]');
  assertUsage('/history 5 6', '/history [N]');
});

test('/quit [reason] and /exit', () => {
  assertFrame('/quit', { type: 'quit' });
  assertFrame('/quit gone fishing', { type: 'quit', reason: 'gone fishing' });
  assertFrame('/exit', { type: 'quit' });
});

test('command words are case-insensitive', () => {
  assertFrame('/WHO', { type: 'who' });
  assertFrame('/Msg bob Hi', { type: 'msg', id: 't1', to: 'bob', text: 'Hi' });
});

test('an unknown command is an unknown_command error naming it, never a message', () => {
  for (const line of ['/frobnicate', '/frobnicate with args', '/', '/ spaced']) {
    const input = parse(line);
    assert.equal(input.kind, 'error', line);
    if (input.kind !== 'error') continue;
    assert.equal(input.error.code, 'unknown_command', line);
    assert.match(input.error.message, /\/help/u);
  }
  const input = parse('/frobnicate now');
  assert.ok(input.kind === 'error' && input.error.message.includes('/frobnicate'));
  const long = parse(`/${'x'.repeat(500)}`);
  assert.ok(long.kind === 'error' && long.error.message.length < 120, 'the echo is bounded');
});

test('every command in the help table parses', () => {
  for (const { usage } of TEXT_COMMANDS) {
    const word = usage.split(' ')[0]!;
    if (word === '//text') continue;
    const input = parse(word);
    assert.notEqual(input.kind === 'error' && input.error.code, 'unknown_command', usage);
  }
});

test('/switch #room', () => {
  assertFrame('/switch #dev', { type: 'switch', room: '#dev' });
  assertUsage('/switch', '/switch #room');
  assertUsage('/switch #a #b', '/switch #room');
});

test('moderation commands take an optional scope first: a room, or * for the whole server', () => {
  assertFrame('/mute bob 10m spam', {
    type: 'mute',
    name: 'bob',
    duration: 600_000,
    reason: 'spam',
  });
  assertFrame('/mute #dev bob 10m spam', {
    type: 'mute',
    name: 'bob',
    duration: 600_000,
    reason: 'spam',
    room: '#dev',
  });
  assertFrame('/ban * troll', { type: 'ban', target: 'troll', room: '*' });
  assertFrame('/kick #den carol go away', {
    type: 'kick',
    name: 'carol',
    reason: 'go away',
    room: '#den',
  });
  assertFrame('/unban #den 203.0.113.9', { type: 'unban', target: '203.0.113.9', room: '#den' });
  assertFrame('/op #den bob', { type: 'op', name: 'bob', room: '#den' });
  assertFrame('/bans *', { type: 'bans', room: '*' });
  assertFrame('/bans', { type: 'bans' });
  assertUsage('/kick #den', '/kick [#room] NAME [reason]');
  // Only moderation commands read a scope: a message may start with # or *.
  assertFrame('#dev is nice', { type: 'say', id: 't1', text: '#dev is nice' });
  assertFrame('/me * stars', { type: 'me', id: 't1', text: '* stars' });
});
