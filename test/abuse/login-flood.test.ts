/**
 * Item 5 of issue 11: before login, `hello` frames and text-mode name lines
 * have a budget of their own. Pipelined hellos for a taken look-alike name
 * (each costs a name check) get a few answers, then `rate_limited`, then the
 * connection is closed — while a logged-in client keeps its round trip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ErrorFrame } from '../../src/protocol/frames.ts';
import { DEFAULT_LIMITS } from '../../src/protocol/limits.ts';
import { LOGIN_STRIKES } from '../../src/server/login-budget.ts';
import { serverFor, writeRaw } from '../helpers/server.ts';
import { frames } from './helpers.ts';

const BURST = DEFAULT_LIMITS.loginBurst;
/** A 32-letter Sunuwar name: refused, and among the dearest to explain (the script search). */
const SUNUWAR = String.fromCodePoint(...Array.from({ length: 32 }, (_, i) => 0x11bc0 + (i % 0x20)));

test('native: pipelined hellos for a taken name get the burst, then rate_limited, then the end', async (t) => {
  const h = await serverFor(t);
  const owner = await h.native('alice');
  const attackers = await Promise.all(Array.from({ length: 4 }, () => h.nativeConnect()));
  // 2,000 hellos each, in one write: a look-alike of the taken name (another case).
  const hello = JSON.stringify({ type: 'hello', version: 1, name: 'ALICE' }) + '\n';
  for (const attacker of attackers) void writeRaw(attacker, hello.repeat(2_000));

  // Meanwhile the logged-in client's round trip still works.
  owner.send({ type: 'ping', token: 'during' });
  await owner.waitFor('pong', { token: 'during' });

  for (const attacker of attackers) {
    const fatal = await attacker.waitFor('error', { code: 'rate_limited', fatal: true });
    assert.match(fatal.message, /too many login attempts: disconnected/u);
    await attacker.waitForClose();
    const answers = frames(attacker).filter((f): f is ErrorFrame => f.type === 'error');
    assert.deepEqual(
      answers.map((f) => f.code),
      [
        ...Array<string>(BURST).fill('name_taken'),
        ...Array<string>(LOGIN_STRIKES).fill('rate_limited'),
        'rate_limited',
      ],
    );
    assert.match(answers[BURST]!.message, /^too many login attempts; try again in \d+ s$/u);
  }
  // Only the burst of each connection was looked at.
  assert.equal(h.server.metrics.get('login_attempts'), 1 + 4 * BURST);
  assert.equal(h.server.metrics.get('login_attempts_refused'), 4 * (LOGIN_STRIKES + 1));
  assert.equal(owner.closed, false);
});

test('native: a costly name (32 Sunuwar letters, refused with its reason) pipelined: the same budget', async (t) => {
  const h = await serverFor(t);
  const attacker = await h.nativeConnect();
  const hello = JSON.stringify({ type: 'hello', version: 1, name: SUNUWAR }) + '\n';
  void writeRaw(attacker, hello.repeat(5_000));
  await attacker.waitFor('error', { code: 'rate_limited', fatal: true });
  await attacker.waitForClose();
  const codes = frames(attacker).map((f) => (f.type === 'error' ? f.code : f.type));
  assert.deepEqual(codes.slice(0, BURST), Array<string>(BURST).fill('name_invalid'));
  assert.equal(h.server.metrics.get('login_attempts'), BURST);
});

test('text mode: pipelined name lines: the burst is answered, then rate_limited and the prompt, then the end', async (t) => {
  const h = await serverFor(t);
  const owner = await h.text('alice');
  const attacker = await h.textConnect();
  void writeRaw(attacker, 'ALICE\n'.repeat(2_000));
  await attacker.waitForLine(/^! rate_limited: too many login attempts: disconnected$/u);
  await attacker.waitForClose();
  const refusals = attacker.lines.filter((l) => l.startsWith('! '));
  assert.equal(refusals.filter((l) => l.startsWith('! name_taken:')).length, BURST);
  assert.equal(
    refusals.filter((l) => /^! rate_limited: too many login attempts; try again in \d+ s$/u.test(l))
      .length,
    LOGIN_STRIKES,
  );
  assert.equal(h.server.metrics.get('login_attempts'), 1 + BURST);
  owner.write('/who');
  await owner.waitForLine(/^-- #lobby: 1 user: alice$/u);
});

test('a person who mistypes a few names still gets in', async (t) => {
  const h = await serverFor(t);
  await h.native('alice');
  const client = await h.nativeConnect();
  for (const name of ['alice', 'аlice', 'admin']) {
    client.send({ type: 'hello', version: 1, name });
    await client.waitFor('error');
  }
  client.send({ type: 'hello', version: 1, name: 'alicia' });
  await client.waitFor('welcome', { name: 'alicia' });
});
