/**
 * Issue 11, item 4: rooms could be created without limit (every
 * `hello.resume` made up to 50, at no flood cost) and `/rooms` then answered
 * with everything, dropping whoever asked. Resume never creates rooms;
 * creating one costs flood tokens and is capped per name, per address and
 * in all; `rooms` is paged and filtered; `who` is capped, with a count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorFrame, RoomsReply, ServerFrame, WhoReply } from '../../src/protocol/frames.ts';
import { roomKey } from '../../src/core/rooms.ts';
import { DATABASE_FILE } from '../../src/server/server.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { makeTempDir, NativeClient, serverFor } from '../helpers/server.ts';

const NO_FLOOD = { floodBurst: 100_000, floodPerSecond: 100_000 };

/** Joins and returns the error the join got, or null once its `who` arrived. */
async function tryJoin(client: NativeClient, room: string): Promise<ErrorFrame | null> {
  const id = client.newId();
  client.send({ type: 'join', id, room });
  const answer = await client.waitForFrame(
    (f) => (f.type === 'error' && f.id === id) || (f.type === 'who' && f.room === room),
    `join ${room}`,
  );
  return answer.type === 'error' ? answer : null;
}

async function listRooms(client: NativeClient, request: Record<string, unknown> = {}) {
  client.send({ type: 'rooms', ...request });
  return (await client.waitFor('rooms')) as RoomsReply;
}

test('a resume never creates rooms: each missing one is reported, and /rooms lists only #lobby', async (t) => {
  const h = await serverFor(t);
  const resume: Record<string, number> = {};
  for (let i = 0; i < 50; i++) resume[`#made${i}`] = 0;
  const client = await h.nativeConnect();
  client.send({ type: 'hello', version: 1, name: 'mallory', resume: { '#lobby': 0, ...resume } });
  await client.waitFor('welcome');
  for (let i = 0; i < 50; i++) {
    const error = (await client.waitFor('error', { code: 'no_such_room' })) as ErrorFrame;
    assert.match(error.message, new RegExp(`there is no room #made${i}\\b`, 'u'));
  }
  const reply = await listRooms(client);
  assert.deepEqual(
    reply.rooms.map((r) => r.room),
    ['#lobby'],
  );
  // A resume of a room that does exist rejoins it as before.
  const other = await h.native('other');
  assert.equal(await tryJoin(other, '#real'), null);
  const back = await h.nativeConnect();
  back.send({ type: 'hello', version: 1, name: 'back', resume: { '#real': 0, '#gone': 0 } });
  await back.waitFor('who', { room: '#real' });
  await back.waitFor('error', { code: 'no_such_room' });
});

test('creating rooms is capped per name and per address; joining existing rooms stays free', async (t) => {
  const h = await serverFor(t, {
    limits: { ...NO_FLOOD, roomCreationsPerName: 3, roomCreationsPerAddress: 5 },
  });
  const alice = await h.native('alice');
  for (const room of ['#a1', '#a2', '#a3']) assert.equal(await tryJoin(alice, room), null);
  const refused = await tryJoin(alice, '#a4');
  assert.equal(refused?.code, 'rate_limited');
  assert.match(refused!.message, /too many new rooms/u);
  // Someone else from the same address: the address has 2 creations left.
  const bob = await h.native('bob');
  assert.equal(await tryJoin(bob, '#b1'), null);
  assert.equal(await tryJoin(bob, '#b2'), null);
  assert.equal((await tryJoin(bob, '#b3'))?.code, 'rate_limited');
  // Existing rooms are joined as always.
  assert.equal(await tryJoin(bob, '#a1'), null);
  assert.equal(await tryJoin(alice, '#b1'), null);
  const names = (await listRooms(bob)).rooms.map((r) => r.room);
  assert.deepEqual(names, ['#a1', '#a2', '#a3', '#b1', '#b2', '#lobby']);
});

test('the global room cap refuses new rooms with too_many_rooms', async (t) => {
  const h = await serverFor(t, { limits: { ...NO_FLOOD, maxRooms: 3 } });
  const alice = await h.native('alice'); // #lobby is the first room
  assert.equal(await tryJoin(alice, '#one'), null);
  assert.equal(await tryJoin(alice, '#two'), null);
  const refused = await tryJoin(alice, '#three');
  assert.equal(refused?.code, 'too_many_rooms');
  assert.match(refused!.message, /maximum of 3 rooms/u);
});

test('creating a room costs flood tokens beyond the join itself; joining an existing one does not', async (t) => {
  // 8 tokens and almost no refill: a creation takes 1 + 4, so a second one cannot be paid.
  const h = await serverFor(t, {
    limits: { floodBurst: 8, floodPerSecond: 0.001, roomCreationCost: 4 },
  });
  const alice = await h.native('alice');
  assert.equal(await tryJoin(alice, '#d1'), null); // 3 tokens left
  const refused = await tryJoin(alice, '#d2'); // the join takes 1; 4 more are not there
  assert.equal(refused?.code, 'rate_limited');
  assert.match(refused!.message, /creating a room costs more/u);
  const bob = await h.native('bob');
  assert.equal(await tryJoin(bob, '#bobs'), null);
  assert.equal(await tryJoin(alice, '#bobs'), null); // 1 token: an existing room costs only the join
  assert.deepEqual(
    (await listRooms(bob)).rooms.map((r) => r.room),
    ['#bobs', '#d1', '#lobby'],
  );
});

