/**
 * FloodGate and NameBuckets with injected times: `admit` takes the time as
 * a parameter, and the pacing timer runs under node:test's mocked
 * setTimeout/Date, so nothing here waits for a real clock.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientFrame } from '../../src/protocol/frames.ts';
import { FloodGate, NameBuckets, type FloodLimits } from '../../src/server/flood-gate.ts';
import { LOGIN_STRIKES, LoginBudget } from '../../src/server/login-budget.ts';

const LIMITS: FloodLimits = { burst: 10, perSecond: 2, queue: 10, strikes: 100 };
const T0 = 1_000_000;

let nextId = 0;
const say = (): ClientFrame => ({ type: 'say', id: `s${++nextId}`, text: 'hi' });

/** A gate whose mocked clock starts at T0; `ran` lists frames in the order they ran. */
function gate(
  t: TestContext,
  limits: Partial<FloodLimits> = {},
  options: { names?: NameBuckets; name?: string | null } = {},
) {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 });
  const full = { ...LIMITS, ...limits };
  const names =
    options.names ?? new NameBuckets({ capacity: full.burst, perSecond: full.perSecond });
  const flood = new FloodGate(full, names, () => options.name ?? null, T0);
  const ran: string[] = [];
  const admit = (frame: ClientFrame, now = Date.now()) => {
    const label = frame.id ?? frame.type;
    const admission = flood.admit(frame, () => void ran.push(label), now);
    if (admission.kind === 'now') ran.push(label);
    return admission;
  };
  t.after(() => flood.stop());
  return { flood, admit, ran, names };
}

test('a burst runs at once; then frames are queued; then refused; then the connection must go', (t) => {
  const { admit, ran } = gate(t, { strikes: 3 });
  const kinds = Array.from({ length: 24 }, () => admit(say(), T0).kind);
  assert.deepEqual(kinds, [
    ...Array<string>(10).fill('now'),
    ...Array<string>(10).fill('queued'),
    'refused',
    'refused',
    'refused',
    'disconnect',
  ]);
  assert.equal(ran.length, 10);
});

test('queued frames run in order, paced at perSecond, with no real clock', (t) => {
  const { admit, ran, flood } = gate(t);
  const ids: string[] = [];
  for (let i = 0; i < 15; i++) {
    const frame = say();
    ids.push((frame as { id: string }).id);
    admit(frame, T0);
  }
  assert.equal(ran.length, 10);
  assert.equal(flood.queued, 5);
  t.mock.timers.tick(499);
  assert.equal(ran.length, 10, 'nothing before the first token is back');
  t.mock.timers.tick(1);
  assert.equal(ran.length, 11);
  t.mock.timers.tick(500);
  assert.equal(ran.length, 12);
  t.mock.timers.tick(1500);
  assert.equal(ran.length, 15);
  assert.deepEqual(ran, ids, 'in the order sent');
  assert.equal(flood.queued, 0);
});

test('while frames wait, a new one queues behind them even if a token came back', (t) => {
  const { admit, ran } = gate(t);
  for (let i = 0; i < 11; i++) admit(say(), T0);
  // At T0+600 a token is available, but the queued frame is first in line.
  const late = say();
  assert.equal(admit(late, T0 + 600).kind, 'queued');
  t.mock.timers.tick(1000);
  assert.equal(ran.at(-1), (late as { id: string }).id);
  assert.equal(ran.length, 12);
});

test('ping, pong and hello never wait, however full the gate', (t) => {
  const { admit } = gate(t, { strikes: 1 });
  for (let i = 0; i < 25; i++) admit(say(), T0);
  for (const frame of [
    { type: 'ping' },
    { type: 'pong', token: 'x' },
    { type: 'hello', version: 1, name: 'a' },
  ] as ClientFrame[]) {
    assert.equal(admit(frame, T0).kind, 'now', frame.type);
  }
});

test('quit is free but waits its turn: it runs after the frames queued before it', (t) => {
  const { admit, ran } = gate(t);
  for (let i = 0; i < 12; i++) admit(say(), T0);
  assert.equal(admit({ type: 'quit' }, T0).kind, 'queued');
  t.mock.timers.tick(1000);
  assert.equal(ran.length, 13);
  assert.equal(ran.at(-1), 'quit', 'right after the last queued frame, costing no token');
});

test('quit with nothing queued runs at once even when the bucket is empty', (t) => {
  const { admit } = gate(t);
  for (let i = 0; i < 10; i++) admit(say(), T0);
  assert.equal(admit({ type: 'quit' }, T0).kind, 'now');
});

test('refusals say when to retry, later the fuller the queue', (t) => {
  const { admit } = gate(t);
  for (let i = 0; i < 20; i++) admit(say(), T0);
  const refused = admit(say(), T0);
  assert.equal(refused.kind, 'refused');
  if (refused.kind === 'refused') {
    assert.ok(refused.retryInMs >= 500, `retry in ${refused.retryInMs} ms`);
    assert.ok(refused.retryInMs <= ((LIMITS.queue + 1) / LIMITS.perSecond) * 1000);
  }
});

test('strikes: malformed lines use them up; one is forgiven every 2 s', (t) => {
  const { flood } = gate(t, { strikes: 3 });
  assert.equal(flood.strike(T0), true);
  assert.equal(flood.strike(T0), true);
  assert.equal(flood.strike(T0), true);
  assert.equal(flood.strike(T0), false);
  assert.equal(flood.strike(T0 + 1999), false);
  assert.equal(flood.strike(T0 + 2000 * 2), true);
});

