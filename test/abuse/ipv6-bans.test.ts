/**
 * Item 14 of issue 11: an address is parsed once into its canonical form,
 * so an IPv6 ban written `0:0:0:0:0:0:0:1`, `::0001` or fully expanded hits
 * the client at `::1` (it used to be compared as a string, and did nothing).
 * The server listens on `::`, so an operator connects over IPv4 (mapped,
 * `::ffff:127.0.0.1`, which is 127.0.0.1) and the target over IPv6 loopback.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { connect } from 'node:tls';
import { ALPN_NATIVE } from '../../src/protocol/frames.ts';
import { DEFAULT_LIMITS } from '../../src/protocol/limits.ts';
import { checkName } from '../../src/core/names.ts';
import { createLogger } from '../../src/server/log.ts';
import { hashPassword } from '../../src/server/passwords.ts';
import { startServer } from '../../src/server/server.ts';
import { makeTempDir, NativeClient } from '../helpers/server.ts';
import { FAST_SCRYPT } from '../accounts/helpers.ts';

const PASSWORD = 'correct-horse-battery';

async function dualStackServer(t: TestContext) {
  const dataDir = await makeTempDir('natter-ipv6-');
  const server = await startServer({
    host: '::',
    port: 0,
    dataDir,
    limits: { ...DEFAULT_LIMITS },
    log: createLogger('silent'),
    serverName: 'test',
    operators: ['ada'],
    scrypt: FAST_SCRYPT,
  });
  const clients: NativeClient[] = [];
  t.after(async () => {
    for (const client of clients) client.close();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const checked = checkName('ada');
  if (!checked.ok) throw new Error(checked.reason);
  await server.hub.store.accounts.createAccount({
    nameKey: checked.key,
    name: 'ada',
    passwordHash: await hashPassword(PASSWORD, FAST_SCRYPT),
    createdAt: Date.now(),
  });
  const open = (host: string) =>
    new Promise<NativeClient>((resolve, reject) => {
      const socket = connect({
        host,
        port: server.port,
        servername: 'localhost',
        rejectUnauthorized: false,
        ALPNProtocols: [ALPN_NATIVE],
      });
      socket.once('secureConnect', () => {
        const client = new NativeClient(socket);
        clients.push(client);
        resolve(client);
      });
      socket.once('error', reject);
    });
  const login = async (host: string, name: string, password?: string) => {
    const client = await open(host);
    client.send({ type: 'hello', version: 1, name, ...(password ? { password } : {}) });
    await client.waitFor('welcome');
    return client;
  };
  return { server, open, login };
}

test('IPv6 bans however written: 0:0:0:0:0:0:0:1 bans ::1; ::0001 and the expanded form unban it', async (t) => {
  const h = await dualStackServer(t);
  const ada = await h.login('127.0.0.1', 'ada', PASSWORD);
  const victim = await h.login('::1', 'victim');

  ada.send({ type: 'ban', id: 'b1', target: '0:0:0:0:0:0:0:1', reason: 'test' });
  const event = await ada.waitFor('moderation', { action: 'ban' });
  assert.equal(event.target, '::1', 'shown in its canonical form');
  const fatal = await victim.waitFor('error', { code: 'banned' });
  assert.equal(fatal.fatal, true);
  await victim.waitForClose();

  // A new connection from ::1 is refused at login.
  const again = await h.open('::1');
  again.send({ type: 'hello', version: 1, name: 'again' });
  assert.equal((await again.waitFor('error')).code, 'banned');
  await again.waitForClose();

  // The same ban, written another way, is the same entry: listed once, lifted by either.
  ada.send({ type: 'bans', id: 'l1' });
  const bans = await ada.waitFor('bans');
  assert.deepEqual(
    bans.entries.map((e) => e.target),
    ['::1'],
  );
  ada.send({ type: 'unban', id: 'u1', target: '0000:0000:0000:0000:0000:0000:0000:0001' });
  await ada.waitFor('moderation', { action: 'unban' });
  await h.login('::1', 'welcome-back');
});

test('::0001 and a /128 block are ::1 too; mapped IPv4 is plain IPv4 (your own address is refused)', async (t) => {
  const h = await dualStackServer(t);
  const ada = await h.login('127.0.0.1', 'ada', PASSWORD);
  const victim = await h.login('::1', 'victim');
  ada.send({ type: 'ban', id: 'own', target: '::ffff:127.0.0.1' });
  const own = await ada.waitFor('error', { id: 'own' });
  assert.equal(own.code, 'bad_arguments');
  assert.match(own.message, /your own address/u);
  ada.send({ type: 'ban', id: 'b2', target: '::0001', duration: 60_000 });
  await victim.waitFor('error', { code: 'banned' });
  ada.send({ type: 'unban', id: 'u2', target: '::1' });
  await ada.waitFor('moderation', { action: 'unban' });
  ada.send({ type: 'ban', id: 'b3', target: '0::1/128' });
  const blocked = await ada.waitFor('moderation', { action: 'ban' });
  assert.equal(blocked.target, '::1');
  const other = await h.open('::1');
  other.send({ type: 'hello', version: 1, name: 'other' });
  assert.equal((await other.waitFor('error')).code, 'banned');
});
