/**
 * Commands act on the room the user is looking at: text mode's current room
 * follows /join (of a room already joined, too) and /switch; native clients
 * name the room in every room-scoped request; after a restart the server's
 * current room and the client's agree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection } from '../../src/client/connection.ts';
import type { ServerFrame } from '../../src/protocol/frames.ts';
import { tlsConnector } from '../../src/client/tls-transport.ts';
import { AccountServer } from './helpers.ts';

const PASSWORD = 'a long enough password';
const STAMP = String.raw`\[\d\d:\d\d:\d\d\]`;

test('text mode: /join of a joined room switches to it, /switch too, and /mute acts there', async (t) => {
  const server = await AccountServer.start(t);
  (await server.registered('alice', PASSWORD)).close();
  const bob = await server.native('bob');
  const alice = await server.text('alice', { password: PASSWORD });
  for (const room of ['#ops', '#x2']) {
    alice.write(`/join ${room}`);
    await alice.waitForLine(new RegExp(`^-- ${room}: 1 user: alice$`, 'u'));
    bob.send({ type: 'join', room });
    await bob.waitFor('who', { room });
  }
  alice.write('/join #ops');
  await alice.waitForLine(/^-- you are now in #ops$/u);
  alice.write('/mute bob 1m test');
  const muted = await bob.waitFor('moderation', { action: 'mute' });
  assert.equal(muted.room, '#ops');
  alice.write('where am I');
  await alice.waitForLine(new RegExp(`^${STAMP} #ops <alice> where am I$`, 'u'));
  alice.write('/switch #x2');
  await alice.waitForLine(/^-- you are now in #x2$/u);
  alice.write('/bans');
  await alice.waitForLine(/^-- no bans or mutes$/u);
  alice.write('/switch #nowhere');
  await alice.waitForLine(/^! not_in_room: /u);
  // `lobby` means `#lobby`.
  alice.write('/join lobby');
  await alice.waitForLine(/^-- you are now in #lobby$/u);
  alice.write('/join den');
  await alice.waitForLine(/^-- #den: 1 user: alice$/u);

  // The account keeps its rooms: a new text session of it is in all of them.
  const again = await server.text('alice', { password: PASSWORD, from: '127.0.5.1' });
  again.write('/rooms');
  for (const room of ['#ops', '#x2', '#den']) {
    await again.waitForLine(new RegExp(`^-- ${room}: \\d+ users?: `, 'u'));
  }
});

test("natter's own client names the room in view in every room-scoped request, across a restart", async (t) => {
  const server = await AccountServer.start(t);
  (await server.registered('alice', PASSWORD)).close();
  const bob = await server.native('bob');
  const connection = new Connection({
    name: 'alice',
    password: PASSWORD,
    connector: tlsConnector({
      host: '127.0.0.1',
      port: server.port,
      tlsName: 'localhost',
      verify: async () => ({ fingerprint: 'test' }),
    }),
    backoff: { initialMs: 20, maxMs: 200 },
  });
  t.after(() => connection.close());
  const seen: ServerFrame[] = [];
  connection.on('frame', (frame) => seen.push(frame));
  const until = async (match: (f: ServerFrame) => boolean) => {
    for (let i = 0; i < 200; i++) {
      if (seen.some(match)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`timed out; frames: ${JSON.stringify(seen.slice(-8))}`);
  };
  connection.start();
  await until((f) => f.type === 'who' && f.room === '#lobby');
  for (const room of ['#ops', '#x2']) {
    connection.send({ type: 'join', room });
    await until((f) => f.type === 'who' && f.room === room);
    bob.send({ type: 'join', room });
    await bob.waitFor('who', { room });
  }
  connection.send({ type: 'join', room: '#ops' }); // already in: the view goes back
  assert.equal(connection.room, '#ops');
  connection.send({ type: 'mute', name: 'bob', duration: 60_000 });
  const muted = await bob.waitFor('moderation', { action: 'mute' });
  assert.equal(muted.room, '#ops');

  await server.restart();
  await until((f) => f.type === 'welcome' && seen.filter((w) => w.type === 'welcome').length >= 2);
  await until(
    (f) =>
      f.type === 'read' &&
      f.room === '@' &&
      seen.indexOf(f) > seen.findLastIndex((w) => w.type === 'welcome'),
  );
  assert.equal(connection.room, '#ops', 'the room in view survives the restart');
  const bob2 = await server.native('bob');
  bob2.send({ type: 'join', room: '#ops' });
  await bob2.waitFor('who', { room: '#ops' });
  connection.send({ type: 'say', text: 'back in ops' });
  const said = await bob2.waitFor('message', { text: 'back in ops' });
  assert.equal(said.room, '#ops');
});
