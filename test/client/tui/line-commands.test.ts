/** Typed lines aimed at the conversation in view. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatModel } from '../../../src/client/tui/chat-model.ts';
import { interpretLine, literalLine } from '../../../src/client/tui/line-commands.ts';

function setup() {
  const m = new ChatModel({ name: 'alice', peer: 'x:1' });
  const lobby = m.openRoom('#lobby');
  const bob = m.openPrivate('bob');
  let n = 0;
  const run = (line: string) => interpretLine(line, m, () => `c${++n}`);
  return { m, lobby, bob, run };
}

test('in a room, a line goes to that room, whichever room the server thinks is current', () => {
  const { m, run } = setup();
  m.activate(m.openRoom('#dev'));
  assert.deepEqual(run('hi'), {
    kind: 'message',
    frame: { type: 'say', id: 'c1', text: 'hi', room: '#dev' },
    conversation: m.room('#dev'),
  });
  const me = run('/me waves');
  assert.ok(me.kind === 'message' && me.frame.type === 'me' && me.frame.room === '#dev');
});

test('in a private conversation, a line is a private message to that person', () => {
  const { m, bob, run } = setup();
  m.activate(bob);
  assert.deepEqual(run('psst'), {
    kind: 'message',
    frame: { type: 'msg', id: 'c1', to: 'bob', text: 'psst' },
    conversation: bob,
  });
  assert.equal(run('/me waves').kind, 'error');
  assert.deepEqual(run('/leave'), { kind: 'close', conversation: bob });
  const history = run('/history 5');
  assert.ok(history.kind === 'request' && history.frame.type === 'history');
  assert.deepEqual([history.frame.with, history.frame.limit], ['bob', 5]);
});

test('/msg opens the conversation with that person', () => {
  const { m, run } = setup();
  const action = run('/msg carol lunch?');
  assert.equal(action.kind, 'message');
  assert.equal(action.kind === 'message' && action.conversation, m.find('@carol'));
});

test('joining a room you are in just shows it; a new one is asked for', () => {
  const { lobby, bob, m, run } = setup();
  m.activate(bob);
  assert.deepEqual(run('/join #Lobby'), { kind: 'switch', conversation: lobby });
  assert.deepEqual(run('/join #new'), {
    kind: 'request',
    frame: { type: 'join', room: '#new' },
    join: '#new',
  });
});

test('screen commands: /query, /close, /fingerprint, and /who for the room in view', () => {
  const { m, lobby, run } = setup();
  m.activate(lobby);
  assert.deepEqual(run('/query dave'), { kind: 'query', name: 'dave' });
  assert.deepEqual(run('/close'), { kind: 'request', frame: { type: 'leave', room: '#lobby' } });
  assert.deepEqual(run('/fingerprint'), { kind: 'fingerprint' });
  assert.deepEqual(run('/who'), { kind: 'request', frame: { type: 'who', room: '#lobby' } });
  assert.equal(run('/nope').kind, 'error');
  assert.deepEqual(run('/quit bye all'), { kind: 'quit', reason: 'bye all' });
});

test('a pasted line is text even when it starts with a slash', () => {
  const { m, lobby } = setup();
  m.activate(lobby);
  const action = literalLine('/etc/hosts is the file', m, () => 'p1');
  assert.ok(action.kind === 'message' && action.frame.type === 'say');
  assert.equal(action.kind === 'message' && action.frame.text, '/etc/hosts is the file');
  assert.equal(literalLine('   ', m, () => 'p2').kind, 'none');
});

test('operator commands act on the room in view: /join #ops, /join #x2, /join #ops, then /mute mutes in #ops', () => {
  const { m, run } = setup();
  const ops = m.openRoom('#ops');
  m.openRoom('#x2');
  // /join of a room already open only brings it into view.
  m.activate(m.room('#x2')!);
  assert.deepEqual(run('/join #ops'), { kind: 'switch', conversation: ops });
  m.activate(ops);
  for (const [line, type] of [
    ['/mute bob 1m test', 'mute'],
    ['/ban bob', 'ban'],
    ['/kick bob go', 'kick'],
    ['/op bob', 'op'],
    ['/bans', 'bans'],
    ['/topic new topic', 'topic'],
  ] as const) {
    const action = run(line);
    assert.ok(action.kind === 'request', line);
    assert.equal(action.frame.type, type, line);
    assert.equal((action.frame as { room?: string }).room, '#ops', line);
  }
  // Another scope named first wins: a room, or the whole server.
  const elsewhere = run('/mute #x2 bob');
  assert.ok(elsewhere.kind === 'request');
  assert.equal((elsewhere.frame as { room?: string }).room, '#x2');
  const server = run('/ban * bob');
  assert.ok(server.kind === 'request');
  assert.equal((server.frame as { room?: string }).room, '*');
  assert.deepEqual(run('/switch #x2'), { kind: 'switch', conversation: m.room('#x2') });
  assert.equal(run('/switch #nowhere').kind, 'error');
  assert.deepEqual(run('/reconnect'), { kind: 'reconnect' });
});
