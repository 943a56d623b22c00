/**
 * Items 8 and 9 of issue 11: password hashes are a budget of their own.
 * - scrypt flood: connections that `register` at once get at most the
 *   server's hash slots; one address holds a share of the queue; the rest
 *   are refused with `busy` (the queue never grows), and the owner logging
 *   in from elsewhere meanwhile gets in.
 * - One connection runs one hash at a time, even when its frames were
 *   queued by flood control (they used to run side by side).
 * - Owner lockout: a stranger's wrong guesses limit the stranger only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ErrorFrame } from '../../src/protocol/frames.ts';
import type { ScryptParams } from '../../src/server/passwords.ts';
import { AccountServer, framesOf } from '../accounts/helpers.ts';

const PASSWORD = 'correct-horse-battery';
/** Dear enough (64 MiB, a good fraction of a second) that a flood overlaps it. */
const SLOW_SCRYPT: ScryptParams = { N: 2 ** 16, r: 8, p: 1 };

test('16 connections register at once: the address allowance, one hash at a time, a bounded queue, the rest busy; the owner gets in', async (t) => {
  const server = await AccountServer.start(t, {
    scrypt: SLOW_SCRYPT,
    limits: { maxPasswordHashes: 1, passwordHashQueue: 4 },
  });
  const owner = await server.registered('owner', PASSWORD);
  owner.close();
  const attackers = await Promise.all(
    Array.from({ length: 16 }, (_, i) => server.native(`flood${i}`, { from: '127.0.0.50' })),
  );
  for (const attacker of attackers) attacker.send({ type: 'register', password: PASSWORD });
  // The owner, from another address, logs in while the flood is on.
  const real = await server.nativeConnect('127.0.0.60');
  real.send({ type: 'hello', version: 1, name: 'owner', password: PASSWORD });

  const outcomes = await Promise.all(
    attackers.map((a) =>
      a.waitForFrame((f) => f.type === 'registered' || f.type === 'error', 'register answer'),
    ),
  );
  await real.waitFor('welcome', { name: 'owner' });
  const refusals = outcomes.filter((f): f is ErrorFrame => f.type === 'error');
  // The address's allowance (10 a minute) turns the last six away before any hash...
  const limited = refusals.filter((f) => f.code === 'rate_limited');
  assert.equal(limited.length, 6);
  for (const refusal of limited) assert.match(refusal.message, /too many registrations/u);
  // ...and of the ten, all but the running one and one waiting (a quarter of 4) are busy.
  const busy = refusals.filter((f) => f.code === 'busy');
  for (const refusal of busy) assert.match(refusal.message, /busy checking passwords; try again/u);
  assert.ok(busy.length >= 10 - 2, `${busy.length} of 10 busy`);
  assert.equal(refusals.length, limited.length + busy.length);
  const hashing = server.server.hub.accounts.hashing;
  assert.equal(hashing.peak, 1, 'never more than the one slot');
  assert.equal(server.server.metrics.get('password_hashes_refused'), busy.length);
  assert.equal(hashing.waiting, 0);
});

test('one connection, password changes queued by flood control: one hash at a time, answers in order', async (t) => {
  // A say takes the one token, so the changes behind it wait in the flood queue and
  // come out 200 ms apart; each is two slow hashes. They used to run side by side.
  const server = await AccountServer.start(t, {
    scrypt: SLOW_SCRYPT,
    limits: { floodBurst: 1, floodPerSecond: 5, maxPasswordHashes: 4 },
  });
  const alice = await server.registered('alice', PASSWORD);
  const frames = [
    JSON.stringify({ type: 'say', id: 's', text: 'first' }) + '\n',
    ...Array.from(
      { length: 4 },
      (_, i) =>
        JSON.stringify({ type: 'password', id: `p${i}`, current: PASSWORD, password: PASSWORD }) +
        '\n',
    ),
  ];
  alice.socket.write(frames.join(''));
  for (let i = 0; i < 4; i++) await alice.waitFor('notice', { text: 'password changed' });
  assert.equal(server.server.hub.accounts.hashing.peak, 1, 'each change hashed after the last');
  assert.ok(!framesOf(alice).some((f) => f.type === 'error'));
});

test('a stranger guessing every few seconds does not lock the owner out', async (t) => {
  const server = await AccountServer.start(t);
  (await server.registered('owner', PASSWORD)).close();
  const guesser = await server.nativeConnect('127.0.0.70');
  let refusedGuesser = 0;
  for (let round = 0; round < 5; round++) {
    guesser.send({ type: 'hello', version: 1, name: 'owner', password: `guess ${round}` });
    const answer = await guesser.waitFor('error');
    if (answer.code === 'rate_limited') refusedGuesser++;
    else assert.equal(answer.code, 'unauthorized');
    // The owner, from home, logs in each round with the right password.
    const real = await server.nativeConnect('127.0.0.71');
    real.send({ type: 'hello', version: 1, name: 'owner', password: PASSWORD });
    await real.waitFor('welcome', { name: 'owner' });
    real.close();
  }
  assert.equal(refusedGuesser, 2, 'the guesser is held to 3 a minute');
});
