/**
 * Name ownership against a real server, in both dialects: a registered name
 * needs its password, a guest cannot take it, passwords can be changed, and
 * password attempts are limited to 3 a minute per name and per address.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ErrorFrame } from '../../src/protocol/frames.ts';
import { AccountServer, framesOf, refusal } from './helpers.ts';

const PASSWORD = 'correct horse battery';

test('native: a registered name is refused without its password and with a wrong one, and taken with it', async (t) => {
  const server = await AccountServer.start(t);
  const alice = await server.registered('alice', PASSWORD);
  alice.close();
  await alice.waitForClose();

  const other = await server.nativeConnect('127.0.0.5');
  other.send({ type: 'hello', version: 1, name: 'alice' });
  const required = await other.waitFor('error');
  assert.equal(required.code, 'password_required');
  assert.equal(required.fatal, undefined, 'not fatal: another hello may follow');
  // Case and look-alikes are the same name, so they are owned too.
  other.send({ type: 'hello', version: 1, name: 'ALICE' });
  assert.equal((await other.waitFor('error')).code, 'password_required');
  other.send({ type: 'hello', version: 1, name: 'alice', password: 'not the password' });
  const wrong = await other.waitFor('error');
  assert.equal(wrong.code, 'unauthorized');
  assert.equal(wrong.fatal, undefined);
  assert.ok(!framesOf(other).some((f) => f.type === 'welcome'), 'no welcome before the password');

  other.send({ type: 'hello', version: 1, name: 'alice', password: PASSWORD });
  const welcome = await other.waitFor('welcome');
  assert.equal(welcome.name, 'alice');
});

test('native: the owner with the password logs in beside a session still holding the name; a guest gets no further', async (t) => {
  const server = await AccountServer.start(t);
  const first = await server.registered('alice', PASSWORD);
  const bob = await server.native('bob');

  const guest = await server.nativeConnect('127.0.0.6');
  guest.send({ type: 'hello', version: 1, name: 'alice' });
  assert.equal((await guest.waitFor('error')).code, 'password_required');

  // A second device of the account: both stay, and the room hears of alice once.
  const mark = bob.lines.length;
  const owner = await server.native('alice', { password: PASSWORD, from: '127.0.0.7' });
  owner.send({ type: 'say', id: 'c1', text: 'back again' });
  await bob.waitFor('message', { from: 'alice', text: 'back again' });
  await first.waitFor('message', { from: 'alice', text: 'back again' });
  const seen = bob.lines.slice(mark).map((l) => JSON.parse(l) as { type: string });
  assert.ok(!seen.some((f) => f.type === 'leave' || f.type === 'join'), JSON.stringify(seen));
  assert.equal(first.closed, false);
});

test('text: a registered name is followed by a password prompt; a wrong password brings the username prompt back', async (t) => {
  const server = await AccountServer.start(t);
  const owner = await server.textConnect('127.0.0.2');
  owner.write('alice');
  await owner.waitForLine(/^-- Welcome, alice!/u);
  owner.write(`/register ${PASSWORD.replaceAll(' ', '-')}`);
  await owner.waitForLine(
    /^-- alice is registered: from now on this name needs its password$/u,
    'registered line',
  );
  owner.write('/quit');
  await owner.waitForClose();

  const client = await server.textConnect('127.0.0.3');
  client.write('alice');
  await client.waitForLine(/^Password for alice:$/u, 'password prompt');
  client.write('wrong-password');
  await client.waitForLine(/^! unauthorized: wrong password for alice$/u);
  await client.waitForLine(/^Choose a username:$/u);
  // Any spelling of the name asks for its password; the owner is shown as typed.
  client.write('Alice');
  await client.waitForLine(/^Password for Alice:$/u);
  client.write(PASSWORD.replaceAll(' ', '-'));
  await client.waitForLine(/^-- Welcome, Alice! You are in #lobby\./u);
  client.write('it is me');
  await client.waitForLine(/#lobby <Alice> it is me$/u);
});

test('a guest cannot take a registered name with /nick, in either dialect', async (t) => {
  const server = await AccountServer.start(t);
  const alice = await server.registered('alice', PASSWORD);
  alice.close();

  const native = await server.native('mallory');
  const refused = await refusal(native, { type: 'nick', name: 'alice' });
  assert.equal(refused.code, 'name_taken');
  assert.match(refused.message, /registered/u);

  const text = await server.text('trudy');
  text.write('/nick ALICE');
  await text.waitForLine(/^! name_taken: ALICE is registered; log in with its password$/u);
  text.write('/nick trudy2');
  await text.waitForLine(/-- trudy is now known as trudy2$/u);
});

test('/register refuses a short password and a second registration; /password changes it (native)', async (t) => {
  const server = await AccountServer.start(t);
  const alice = await server.native('alice');
  assert.equal(
    (await refusal(alice, { type: 'register', password: 'short' })).code,
    'password_invalid',
  );
  alice.send({ type: 'register', password: PASSWORD });
  await alice.waitFor('registered', { name: 'alice' });
  assert.equal(
    (await refusal(alice, { type: 'register', password: PASSWORD })).code,
    'already_registered',
  );

  // Every password attempt counts against the 3 a minute, so this test
  // makes three: the change, the old password, the new one.
  alice.send({ type: 'password', current: PASSWORD, password: 'a brand new secret' });
  await alice.waitFor('notice', { text: 'password changed' });
  alice.close();

  const probe = await server.nativeConnect('127.0.0.8');
  probe.send({ type: 'hello', version: 1, name: 'alice', password: PASSWORD });
  assert.equal((await probe.waitFor('error')).code, 'unauthorized', 'the old password is dead');
  probe.send({ type: 'hello', version: 1, name: 'alice', password: 'a brand new secret' });
  await probe.waitFor('welcome', { name: 'alice' });

  const guest = await server.native('bob');
  const notOwner = await refusal(guest, {
    type: 'password',
    current: 'whatever1',
    password: 'whatever2',
  });
  assert.equal(notOwner.code, 'unauthorized', 'a guest has no password to change');
});

test('/register and /password in text mode', async (t) => {
  const server = await AccountServer.start(t);
  const bob = await server.text('bob');
  bob.write('/register short');
  await bob.waitForLine(/^! password_invalid: passwords are at least 8 characters$/u);
  bob.write('/register hunter2hunter2');
  await bob.waitForLine(/^-- bob is registered: from now on this name needs its password$/u);
  bob.write('/register hunter2hunter2');
  await bob.waitForLine(/^! already_registered: /u);
  bob.write('/password wrong-one new-password-1');
  await bob.waitForLine(/^! unauthorized: the current password is wrong$/u);
  bob.write('/password hunter2hunter2 new-password-1');
  await bob.waitForLine(/^-- password changed$/u);
  bob.close();

  const again = await server.text('bob', { password: 'new-password-1', from: '127.0.0.4' });
  again.write('/register another-one');
  await again.waitForLine(
    /^! already_registered: you are logged in to a registered name already$/u,
  );
});

test('three wrong passwords: the fourth attempt from that address is rate_limited; the owner elsewhere is not locked out', async (t) => {
  const server = await AccountServer.start(t);
  const owner = await server.registered('alice', PASSWORD);
  owner.close();

  const attacker = await server.nativeConnect('127.0.0.20');
  for (let i = 1; i <= 3; i++) {
    attacker.send({ type: 'hello', version: 1, name: 'alice', password: `guess number ${i}` });
    assert.equal((await attacker.waitFor('error')).code, 'unauthorized', `attempt ${i}`);
  }
  attacker.send({ type: 'hello', version: 1, name: 'alice', password: PASSWORD });
  const limited = await attacker.waitFor('error');
  assert.equal(limited.code, 'rate_limited');
  assert.match(limited.message, /too many password attempts; try again in \d+ s/u);

  // Per (name, address): the owner, from another address, is not held up by a stranger's guesses.
  const real = await server.nativeConnect('127.0.0.21');
  real.send({ type: 'hello', version: 1, name: 'alice', password: PASSWORD });
  await real.waitFor('welcome', { name: 'alice' });
  assert.equal(server.server.metrics.get('rate_limited'), 1, 'only the guesser was refused');
});

test('per address: ten wrong passwords across accounts limit that address, not others', async (t) => {
  const server = await AccountServer.start(t);
  const names = ['amy', 'ben', 'cat', 'dan', 'eve', 'fay'];
  for (const name of names) (await server.registered(name, PASSWORD)).close();

  const scanner = await server.nativeConnect('127.0.0.30');
  // Two guesses per name stay under the per-(name, address) allowance of 3.
  for (const name of [...names.slice(0, 5), ...names.slice(0, 5)]) {
    scanner.send({ type: 'hello', version: 1, name, password: 'guess-guess' });
    assert.equal((await scanner.waitFor('error')).code, 'unauthorized', name);
  }
  scanner.send({ type: 'hello', version: 1, name: 'fay', password: PASSWORD });
  assert.equal((await scanner.waitFor('error')).code, 'rate_limited', 'the address is limited');

  const elsewhere = await server.nativeConnect('127.0.0.31');
  elsewhere.send({ type: 'hello', version: 1, name: 'fay', password: PASSWORD });
  await elsewhere.waitFor('welcome', { name: 'fay' });
});

test('text: three wrong passwords, then the fourth attempt is refused with ! rate_limited', async (t) => {
  const server = await AccountServer.start(t);
  (await server.registered('alice', PASSWORD)).close();

  const client = await server.textConnect('127.0.0.40');
  for (let i = 1; i <= 3; i++) {
    client.write('alice');
    await client.waitForLine(/^Password for alice:$/u);
    client.write(`wrong guess ${i}`);
    await client.waitForLine(/^! unauthorized: wrong password for alice$/u);
    await client.waitForLine(/^Choose a username:$/u);
  }
  client.write('alice');
  await client.waitForLine(/^Password for alice:$/u);
  client.write(PASSWORD);
  await client.waitForLine(/^! rate_limited: too many password attempts; try again in \d+ s$/u);
  await client.waitForLine(/^Choose a username:$/u);
  assert.ok(!client.lines.some((l) => l.startsWith('-- Welcome')));
});

test('hello with a password for an unregistered name is a guest login', async (t) => {
  const server = await AccountServer.start(t);
  const client = await server.native('newcomer', { password: 'anything at all' });
  const refused: ErrorFrame = await refusal(client, { type: 'bans' });
  assert.equal(refused.code, 'unauthorized', 'a guest, with no rights');
});
