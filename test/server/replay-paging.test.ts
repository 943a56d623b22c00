/**
 * Issue 11, item 3: a history larger than a client's outgoing queue. 400
 * stored messages of 4,000 bytes are 1.6 MB, past the 1 MiB hard limit, so
 * sending them in one go cut the reader as a slow consumer. Replays are
 * paged by what the queue can hold and go on as it drains: a history
 * request (native and text), a resume, a private resume and a reader that
 * stops reading for a while all get everything, and nobody is dropped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HistoryEnd, MessageEvent, ServerFrame } from '../../src/protocol/frames.ts';
import { DATABASE_FILE, startServer } from '../../src/server/server.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { DEFAULT_LIMITS } from '../../src/protocol/limits.ts';
import { createLogger } from '../../src/server/log.ts';
import type { HistoryQuery, NewMessage, Store } from '../../src/store/store.ts';
import { makeTempDir, NativeClient, serverFor, type Harness } from '../helpers/server.ts';

const BIG = 400;
const TEXT_BYTES = 4_000;

function bigText(i: number): string {
  const head = `m${i} `;
  return head + 'x'.repeat(TEXT_BYTES - head.length);
}

/** Stores `count` big messages from "writer" (in #lobby, or private to `to`) before the server starts. */
async function seed(
  dataDir: string,
  count: number,
  options: { to?: string; ts?: number } = {},
): Promise<void> {
  const store = new SqliteStore(path.join(dataDir, DATABASE_FILE), { synchronous: 'normal' });
  const ts = options.ts ?? Date.now();
  await store.ensureRoom({ key: '#lobby', name: '#lobby', createdAt: ts });
  const batch: NewMessage[] = [];
  for (let i = 1; i <= count; i++) {
    batch.push({
      ts,
      roomKey: options.to ? null : '#lobby',
      roomName: options.to ? null : '#lobby',
      fromKey: 'writer',
      fromName: 'writer',
      toKey: options.to ?? null,
      toName: options.to ?? null,
      kind: 'say',
      text: bigText(i),
      clientId: `seed.${i}`,
      senderScope: 'seed',
    });
  }
  await store.appendMessages(batch);
  await store.close();
}

async function seededServer(
  t: { after(fn: () => unknown): void },
  count = BIG,
  limits: Record<string, number> = {},
): Promise<Harness> {
  const dataDir = await makeTempDir();
  await seed(dataDir, count);
  const h = await serverFor(t, { dataDir, limits });
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  return h;
}

/** Collects replayed messages up to the end frame `isEnd`; fails on any error frame. */
async function collect(
  client: NativeClient,
  isEnd: (f: HistoryEnd) => boolean,
): Promise<{ messages: MessageEvent[]; end: HistoryEnd }> {
  const messages: MessageEvent[] = [];
  const end = await client.waitForFrame((f: ServerFrame) => {
    if (f.type === 'error') throw new Error(`unexpected error ${f.code}: ${f.message}`);
    if (f.type === 'message' && f.history) messages.push(f);
    return f.type === 'history' && isEnd(f);
  }, 'history end');
  return { messages, end: end as HistoryEnd };
}

/** The connection still answers, and the server cut nobody for reading slowly. */
async function assertAlive(h: Harness, client: NativeClient): Promise<void> {
  client.send({ type: 'ping', token: 'still-there' });
  await client.waitFor('pong', { token: 'still-there' });
  assert.equal(h.server.metrics.get('slow_consumer_disconnects'), 0);
}

function assertAll(messages: readonly MessageEvent[], from: number, to: number): void {
  assert.deepEqual(
    messages.map((m) => m.text.split(' ')[0]),
    Array.from({ length: to - from + 1 }, (_, i) => `m${from + i}`),
  );
}

test('native history limit:1000 over 1.6 MB of messages arrives whole, paced, without a slow_consumer drop', async (t) => {
  const h = await seededServer(t);
  const reader = await h.native('reader');
  const joined = await collect(reader, (f) => f.room === '#lobby');
  assert.equal(joined.messages.length, 50); // the join replays history-on-join
  await reader.waitFor('who');

  reader.send({ type: 'history', id: 'h1', room: '#lobby', limit: 1000 });
  const { messages, end } = await collect(reader, (f) => f.id === 'h1');
  assert.deepEqual(end, { type: 'history', room: '#lobby', id: 'h1', count: BIG, more: false });
  assertAll(messages, 1, BIG);
  await assertAlive(h, reader);
});

