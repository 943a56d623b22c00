/**
 * A private message to an offline account is acknowledged only once stored:
 * it survives `kill -9` of the server, and is delivered at the account's next
 * login, once, to each of its devices.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import type { ServerFrame } from '../../src/protocol/frames.ts';
import { makeTempDir, NativeClient, serveProcess } from '../helpers/server.ts';

const PASSWORD = 'a long enough password';

async function hello(port: number, frame: Record<string, unknown>): Promise<NativeClient> {
  const client = await NativeClient.connect(port);
  client.send({ type: 'hello', version: 1, ...frame });
  await client.waitFor('welcome');
  return client;
}

test('an offline private message survives kill -9 and reaches both devices of the account once', async (t) => {
  const dataDir = await makeTempDir();
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const clients: NativeClient[] = [];
  t.after(async () => {
    for (const c of clients) c.close();
  });
  const first = await serveProcess(t, dataDir);
  const bob = await hello(first.port, { name: 'bob' });
  clients.push(bob);
  bob.send({ type: 'register', password: PASSWORD });
  await bob.waitFor('registered', { name: 'bob' });
  bob.close();
  const alice = await hello(first.port, { name: 'alice' });
  clients.push(alice);
  await alice.waitFor('who', { room: '#lobby' });
  alice.send({ type: 'msg', id: 'm1', to: 'bob', text: 'kept through the crash' });
  const ack = await alice.waitFor('ack', { id: 'm1' });
  assert.equal(ack.offline, true);

  first.server.child.kill('SIGKILL');
  await first.server.waitForExit();

  const second = await serveProcess(t, dataDir);
  const devices = await Promise.all([
    hello(second.port, { name: 'bob', password: PASSWORD }),
    hello(second.port, { name: 'bob', password: PASSWORD }),
  ]);
  clients.push(...devices);
  for (const device of devices) {
    await device.waitFor('read', { room: '@' });
    const got = device.lines
      .map((l) => JSON.parse(l) as ServerFrame)
      .filter((f) => f.type === 'message' && f.to !== undefined);
    assert.deepEqual(
      got.map((f) => (f.type === 'message' ? [f.msg, f.from, f.text] : [])),
      [[ack.msg, 'alice', 'kept through the crash']],
    );
  }
});
