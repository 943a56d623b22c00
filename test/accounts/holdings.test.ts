/**
 * A resume token names one holding of a name, and a client id is unique per
 * holding: once someone else has held a free guest name, an old token proves
 * nothing and an old client id means nothing (issue: "an old resume token
 * reads later holders' private messages and kicks them").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerFrame } from '../../src/protocol/frames.ts';
import { AccountServer } from './helpers.ts';

test('an old token of a guest name neither takes the name from its new holder nor reads their private messages', async (t) => {
  const server = await AccountServer.start(t);
  const dave = await server.native('dave');
  // Mallory holds "carol" once, keeps the token, leaves.
  const mallory = await server.nativeConnect('127.0.4.1');
  mallory.send({ type: 'hello', version: 1, name: 'carol' });
  const token = (await mallory.waitFor('welcome')).token;
  await mallory.waitFor('who', { room: '#lobby' });
  mallory.close();
  await dave.waitFor('leave', { name: 'carol' });

  // The real Carol takes the free name in text mode and talks with dave.
  const carol = await server.text('carol');
  carol.write('/msg dave are you there?');
  await dave.waitFor('message', { text: 'are you there?' });
  dave.send({ type: 'msg', id: 'd1', to: 'carol', text: 'yes, secretly' });
  await carol.waitForLine(/<dave → carol> yes, secretly$/u);

  // Mallory comes back with the old token while Carol is online: refused, Carol stays.
  const again = await server.nativeConnect('127.0.4.2');
  again.send({ type: 'hello', version: 1, name: 'carol', token, resume: { '@': 0 } });
  assert.equal((await again.waitFor('error')).code, 'name_taken');
  assert.equal(carol.closed, false);
  assert.ok(!again.lines.some((l) => l.includes('secretly') || l.includes('are you there')));

  // And after Carol leaves, the token is still worth nothing: a new holding, no history.
  carol.write('/quit');
  await carol.waitForClose();
  await dave.waitFor('leave', { name: 'carol' });
  const later = await server.nativeConnect('127.0.4.3');
  later.send({ type: 'hello', version: 1, name: 'carol', token, resume: { '@': 0 } });
  const welcome = await later.waitFor('welcome');
  assert.notEqual(welcome.token, token);
  await later.waitFor('history', { with: '' });
  later.send({ type: 'history', id: 'h1', with: '' });
  const end = await later.waitFor('history', { id: 'h1' });
  assert.equal(end.count, 0);
  assert.ok(!later.lines.some((l) => l.includes('secretly') || l.includes('are you there')));
});

test("a later holder of a guest name reusing a client id sends a new message, not the old one's ack", async (t) => {
  const server = await AccountServer.start(t);
  const watcher = await server.native('watcher');
  const first = await server.native('sam');
  first.send({ type: 'say', id: 'same-id', text: 'from the first sam' });
  const old = await first.waitFor('ack', { id: 'same-id' });
  first.close();
  await watcher.waitFor('leave', { name: 'sam' });

  const second = await server.native('sam');
  second.send({ type: 'say', id: 'same-id', text: 'from the second sam' });
  const fresh = await second.waitFor('ack', { id: 'same-id' });
  assert.ok(fresh.msg > old.msg, 'a new message, stored under its own id');
  await watcher.waitFor('message', { text: 'from the second sam' });

  // The same holding re-sending (with its token, after a drop) is still one message.
  const token = (
    second.lines.map((l) => JSON.parse(l) as ServerFrame).find((f) => f.type === 'welcome') as {
      token: string;
    }
  ).token;
  second.close();
  await watcher.waitFor('leave', { name: 'sam' });
  const back = await server.nativeConnect('127.0.4.9');
  back.send({ type: 'hello', version: 1, name: 'sam', token });
  await back.waitFor('who', { room: '#lobby' });
  back.send({ type: 'say', id: 'same-id', text: 'from the second sam' });
  assert.equal((await back.waitFor('ack', { id: 'same-id' })).msg, fresh.msg);
});
