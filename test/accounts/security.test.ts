/**
 * How passwords are kept: the stored hash is scrypt at OWASP's parameters
 * (not the password, salted per account), and neither passwords nor hashes
 * ever reach the logs, even at debug level.
 */
import assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { nameKey } from '../../src/core/names.ts';
import { AccountServer } from './helpers.ts';

function storedHashes(dataDir: string): Map<string, string> {
  const db = new DatabaseSync(path.join(dataDir, 'natter.db'), { readOnly: true });
  try {
    const rows = db.prepare('SELECT name_key, password_hash FROM accounts').all();
    return new Map(rows.map((row) => [String(row.name_key), String(row.password_hash)]));
  } finally {
    db.close();
  }
}

test('the stored hash is not the password: scrypt with N=2^17, r=8, p=1, a 16-byte salt per account', async (t) => {
  // The server's default cost, on purpose: this is the one test that pays it.
  const server = await AccountServer.start(t, { scrypt: 'default' });
  const password = 'tr0ub4dor & 3';
  (await server.registered('alice', password)).close();
  (await server.registered('bob', password)).close();

  const hashes = storedHashes(server.dataDir);
  const alice = hashes.get(nameKey('alice'));
  const bob = hashes.get(nameKey('bob'));
  assert.ok(alice && bob, JSON.stringify([...hashes]));
  assert.ok(!alice.includes(password), 'the password is not stored');
  assert.notEqual(alice, bob, 'the same password hashes differently (salted)');

  const [scheme, N, r, p, salt, key, ...rest] = alice.split('$');
  assert.deepEqual([scheme, N, r, p, rest.length], ['scrypt', '131072', '8', '1', 0]);
  const saltBytes = Buffer.from(salt!, 'base64url');
  const keyBytes = Buffer.from(key!, 'base64url');
  assert.equal(saltBytes.length, 16);
  assert.equal(keyBytes.length, 32);
  // It is what scrypt with those parameters makes of the password, nothing else.
  const derived = scryptSync(password, saltBytes, 32, {
    N: 131072,
    r: 8,
    p: 1,
    maxmem: 256 * 1024 * 1024,
  });
  assert.ok(derived.equals(keyBytes), 'scrypt(password, salt, N=2^17, r=8, p=1) is the hash');

  // And the server verifies against it.
  const again = await server.native('alice', { password });
  assert.ok(again.lines.some((l) => l.includes('"type":"welcome"')));
});

test('passwords and hashes never appear in the logs, even at debug level', async (t) => {
  const server = await AccountServer.start(t, { logLevel: 'debug' });
  const secrets = {
    alice: 'alice-first-secret',
    aliceNew: 'alice-second-secret',
    bob: 'bob-text-mode-secret',
    wrongNative: 'a-wrong-native-guess',
    wrongText: 'a-wrong-text-guess',
  };

  const alice = await server.registered('alice', secrets.alice);
  alice.send({ type: 'password', current: secrets.alice, password: secrets.aliceNew });
  await alice.waitFor('notice', { text: 'password changed' });
  alice.close();

  const bob = await server.text('bob');
  bob.write(`/register ${secrets.bob}`);
  await bob.waitForLine(/^-- bob is registered/u);
  bob.close();

  const native = await server.nativeConnect('127.0.0.50');
  native.send({ type: 'hello', version: 1, name: 'alice', password: secrets.wrongNative });
  await native.waitFor('error', { code: 'unauthorized' });
  native.send({ type: 'hello', version: 1, name: 'alice', password: secrets.aliceNew });
  await native.waitFor('welcome');

  const text = await server.textConnect('127.0.0.51');
  text.write('bob');
  await text.waitForLine(/^Password for bob:$/u);
  text.write(secrets.wrongText);
  await text.waitForLine(/^! unauthorized: /u);
  text.write('bob');
  await text.waitForLine(/^Password for bob:$/u);
  text.write(secrets.bob);
  await text.waitForLine(/^-- Welcome, bob!/u);
  await server.restart(); // shutdown logging too

  const log = server.logLines.join('');
  // The capture works and covers what happened.
  for (const msg of ['registered', 'wrong password', 'login', 'connected', 'shutting down']) {
    assert.ok(log.includes(`"msg":"${msg}"`), `the log has "${msg}"`);
  }
  for (const [what, secret] of Object.entries(secrets)) {
    assert.ok(!log.includes(secret), `${what}'s password is not in the log`);
  }
  const hashes = storedHashes(server.dataDir);
  assert.equal(hashes.size, 2);
  for (const [name, hash] of hashes) {
    const [, , , , salt, key] = hash.split('$');
    assert.ok(!log.includes(hash), `${name}'s hash is not in the log`);
    assert.ok(!log.includes(salt!) && !log.includes(key!), `nor any part of it (${name})`);
  }
});
