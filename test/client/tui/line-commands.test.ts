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