test('the name bucket is shared: a reconnect under the same name does not start full', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 });
  const names = new NameBuckets({ capacity: LIMITS.burst, perSecond: LIMITS.perSecond });
  const first = new FloodGate(LIMITS, names, () => 'alice', T0);
  for (let i = 0; i < 10; i++) assert.equal(first.admit(say(), () => {}, T0).kind, 'now');
  first.stop();
  // A new connection: a full connection bucket, but alice's name bucket is empty.
  let ran = 0;
  const second = new FloodGate(LIMITS, names, () => 'alice', T0);
  t.after(() => second.stop());
  assert.equal(second.admit(say(), () => void ran++, T0).kind, 'queued');
  // Someone else is not affected.
  const bob = new FloodGate(LIMITS, names, () => 'bob', T0);
  assert.equal(bob.admit(say(), () => {}, T0).kind, 'now');
  t.mock.timers.tick(499);
  assert.equal(ran, 0);
  t.mock.timers.tick(1);
  assert.equal(ran, 1);
});

test('before login (no name) only the connection bucket counts', (t) => {
  const { admit, names } = gate(t, {}, { name: null });
  for (let i = 0; i < 10; i++) assert.equal(admit(say(), T0).kind, 'now');
  assert.equal(names.size, 0);
});

test('stop drops what waits: queued frames never run', (t) => {
  const { admit, ran, flood } = gate(t);
  for (let i = 0; i < 15; i++) admit(say(), T0);
  flood.stop();
  assert.equal(flood.queued, 0);
  t.mock.timers.tick(10_000);
  assert.equal(ran.length, 10);
});

test('NameBuckets.sweep forgets only buckets that carry no state', () => {
  const names = new NameBuckets({ capacity: 2, perSecond: 1 });
  names.get('busy', T0).take(T0);
  names.get('idle', T0);
  assert.equal(names.size, 2);
  names.sweep(T0 + 500);
  assert.equal(names.size, 1, 'the full one is gone, the busy one kept');
  const busy = names.get('busy', T0 + 500);
  assert.equal(busy.isFull(T0 + 500), false, 'the same bucket, still part-used');
  names.sweep(T0 + 1000);
  assert.equal(names.size, 0);
});

test('after quit nothing is queued or run, whatever follows: the queue stays bounded', (t) => {
  const { admit, ran, flood } = gate(t);
  for (let i = 0; i < 20; i++) admit(say(), T0);
  assert.equal(admit({ type: 'quit' }, T0).kind, 'queued');
  assert.equal(flood.quitting, true);
  // A million more quits (or anything else, pings included) are dropped, not queued.
  for (let i = 0; i < 1_000_000; i++) {
    const kind = admit(i % 2 ? { type: 'quit' } : say(), T0).kind;
    if (kind !== 'ignored') assert.fail(`frame ${i} was ${kind}`);
  }
  assert.equal(admit({ type: 'ping' }, T0).kind, 'ignored');
  assert.equal(flood.queued, LIMITS.queue + 1, 'the queue plus the one quit');
  t.mock.timers.tick(10_000);
  assert.equal(ran.length, 21);
  assert.equal(ran.at(-1), 'quit');
});

test('a queued frame that finishes later holds back the next one until it has', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 });
  const names = new NameBuckets({ capacity: LIMITS.burst, perSecond: LIMITS.perSecond });
  const flood = new FloodGate(LIMITS, names, () => null, T0);
  t.after(() => flood.stop());
  for (let i = 0; i < LIMITS.burst; i++) flood.admit(say(), () => {}, T0);
  const order: string[] = [];
  let finish = () => {};
  const slow = new Promise<void>((resolve) => (finish = resolve));
  flood.admit(
    say(),
    () => {
      order.push('slow started');
      return slow.then(() => void order.push('slow done'));
    },
    T0,
  );
  flood.admit(say(), () => void order.push('next'), T0);
  t.mock.timers.tick(5_000); // tokens for both are long back
  assert.deepEqual(order, ['slow started'], 'the next waits for the slow one');
  // A frame arriving now queues behind them, though the queue looks empty.
  assert.equal(flood.admit(say(), () => void order.push('late'), T0 + 5_000).kind, 'queued');
  finish();
  await slow;
  await Promise.resolve();
  t.mock.timers.tick(5_000);
  assert.deepEqual(order, ['slow started', 'slow done', 'next', 'late']);
});

test('login budget: a burst, then a slow rate; refusals are strikes, then disconnect', () => {
  const budget = new LoginBudget(5, 30, T0);
  const kinds = Array.from({ length: 5 + LOGIN_STRIKES + 1 }, () => budget.admit(T0).kind);
  assert.deepEqual(kinds, [
    ...Array<string>(5).fill('now'),
    ...Array<string>(LOGIN_STRIKES).fill('refused'),
    'disconnect',
  ]);
  const slow = new LoginBudget(1, 30, T0);
  assert.equal(slow.admit(T0).kind, 'now');
  const refused = slow.admit(T0 + 1000);
  assert.equal(refused.kind, 'refused');
  if (refused.kind === 'refused') assert.equal(refused.retryInMs, 1000);
  assert.equal(slow.admit(T0 + 2000).kind, 'now', 'one every 2 s at 30 a minute');
});
