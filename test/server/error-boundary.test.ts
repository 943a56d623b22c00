/**
 * One error boundary per connection: a bug met while handling one session's
 * input (not bad input: a thrown exception) closes that session with
 * `internal`, is logged with its stack, and nobody else notices.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { DEFAULT_LIMITS } from '../../src/protocol/limits.ts';
import { createLogger } from '../../src/server/log.ts';
import { startServer } from '../../src/server/server.ts';
import { makeTempDir, NativeClient, TextClient } from '../helpers/server.ts';

test('a handler that throws closes only its session, with internal, and logs the stack', async (t) => {
  const dataDir = await makeTempDir();
  const logLines: string[] = [];
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    limits: DEFAULT_LIMITS,
    log: createLogger('debug', (line) => logLines.push(line)),
    serverName: 'test',
    // Test-only hook: a bug in whatever handles this frame.
    testFault: (frame) => {
      if (frame.type === 'say' && frame.text === 'trip the bug') {
        throw new Error('a bug in a handler');
      }
    },
  });
  const clients: { close(): void }[] = [];
  t.after(async () => {
    for (const c of clients) c.close();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const victim = await NativeClient.login(server.port, 'victim');
  const bystander = await NativeClient.login(server.port, 'bystander');
  const typist = await TextClient.login(server.port, 'typist');
  clients.push(victim, bystander, typist);
  await victim.waitFor('who', { room: '#lobby' });

  victim.send({ type: 'say', id: 'c1', text: 'trip the bug' });
  const error = await victim.waitFor('error', { code: 'internal' });
  assert.equal(error.fatal, true);
  await victim.waitForClose();
  await bystander.waitFor('leave', { name: 'victim' });

  // The same bug reached from text mode ends only that connection too.
  typist.write('trip the bug');
  await typist.waitForLine(/^! internal: /u);
  await typist.waitForClose();

  // Everyone else carries on, and the server still takes logins.
  bystander.send({ type: 'say', id: 'c2', text: 'still fine' });
  await bystander.waitFor('ack', { id: 'c2' });
  const newcomer = await NativeClient.login(server.port, 'newcomer');
  clients.push(newcomer);
  await newcomer.waitFor('who', { room: '#lobby' });

  const logged = logLines.filter((l) => l.includes('internal error'));
  assert.equal(logged.length, 2, logLines.join(''));
  assert.match(logged[0]!, /a bug in a handler/u);
  assert.match(logged[0]!, /"stack":"Error: a bug in a handler\\n +at /u);
  assert.equal(server.metrics.get('internal_errors'), 2);
});