test('pages longer than one store read keep their window, oldest first, with an honest more', async (t) => {
  const h = await seededServer(t);
  const reader = await h.native('reader');
  await reader.waitFor('who');
  reader.send({ type: 'history', id: 'h2', limit: 300 });
  const { messages, end } = await collect(reader, (f) => f.id === 'h2');
  assert.equal(end.more, true);
  assertAll(messages, BIG - 299, BIG);

  // The seeded ids are 1…400 in order, so ids and texts agree.
  reader.send({ type: 'history', id: 'h4', before: 351, limit: 300 });
  const below = await collect(reader, (f) => f.id === 'h4');
  assert.equal(below.end.more, true);
  assertAll(below.messages, 51, 350);
  reader.send({ type: 'history', id: 'h5', before: 251, limit: 1000 });
  const all = await collect(reader, (f) => f.id === 'h5');
  assert.equal(all.end.more, false);
  assertAll(all.messages, 1, 250);
  reader.send({ type: 'history', id: 'h6', after: 10, before: 300, limit: 1000 });
  const window = await collect(reader, (f) => f.id === 'h6');
  assert.equal(window.end.more, false);
  assertAll(window.messages, 11, 299);
  reader.send({ type: 'history', id: 'h7', after: 10, limit: 289 });
  const exact = await collect(reader, (f) => f.id === 'h7');
  assert.equal(exact.end.more, true);
  assertAll(exact.messages, 11, 299);
});

