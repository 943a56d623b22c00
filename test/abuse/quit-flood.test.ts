/**
 * Item 6 of issue 11: `quit` used to be queued past `flood-queue`, so a
 * client piping quits behind a paced paste grew the server without bound.
 * Now the one quit waits its turn and nothing after it is read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LIMITS } from '../../src/protocol/limits.ts';
import type { Session } from '../../src/server/session.ts';
import { serverFor, writeRaw } from '../helpers/server.ts';
import { frames } from './helpers.ts';

const { floodBurst: BURST, floodQueue: QUEUE } = DEFAULT_LIMITS;

function sessionOf(sessions: Iterable<Session>, name: string): Session {
  const session = [...sessions].find((s) => s.user?.name === name);
  if (!session) throw new Error(`${name} is not online`);
  return session;
}

test('a paste, a quit, then 200,000 more quits: the flood queue holds the queue and one quit', async (t) => {
  const h = await serverFor(t, { limits: { floodPerSecond: 20 } });
  const observer = await h.native('observer');
  const quitter = await h.native('quitter');
  const session = sessionOf(h.server.hub.sessions(), 'quitter');
  let paste = '';
  for (let i = 1; i <= BURST + QUEUE; i++) {
    paste += JSON.stringify({ type: 'say', id: `p${i}`, text: `paste ${i}` }) + '\n';
  }
  const quit = JSON.stringify({ type: 'quit', reason: 'done' }) + '\n';
  // Not awaited: the server stops reading after the quit, so the rest waits in the kernel.
  void writeRaw(quitter, paste + quit.repeat(200_000));

  // While the paste is paced, the queue never holds more than the paste and one quit.
  let peak = 0;
  while (!session.closing) {
    peak = Math.max(peak, session.flood.queued);
    assert.ok(session.flood.queued <= QUEUE + 1, `${session.flood.queued} frames queued`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.ok(peak >= 1, 'the paste was queued');
  await quitter.waitFor('bye');
  await quitter.waitForClose();
  // The paste went out in order, then the quit: one leave, with its reason.
  const acked = frames(quitter).filter((f) => f.type === 'ack');
  assert.equal(acked.length, BURST + QUEUE);
  const leave = await observer.waitFor('leave', { name: 'quitter' });
  assert.equal(leave.reason, 'quit: done');
  assert.equal(frames(quitter).filter((f) => f.type === 'bye').length, 1);
});

test('after a queued quit nothing more is handled: a ping or a say behind it gets no answer', async (t) => {
  const h = await serverFor(t);
  const observer = await h.native('observer');
  const quitter = await h.native('quitter');
  // The burst, one say to be paced, then the quit waits behind it: the ping after that used to
  // skip the queue and be answered.
  const lines = [
    ...Array.from({ length: BURST + 1 }, (_, i) => ({ type: 'say', id: `b${i}`, text: `b${i}` })),
    { type: 'quit' },
    { type: 'ping', token: 'after' },
    { type: 'say', id: 's1', text: 'after quit' },
  ].map((f) => JSON.stringify(f) + '\n');
  await writeRaw(quitter, lines.join(''));
  await quitter.waitForClose();
  assert.deepEqual(
    frames(quitter)
      .slice(-1)
      .map((f) => f.type),
    ['bye'],
  );
  assert.ok(!frames(quitter).some((f) => f.type === 'pong'));
  assert.ok(!frames(quitter).some((f) => f.type === 'ack' && f.id === 's1'));
  assert.equal(frames(quitter).filter((f) => f.type === 'ack').length, BURST + 1);
  await observer.waitFor('leave', { name: 'quitter', reason: 'quit' });
  assert.ok(!frames(observer).some((f) => f.type === 'message' && f.text === 'after quit'));
});
