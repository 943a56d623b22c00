/**
 * Reload without dropping anyone: SIGHUP (and natter reload) re-read the
 * config file and the certificate files. New connections get the new
 * certificate while existing sessions keep chatting; a new operator can act
 * without reconnecting; a broken config or a missing key is refused, logged,
 * and the old settings keep running.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkName } from '../../src/core/names.ts';
import { hashPassword } from '../../src/server/passwords.ts';
import { DATABASE_FILE } from '../../src/server/server.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { NativeClient, say, TextClient } from '../helpers/server.ts';
import { FAST_SCRYPT } from '../accounts/helpers.ts';
import { writePair } from './certs.ts';
import { presentedFingerprint, run, serve, tempDir, waitForStderr } from './helpers.ts';

async function withAccount(dataDir: string, name: string, password: string): Promise<void> {
  const store = new SqliteStore(path.join(dataDir, DATABASE_FILE));
  const checked = checkName(name);
  assert.ok(checked.ok);
  await store.accounts.createAccount({
    nameKey: checked.key,
    name: checked.display,
    passwordHash: await hashPassword(password, FAST_SCRYPT),
    createdAt: Date.now(),
  });
  await store.close();
}

async function configured(t: TestContext, config: Record<string, unknown>) {
  const dir = await tempDir(t);
  const dataDir = path.join(dir, 'data');
  const file = path.join(dir, 'natter.json');
  const write = (values: Record<string, unknown>) =>
    writeFile(file, JSON.stringify({ 'data-dir': dataDir, ...values }));
  await write(config);
  return { dir, dataDir, file, write };
}

test('SIGHUP with a new certificate: a new connection sees it, an existing session keeps chatting', async (t) => {
  const setup = await configured(t, {});
  const a = await writePair(setup.dir, 'a');
  const b = await writePair(setup.dir, 'b');
  await setup.write({ cert: a.cert, key: a.key });
  const served = await serve(t, ['--config', setup.file]);
  const alice = await NativeClient.login(served.port, 'alice');
  const bob = await TextClient.login(served.port, 'bob');
  t.after(() => {
    alice.close();
    bob.close();
  });
  const before = await presentedFingerprint(served.port);
  assert.equal(before, served.fingerprint);

  await setup.write({ cert: b.cert, key: b.key });
  served.proc.child.kill('SIGHUP');
  const reloaded = await served.proc.waitForLine(/^reloaded: /u);
  const after = await presentedFingerprint(served.port);
  assert.notEqual(after, before);
  assert.equal(reloaded, `reloaded: new certificate, fingerprint SHA256 ${after} (was ${before})`);

  const id = say(alice, 'still here after the reload');
  await alice.waitFor('ack', { id });
  await bob.waitForLine(/<alice> still here after the reload$/u);
  bob.write('me too');
  await alice.waitFor('message', { text: 'me too' });
  assert.equal(alice.closed || bob.closed, false);
});

test('SIGHUP adding an operator: that account can ban without reconnecting', async (t) => {
  const setup = await configured(t, {});
  await withAccount(setup.dataDir, 'ada', 'ada-password-1234');
  const served = await serve(t, ['--config', setup.file]);
  const ada = await NativeClient.connect(served.port);
  const mallory = await TextClient.login(served.port, 'mallory');
  t.after(() => {
    ada.close();
    mallory.close();
  });
  ada.send({ type: 'hello', version: 1, name: 'ada', password: 'ada-password-1234' });
  await ada.waitFor('welcome');

  ada.send({ type: 'ban', id: 'b1', target: 'mallory', room: undefined });
  const refused = await ada.waitFor('error', { id: 'b1' });
  assert.equal(refused.code, 'unauthorized');

  await setup.write({ operators: 'ada' });
  served.proc.child.kill('SIGHUP');
  await served.proc.waitForLine(/^reloaded: same certificate$/u);

  ada.send({ type: 'ban', id: 'b2', target: 'mallory' });
  const event = await ada.waitFor('moderation', { action: 'ban' });
  assert.equal(event.target, 'mallory');
  await mallory.waitForLine(/^! banned: you are banned from this server/u);
  await mallory.waitForClose();
});

test('a broken config or a missing key on reload is refused and logged; the old one keeps running', async (t) => {
  const setup = await configured(t, {});
  const a = await writePair(setup.dir, 'a');
  await setup.write({ cert: a.cert, key: a.key, 'max-message-bytes': '1KiB' });
  const served = await serve(t, ['--config', setup.file]);
  const alice = await NativeClient.login(served.port, 'alice');
  t.after(() => alice.close());

  await writeFile(setup.file, '{ "cert": "half a config');
  served.proc.child.kill('SIGHUP');
  const line = await waitForStderr(served.proc, /\{[^\n]*"reload refused[^\n]*\}/u);
  const logged = JSON.parse(line) as { level: string; error: string; code: string };
  assert.equal(logged.level, 'error');
  assert.match(logged.error, /config file .*natter\.json: /u);

  const missing = path.join(setup.dir, 'gone.key');
  await setup.write({ cert: a.cert, key: missing, 'max-message-bytes': '2KiB' });
  const viaAdmin = await run(['reload', '--data-dir', setup.dataDir]);
  assert.equal(viaAdmin.code, 1, viaAdmin.stdout);
  assert.ok(
    viaAdmin.stderr.includes(`key_missing: --key ${missing}: no such file`),
    viaAdmin.stderr,
  );
  await waitForStderr(served.proc, /"code":"key_missing"/u);

  // The old certificate and the old limits still serve, old and new connections alike.
  assert.equal(await presentedFingerprint(served.port), served.fingerprint);
  const bob = await NativeClient.login(served.port, 'bob');
  t.after(() => bob.close());
  const long = 'x'.repeat(1500); // over the old 1 KiB limit, under the refused 2 KiB
  const id = say(bob, long);
  const answer = await bob.waitFor('error', { id });
  assert.equal(answer.code, 'message_too_long');
  const ok = say(alice, 'the old config still serves');
  await alice.waitFor('ack', { id: ok });

  // A good config again: natter reload applies it and says so.
  await setup.write({ cert: a.cert, key: a.key, 'max-message-bytes': '2KiB' });
  const good = await run(['reload', '--data-dir', setup.dataDir]);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, new RegExp(`^fingerprint: ${served.fingerprint}$`, 'mu'));
  const accepted = say(bob, long);
  await bob.waitFor('ack', { id: accepted });
});

test('--watch-certs reloads by itself when the certificate files are replaced', async (t) => {
  const setup = await configured(t, {});
  const a = await writePair(setup.dir, 'live');
  await setup.write({ cert: a.cert, key: a.key, 'watch-certs': true });
  const served = await serve(t, ['--config', setup.file]);
  const alice = await NativeClient.login(served.port, 'alice');
  t.after(() => alice.close());

  // As an ACME client renews: new files renamed over the old ones.
  const next = await writePair(setup.dir, 'next');
  await rename(next.key, a.key);
  await rename(next.cert, a.cert);
  const reloaded = await served.proc.waitForLine(/^reloaded: new certificate/u);
  const now = await presentedFingerprint(served.port);
  assert.ok(reloaded.includes(now) && reloaded.includes(`(was ${served.fingerprint})`), reloaded);
  const id = say(alice, 'unbothered');
  await alice.waitFor('ack', { id });
});