test('text mode: /history 1000 prints all 400 big messages and its summary, and stays connected', async (t) => {
  const h = await seededServer(t);
  const reader = await h.text('reader');
  await reader.waitForLine(/^-- #lobby: 1 user: reader$/u);
  reader.write('/history 1000');
  await reader.waitForLine(/^-- 400 earlier messages in #lobby above$/u);
  const replayed = reader.lines.filter((l) => /<writer> m\d+ x+$/u.test(l));
  // 50 from the join replay, then the 400 asked for.
  assert.equal(replayed.length, 50 + BIG);
  assert.match(replayed.at(-BIG)!, /<writer> m1 x/u);
  assert.match(replayed.at(-1)!, new RegExp(`<writer> m${BIG} x`, 'u'));
  reader.write('/who');
  await reader.waitForLine(/^-- #lobby: 1 user: reader$/u);
  assert.equal(h.server.metrics.get('slow_consumer_disconnects'), 0);
});

test('a resume from before the burst replays it all; past history-max it says more and history after fetches the rest', async (t) => {
  const h = await seededServer(t, BIG, { historyMax: 150 });
  const reader = await h.nativeConnect();
  reader.send({ type: 'hello', version: 1, name: 'reader', resume: { '#lobby': 0 } });
  const first = await collect(reader, (f) => f.room === '#lobby');
  assert.deepEqual(first.end, { type: 'history', room: '#lobby', count: 150, more: true });
  assertAll(first.messages, 1, 150);
  const all = [...first.messages];
  for (let after = 150; ;) {
    reader.send({ type: 'history', id: `after-${after}`, room: '#lobby', after, limit: 150 });
    const page = await collect(reader, (f) => f.id === `after-${after}`);
    all.push(...page.messages);
    if (!page.end.more) break;
    after = page.messages.at(-1)!.msg;
  }
  assertAll(all, 1, BIG);
  await assertAlive(h, reader);
});

test('a resume with the default history-max replays all 400 big messages at once', async (t) => {
  const h = await seededServer(t);
  const reader = await h.nativeConnect();
  reader.send({ type: 'hello', version: 1, name: 'reader', resume: { '#lobby': 0 } });
  const { messages, end } = await collect(reader, (f) => f.room === '#lobby');
  assert.deepEqual(end, { type: 'history', room: '#lobby', count: BIG, more: false });
  assertAll(messages, 1, BIG);
  await assertAlive(h, reader);
});

test('a reader that stops reading in the middle of a replay gets the rest once it reads again', async (t) => {
  const h = await seededServer(t);
  const reader = await h.native('reader');
  await reader.waitFor('who');
  reader.send({ type: 'history', id: 'h3', limit: 1000 });
  await reader.waitForFrame((f) => f.type === 'message' && f.text.startsWith('m60 '), 'm60');
  reader.socket.pause(); // the scenario: a reader that does not read for a while
  await sleep(300);
  reader.socket.resume();
  const { messages } = await collect(reader, (f) => f.id === 'h3');
  assert.equal(messages.at(-1)!.text.split(' ')[0], `m${BIG}`);
  const texts = reader.lines.filter((l) => l.includes('"history":true')).length;
  assert.equal(texts, 50 + BIG); // the join's 50, then all 400, each once
  await assertAlive(h, reader);
});

test('private history over the queue limit: with:"" and a "@" resume both arrive whole', async (t) => {
  // Sent live after the reader logged in: private history is the reader's identity's since then.
  const h = await serverFor(t, { limits: { floodBurst: 100_000, floodPerSecond: 100_000 } });
  const reader = await h.native('reader');
  await reader.waitFor('who');
  const writer = await h.native('writer');
  await writer.waitFor('who');
  for (let i = 1; i <= BIG; i += 50) {
    for (let j = i; j < i + 50; j++) {
      writer.send({ type: 'msg', id: `p${j}`, to: 'reader', text: bigText(j) });
    }
    await writer.waitFor('ack', { id: `p${i + 49}` });
  }
  await reader.waitForFrame((f) => f.type === 'message' && f.text.startsWith(`m${BIG} `), 'last');

  reader.send({ type: 'history', id: 'p', with: '', limit: 1000 });
  const asked = await collect(reader, (f) => f.id === 'p');
  assert.equal(asked.end.count, BIG);
  assertAll(asked.messages, 1, BIG);

  const welcome = reader.lines
    .map((l) => JSON.parse(l) as ServerFrame)
    .find((f) => f.type === 'welcome');
  assert.ok(welcome?.type === 'welcome');
  reader.close();
  await writer.waitFor('leave', { name: 'reader' });
  const back = await h.nativeConnect();
  back.send({
    type: 'hello',
    version: 1,
    name: 'reader',
    token: welcome.token,
    resume: { '#lobby': 0, '@': 0 },
  });
  const resumed = await collect(back, (f) => f.with === '');
  assert.deepEqual(resumed.end, { type: 'history', with: '', count: BIG, more: false });
  assertAll(
    resumed.messages.filter((m) => m.to !== undefined),
    1,
    BIG,
  );
  await assertAlive(h, back);
});

/** The real store, with reads of one room's history waiting while `gate` is set. */
function gatedStore(inner: SqliteStore, roomKey: string, gate: { wait: Promise<void> | null }) {
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'roomHistory') {
        return async (key: string, query: HistoryQuery) => {
          if (key === roomKey && gate.wait) await gate.wait;
          return target.roomHistory(key, query);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  }) as Store;
}

test('live events held back during a slow replay count against the hard limit: the reader is cut, nobody else', async (t) => {
  const dataDir = await makeTempDir();
  const gate: { wait: Promise<void> | null; open?: () => void } = { wait: null };
  const store = gatedStore(new SqliteStore(path.join(dataDir, DATABASE_FILE)), '#busy', gate);
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    limits: { ...DEFAULT_LIMITS, floodBurst: 100_000, floodPerSecond: 100_000 },
    log: createLogger('silent'),
    serverName: 'test',
    store,
  });
  const clients: NativeClient[] = [];
  t.after(async () => {
    gate.open?.();
    for (const client of clients) client.close();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const login = async (name: string) => {
    const client = await NativeClient.login(server.port, name);
    clients.push(client);
    await client.waitFor('who');
    return client;
  };
  const writer = await login('writer');
  writer.send({ type: 'join', room: '#busy' });
  await writer.waitFor('who', { room: '#busy' });
  const reader = await login('reader');
  // From now on the reader's replay of #busy waits: its live events are held.
  gate.wait = new Promise((resolve) => (gate.open = resolve));
  reader.send({ type: 'join', room: '#busy' });
  await writer.waitFor('join', { room: '#busy', name: 'reader' });
  const readerLeft = () =>
    writer.lines
      .map((l) => JSON.parse(l) as ServerFrame)
      .find((f) => f.type === 'leave' && f.room === '#busy' && f.name === 'reader');
  // 1 MiB is about 260 of these: sent 20 at a time until the reader is cut.
  for (let i = 1; readerLeft() === undefined; i += 20) {
    assert.ok(i <= 1000, 'the reader was never cut: held events grew without bound');
    for (let j = i; j < i + 20; j++) {
      writer.send({ type: 'say', id: `b${j}`, room: '#busy', text: bigText(j) });
    }
    await writer.waitFor('ack', { id: `b${i + 19}` });
  }
  const leave = readerLeft()!;
  assert.ok(leave.type === 'leave');
  assert.equal(leave.reason, 'slow_consumer');
  assert.equal(server.metrics.get('slow_consumer_disconnects'), 1);
  // Everyone else goes on.
  writer.send({ type: 'say', id: 'after', room: '#busy', text: 'still here' });
  await writer.waitFor('ack', { id: 'after' });
});
