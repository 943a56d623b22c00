/**
 * The catch-up after a resume, as plain values: which end frames start one,
 * where each request starts (after the last *replayed* message, not the last
 * seen: held live messages follow the replay and are newer than the gap),
 * one request at a time, and one summary for renderers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CatchUp } from '../../src/client/catch-up.ts';
import type { HistoryEnd, HistoryRequest, MessageEvent } from '../../src/protocol/frames.ts';

function setup(limit = 300) {
  const sent: HistoryRequest[] = [];
  let n = 0;
  const catchUp = new CatchUp({ pageLimit: () => limit, send: (r) => sent.push(r) }, () => {
    n += 1;
    return `cu${n}`;
  });
  return { catchUp, sent };
}

function message(msg: number, room: string | null, history: boolean): MessageEvent {
  return {
    type: 'message',
    msg,
    ts: 1,
    from: 'writer',
    kind: 'say',
    text: `m${msg}`,
    ...(room === null ? { to: 'reader' } : { room }),
    ...(history ? { history: true as const } : {}),
  };
}

function end(fields: Partial<HistoryEnd>): HistoryEnd {
  return { type: 'history', count: 0, more: false, ...fields };
}

test('a resumed room whose replay says more is fetched on from the last replayed id, one page at a time', () => {
  const { catchUp, sent } = setup();
  catchUp.start(['#lobby', '#dev'], false);
  for (let id = 1; id <= 3; id++) catchUp.message(message(id, '#lobby', true));
  assert.equal(catchUp.end(end({ room: '#lobby', count: 3, more: true })), null);
  catchUp.message(message(9, '#lobby', false)); // a held live message, released after the replay
  catchUp.message(message(20, '#dev', true));
  assert.equal(catchUp.end(end({ room: '#dev', count: 1, more: true })), null);
  // One request in flight: #dev waits for #lobby.
  assert.deepEqual(sent, [{ type: 'history', id: 'cu1', room: '#lobby', after: 3, limit: 300 }]);

  for (let id = 4; id <= 6; id++) catchUp.message(message(id, '#lobby', true));
  assert.equal(catchUp.end(end({ id: 'cu1', room: '#lobby', count: 3, more: true })), null);
  assert.deepEqual(sent[1], { type: 'history', id: 'cu2', room: '#lobby', after: 6, limit: 300 });
  catchUp.message(message(7, '#lobby', true));
  assert.deepEqual(catchUp.end(end({ id: 'cu2', room: '#lobby', count: 1, more: false })), {
    type: 'history',
    room: '#lobby',
    count: 7,
    more: false,
  });
  assert.deepEqual(sent[2], { type: 'history', id: 'cu3', room: '#dev', after: 20, limit: 300 });
  assert.deepEqual(catchUp.end(end({ id: 'cu3', room: '#dev', count: 0, more: false })), {
    type: 'history',
    room: '#dev',
    count: 1,
    more: false,
  });
  assert.equal(sent.length, 3);
});

test('other end frames pass through: joins after the resume, rooms not resumed, requests of the user', () => {
  const { catchUp, sent } = setup();
  catchUp.start(['#lobby'], false);
  const notResumed = end({ room: '#other', count: 50, more: true });
  assert.equal(catchUp.end(notResumed), notResumed);
  const done = end({ room: '#lobby', count: 2, more: false });
  assert.equal(catchUp.end(done), done);
  // The resume's end for #lobby has come: a later join replay is not a resume.
  const rejoined = end({ room: '#lobby', count: 50, more: true });
  assert.equal(catchUp.end(rejoined), rejoined);
  const asked = end({ id: 'user-1', room: '#lobby', count: 50, more: true });
  assert.equal(catchUp.end(asked), asked);
  assert.deepEqual(sent, []);
});

test('private messages ("@") are fetched on with with:""; a refusal stops that catch-up; a new connection starts afresh', () => {
  const { catchUp, sent } = setup(100);
  catchUp.start([], true);
  catchUp.message(message(5, null, true));
  assert.equal(catchUp.end(end({ with: '', count: 1, more: true })), null);
  assert.deepEqual(sent, [{ type: 'history', id: 'cu1', with: '', after: 5, limit: 100 }]);
  assert.equal(catchUp.owns('cu1'), true);
  catchUp.refused();
  assert.equal(catchUp.owns('cu1'), false);

  catchUp.start(['#lobby'], false);
  catchUp.message(message(8, '#lobby', true));
  assert.equal(catchUp.end(end({ room: '#lobby', count: 1, more: true })), null);
  assert.deepEqual(sent[1], { type: 'history', id: 'cu2', room: '#lobby', after: 8, limit: 100 });
  catchUp.start(['#lobby'], false); // the connection dropped: its answer will never come
  assert.equal(catchUp.owns('cu2'), false);
});
