/** When a connection ends: which endings are retried, and how the client's own state follows the server. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterConnectionEnded, type EndedConnection } from '../../src/client/close-policy.ts';
import { SessionState } from '../../src/client/session-state.ts';
import type { WelcomeFrame } from '../../src/protocol/frames.ts';

const base: EndedConnection = {
  stopping: null,
  bye: null,
  fatal: null,
  everOnline: true,
  error: undefined,
};

test('a bye "shutdown" is a restart: retried; any other bye, a quit or a replaced session is not', () => {
  assert.ok('retry' in afterConnectionEnded({ ...base, bye: 'shutdown' }));
  assert.ok('offline' in afterConnectionEnded({ ...base, bye: 'goodbye' }));
  assert.ok('offline' in afterConnectionEnded({ ...base, bye: 'shutdown', stopping: 'quit' }));
  const replaced = afterConnectionEnded({
    ...base,
    fatal: {
      type: 'error',
      code: 'replaced',
      message: 'replaced by a new login from x',
      fatal: true,
    },
  });
  assert.ok('offline' in replaced && replaced.offline.cause === 'fatal');
  for (const code of ['internal', 'shutting_down', 'idle_timeout'] as const) {
    const next = afterConnectionEnded({
      ...base,
      fatal: { type: 'error', code, message: code, fatal: true },
    });
    assert.ok('retry' in next, code);
  }
  // Before the first login, even a restart's bye ends it (a wrong server should say so).
  assert.ok('offline' in afterConnectionEnded({ ...base, everOnline: false, bye: 'shutdown' }));
});

function welcome(extra: Partial<WelcomeFrame> = {}): WelcomeFrame {
  return {
    type: 'welcome',
    version: 1,
    server: 's',
    name: 'alice',
    room: '#lobby',
    limits: { maxLineBytes: 1, maxMessageBytes: 1, historyMax: 1 },
    token: 't',
    ...extra,
  };
}

test("an account's rooms brought back at login, and joins another device asked for, leave the current room alone", () => {
  const state = new SessionState('alice');
  state.welcome(welcome({ rooms: ['#lobby', '#dev'], features: ['read-markers'] }), []);
  assert.ok(state.features.has('read-markers'));
  state.apply({ type: 'join', room: '#lobby', name: 'alice', ts: 1 });
  state.apply({ type: 'join', room: '#dev', name: 'alice', ts: 1 });
  assert.equal(state.room, '#lobby');
  assert.deepEqual(state.rooms, ['#lobby', '#dev']);
  // Another device of the account joined #ops: we are in it too, but still looking at #lobby.
  state.apply({ type: 'join', room: '#ops', name: 'alice', ts: 2 });
  assert.equal(state.room, '#lobby');
  // A join we asked for makes the room current; switching to a room we are in does too.
  state.asked('new');
  state.apply({ type: 'join', room: '#new', name: 'alice', ts: 3 });
  assert.equal(state.room, '#new');
  assert.equal(state.switchTo('dev'), true);
  assert.equal(state.room, '#dev');
  assert.equal(state.switchTo('#nowhere'), false);
});
