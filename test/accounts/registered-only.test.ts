/**
 * Registered-only servers, and `natter account` as the way to make their
 * accounts: the real CLI as child processes, the password on stdin.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test, type TestContext } from 'node:test';
import { makeTempDir, NativeClient, ProcessLines, TextClient } from '../helpers/server.ts';
import { AccountServer, createAccount, MAIN, openFrom, ROOT } from './helpers.ts';
import { ALPN_NATIVE } from '../../src/protocol/frames.ts';

test('registered-only: guests are refused with unauthorized in both dialects; accounts log in', async (t) => {
  const server = await AccountServer.start(t, { registeredOnly: true });
  await createAccount(server, 'carol', 'carols-password');

  const native = await server.nativeConnect('127.0.0.60');
  native.send({ type: 'hello', version: 1, name: 'dave' });
  const refused = await native.waitFor('error');
  assert.equal(refused.code, 'unauthorized');
  assert.equal(refused.message, 'only registered names may log in to this server');
  assert.equal(refused.fatal, undefined, 'another hello may follow');
  native.send({ type: 'hello', version: 1, name: 'carol' });
  assert.equal((await native.waitFor('error')).code, 'password_required');
  native.send({ type: 'hello', version: 1, name: 'carol', password: 'carols-password' });
  await native.waitFor('welcome', { name: 'carol' });

  const text = await server.textConnect('127.0.0.61');
  text.write('dave');
  await text.waitForLine(/^! unauthorized: only registered names may log in to this server$/u);
  await text.waitForLine(/^Choose a username:$/u);
  text.write('carol');
  await text.waitForLine(/^Password for carol:$/u);
  text.write('carols-password');
  await text.waitForLine(/^-- Welcome, carol!/u);
});

function natter(args: string[]): ProcessLines {
  return new ProcessLines(process.execPath, [MAIN, ...args], { cwd: ROOT });
}

/** `natter account …` with one line on stdin; resolves with its exit code. */
async function account(args: string[], stdin: string) {
  const proc = natter(['account', ...args]);
  proc.child.stdin.end(`${stdin}\n`);
  // A real-cost scrypt hash (128 MiB) plus a cold start: give it room on a busy machine.
  const { code } = await proc.waitForExit(60_000);
  return { code, stdout: proc.lines, stderr: proc.stderr };
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await makeTempDir('natter-account-cli-');
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('natter account create (password on stdin), then natter serve --registered-only --operators: the account logs in and operates', async (t) => {
  const dataDir = await tempDir(t);

  const created = await account(['create', 'carol', '--data-dir', dataDir], 'first password');
  assert.equal(created.code, 0, created.stderr);
  assert.deepEqual(created.stdout, ['created account carol']);
  const twice = await account(['create', 'Carol', '--data-dir', dataDir], 'whatever-pass');
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /^natter account: Carol is registered already$/mu);
  const short = await account(['create', 'dave', '--data-dir', dataDir], 'short');
  assert.equal(short.code, 2);
  assert.match(short.stderr, /passwords are at least 8 characters/u);
  const changed = await account(['password', 'carol', '--data-dir', dataDir], 'second password');
  assert.equal(changed.code, 0, changed.stderr);
  assert.deepEqual(changed.stdout, ['changed the password of carol']);
  const nobody = await account(['password', 'erin', '--data-dir', dataDir], 'erins-password');
  assert.equal(nobody.code, 2);
  assert.match(nobody.stderr, /erin is not registered/u);

  // The CLI hashes at the server's default cost.
  const db = new DatabaseSync(path.join(dataDir, 'natter.db'), { readOnly: true });
  const rows = db.prepare('SELECT name, password_hash FROM accounts').all();
  db.close();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.name, 'carol');
  assert.match(String(rows[0]!.password_hash), /^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/u);

  const serve = natter([
    'serve',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    '--registered-only',
    '--operators',
    'carol',
  ]);
  t.after(() => serve.stop());
  const listening = await serve.waitForLine(/^natter listening on /u);
  const port = Number(/:(\d+) /u.exec(listening)?.[1]);
  assert.ok(port > 0, listening);

  const guest = new TextClient(await openFrom(port, '127.0.0.70'));
  t.after(() => guest.close());
  await guest.waitForLine(/^Choose a username:$/u);
  guest.write('dave');
  await guest.waitForLine(/^! unauthorized: only registered names may log in/u);

  const text = new TextClient(await openFrom(port, '127.0.0.71'));
  t.after(() => text.close());
  await text.waitForLine(/^Choose a username:$/u);
  text.write('carol');
  await text.waitForLine(/^Password for carol:$/u);
  text.write('first password');
  await text.waitForLine(/^! unauthorized: wrong password for carol$/u, 'the old password');
  text.write('carol');
  await text.waitForLine(/^Password for carol:$/u);
  text.write('second password');
  await text.waitForLine(/^-- Welcome, carol!/u);
  // --operators carol: a server operator once logged in with the password.
  text.write('/bans');
  await text.waitForLine(/^-- no bans or mutes$/u);

  const native = new NativeClient(await openFrom(port, '127.0.0.72', [ALPN_NATIVE]));
  t.after(() => native.close());
  native.send({ type: 'hello', version: 1, name: 'dave', password: 'second password' });
  assert.equal((await native.waitFor('error')).code, 'unauthorized');
});