test('rooms pages: 4,000 rooms of 64 four-byte letters are listed page by page, each once, under the byte budget', async (t) => {
  const dataDir = await makeTempDir();
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const store = new SqliteStore(path.join(dataDir, DATABASE_FILE), { synchronous: 'normal' });
  const total = 4_000;
  const letters = (i: number) =>
    // Han extension B letters are 4 bytes each in UTF-8; the number keeps names apart.
    `#${String(i).padStart(4, '0')}${String.fromCodePoint(0x20000 + (i % 26)).repeat(60)}`;
  const names: string[] = [];
  for (let i = 0; i < total; i++) names.push(letters(i));
  await Promise.all(
    names.map((name) => store.ensureRoom({ key: roomKey(name), name, createdAt: 1 })),
  );
  await store.close();
  const h = await serverFor(t, { dataDir, limits: NO_FLOOD });
  const reader = await h.native('reader');
  await reader.waitFor('who');

  const seen: string[] = [];
  let after: string | undefined;
  let pages = 0;
  for (;;) {
    const before = reader.lines.length;
    const reply = await listRooms(reader, {
      limit: 500,
      ...(after === undefined ? {} : { after }),
    });
    const line = reader.lines.slice(before).find((l) => l.startsWith('{"type":"rooms"'))!;
    assert.ok(Buffer.byteLength(line) <= 32 * 1024 + 1024, `a page of ${line.length} bytes`);
    pages += 1;
    seen.push(...reply.rooms.map((r) => r.room));
    if (!reply.more) break;
    after = reply.rooms.at(-1)!.room;
  }
  assert.equal(seen.length, total + 1); // and #lobby
  assert.equal(new Set(seen).size, seen.length);
  assert.ok(pages > total / 500, `${pages} pages: the byte budget cut them short of 500`);
  assert.equal(h.server.metrics.get('slow_consumer_disconnects'), 0);

  // A filter: by the number in the name, case-insensitively.
  const filtered = await listRooms(reader, { match: '#012' });
  assert.deepEqual(
    filtered.rooms.map((r) => r.room.slice(0, 5)),
    Array.from({ length: 10 }, (_, i) => `#012${i}`),
  );
  assert.equal(filtered.more, false);
});

test('rooms requests out of bounds get bad_frame; text mode pages with /rooms FILTER #AFTER', async (t) => {
  const h = await serverFor(t, { limits: NO_FLOOD });
  const alice = await h.native('alice');
  for (const room of ['#x1', '#x2', '#x3', '#y1']) assert.equal(await tryJoin(alice, room), null);
  alice.send({ type: 'rooms', id: 'r0', limit: 0 });
  assert.equal((await alice.waitFor('error', { id: 'r0' })).code, 'bad_frame');
  alice.send({ type: 'rooms', id: 'r1', after: 'nope' });
  assert.equal((await alice.waitFor('error', { id: 'r1' })).code, 'bad_frame');
  const page = await listRooms(alice, { match: 'X', limit: 2 });
  assert.deepEqual(page, {
    type: 'rooms',
    rooms: [
      { room: '#x1', members: 1 },
      { room: '#x2', members: 1 },
    ],
    more: true,
  });

  const text = await h.text('tess');
  text.write('/rooms x');
  await text.waitForLine(/^-- rooms: #x1 \(1\), #x2 \(1\), #x3 \(1\)$/u);
  text.write('/rooms x #x1');
  await text.waitForLine(/^-- rooms: #x2 \(1\), #x3 \(1\)$/u);
});

test('who on join lists the first members up to the byte budget, with the count of all', async (t) => {
  // An 8 KiB soft limit gives a 4 KiB reply budget: 50 members of 32 three-byte letters do not fit.
  const h = await serverFor(t, { limits: { ...NO_FLOOD, outQueueSoftBytes: 8 * 1024 } });
  const members: string[] = [];
  for (let i = 0; i < 50; i++) {
    const name = String.fromCodePoint(0x5000 + i) + '中'.repeat(31);
    members.push(name);
    await h.native(name);
  }
  const late = await h.nativeConnect();
  late.send({ type: 'hello', version: 1, name: 'late' });
  const who = (await late.waitFor('who', { room: '#lobby' })) as WhoReply;
  assert.equal(who.count, 51);
  assert.equal(who.more, true);
  assert.ok(who.users.length > 10 && who.users.length < 51, `${who.users.length} listed`);
  assert.deepEqual(who.users, members.slice(0, who.users.length)); // join order
  const line = late.lines.find((l) => l.startsWith('{"type":"who"'))!;
  assert.ok(Buffer.byteLength(line) <= 4096 + 100, `${Buffer.byteLength(line)} bytes`);

  const text = await h.text('tess');
  const summary = await text.waitForLine(/^-- #lobby: 52 users: /u);
  assert.match(summary, / and \d+ more$/u);
  const frames: ServerFrame[] = late.lines.map((l) => JSON.parse(l) as ServerFrame);
  assert.ok(!frames.some((f) => f.type === 'error'));
});
