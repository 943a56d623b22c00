/**
 * Resume without loss, server side: a client that reconnects with the last
 * message id it saw per room gets exactly what it missed, in order, once,
 * then the live stream — with no gap and no duplicate at the seam, even
 * while others keep talking. Joins (replay + live) hold the same promise.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HistoryEnd, MessageEvent, ServerFrame } from '../../src/protocol/frames.ts';
import { DEFAULT_LIMITS, type Limits } from '../../src/protocol/limits.ts';
import { createLogger } from '../../src/server/log.ts';
import { startServer } from '../../src/server/server.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { HistoryQuery, Store, StoredMessage } from '../../src/store/store.ts';
import { makeTempDir, NativeClient, type LineClient } from '../helpers/server.ts';

/**
 * The real SQLite store with the latency of a networked one on history reads
 * (before and after the query), so live messages are committed and delivered
 * while a replay is in progress — the case the server must hold and merge.
 */
class SlowHistoryStore implements Store {
  readonly #inner: SqliteStore;
  #turn = 0;

  constructor(inner: SqliteStore) {
    this.#inner = inner;
  }

  async #pause(): Promise<void> {
    await sleep(1 + (this.#turn++ % 4));
  }

  async roomHistory(roomKey: string, query: HistoryQuery): Promise<StoredMessage[]> {
    await this.#pause();
    const page = await this.#inner.roomHistory(roomKey, query);
    await this.#pause();
    return page;
  }

  async privateHistory(
    userKey: string,
    peerKey: string | null,
    since: number,
    query: HistoryQuery,
  ): Promise<StoredMessage[]> {
    await this.#pause();
    const page = await this.#inner.privateHistory(userKey, peerKey, since, query);
    await this.#pause();
    return page;
  }

  get accounts(): Store['accounts'] {
    return this.#inner.accounts;
  }

  get moderation(): Store['moderation'] {
    return this.#inner.moderation;
  }

  appendMessages: Store['appendMessages'] = (batch) => this.#inner.appendMessages(batch);
  ensureRoom: Store['ensureRoom'] = (room) => this.#inner.ensureRoom(room);
  getRoom: Store['getRoom'] = (key) => this.#inner.getRoom(key);
  listRooms: Store['listRooms'] = () => this.#inner.listRooms();
  setTopic: Store['setTopic'] = (key, topic) => this.#inner.setTopic(key, topic);
  saveResumeToken: Store['saveResumeToken'] = (hash, identity, expiresAt) =>
    this.#inner.saveResumeToken(hash, identity, expiresAt);
  findResumeToken: Store['findResumeToken'] = (hash, now) => this.#inner.findResumeToken(hash, now);
  enforceRetention: Store['enforceRetention'] = (policy, now, maxRows) =>
    this.#inner.enforceRetention(policy, now, maxRows);
  countRoomMessages: Store['countRoomMessages'] = (...a) => this.#inner.countRoomMessages(...a);
  countPrivateMessages: Store['countPrivateMessages'] = (...a) =>
    this.#inner.countPrivateMessages(...a);
  forgetRoom: Store['forgetRoom'] = (key) => this.#inner.forgetRoom(key);
  listMemberships: Store['listMemberships'] = (account) => this.#inner.listMemberships(account);
  addMembership: Store['addMembership'] = (...a) => this.#inner.addMembership(...a);
  removeMembership: Store['removeMembership'] = (...a) => this.#inner.removeMembership(...a);
  readMarker: Store['readMarker'] = (...a) => this.#inner.readMarker(...a);
  advanceReadMarkers: Store['advanceReadMarkers'] = (...a) => this.#inner.advanceReadMarkers(...a);
  revokeResumeTokens: Store['revokeResumeTokens'] = (...a) => this.#inner.revokeResumeTokens(...a);
  rekey: Store['rekey'] = (rules) => this.#inner.rekey(rules);
  close: Store['close'] = () => this.#inner.close();
}

interface Harness {
  nativeConnect(): Promise<NativeClient>;
}

const STORES = ['sqlite', 'sqlite with slow history reads'] as const;

/** A real server in a temp dir; clients and server are cleaned up when the test ends. */
async function serverWith(
  t: TestContext,
  options: { limits?: Partial<Limits>; store?: (typeof STORES)[number] } = {},
): Promise<Harness> {
  const dataDir = await makeTempDir();
  const sqlite = new SqliteStore(path.join(dataDir, 'natter.db'));
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    // These tests send quickly on purpose; flood control has its own tests.
    limits: { ...DEFAULT_LIMITS, floodBurst: 100_000, floodPerSecond: 100_000, ...options.limits },
    log: createLogger(process.env.NATTER_TEST_LOG === '1' ? 'debug' : 'silent'),
    serverName: 'test',
    store:
      options.store === 'sqlite with slow history reads' ? new SlowHistoryStore(sqlite) : sqlite,
  });
  const clients: NativeClient[] = [];
  t.after(async () => {
    for (const client of clients) client.close();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  return {
    async nativeConnect() {
      const client = await NativeClient.connect(server.port);
      clients.push(client);
      return client;
    },
  };
}

function parse(line: string): ServerFrame {
  return JSON.parse(line) as ServerFrame;
}

/** The frames a client received from line `from` on. */
function framesFrom(client: LineClient, from = 0): ServerFrame[] {
  return client.lines.slice(from).map(parse);
}

function roomMessages(frames: readonly ServerFrame[], room: string): MessageEvent[] {
  return frames.filter((f): f is MessageEvent => f.type === 'message' && f.room === room);
}

/** Logs in with extra hello fields; resolves once the last room's `who` has arrived. */
async function loginWith(
  h: Harness,
  name: string,
  hello: Record<string, unknown> = {},
  lastRoom = '#lobby',
): Promise<{ client: NativeClient; token: string }> {
  const client = await h.nativeConnect();
  client.send({ type: 'hello', version: 1, name, ...hello });
  const welcome = await client.waitFor('welcome');
  await client.waitFor('who', { room: lastRoom });
  return { client, token: welcome.token };
}

async function join(client: NativeClient, room: string): Promise<void> {
  client.send({ type: 'join', room });
  await client.waitFor('who', { room });
}

/** Sends a say without waiting; returns its client id. */
function sayTo(client: NativeClient, room: string, text: string): string {
  const id = client.newId();
  client.send({ type: 'say', id, text, room });
  return id;
}

async function sayAcked(client: NativeClient, room: string, text: string): Promise<number> {
  const id = sayTo(client, room, text);
  return (await client.waitFor('ack', { id })).msg;
}

/** Every stored message id of a room, via a history request (ascending). */
async function storedIds(client: NativeClient, room: string): Promise<number[]> {
  const ids: number[] = [];
  let after = 0;
  for (;;) {
    client.send({ type: 'history', room, after, limit: 1000 });
    const page: number[] = [];
    const end = (await client.waitForFrame((f) => {
      if (f.type === 'message' && f.history && f.room === room) page.push(f.msg);
      if (f.type === 'error') throw new Error(`history refused: ${f.code} ${f.message}`);
      return f.type === 'history' && f.room === room;
    }, `history end for ${room}`)) as HistoryEnd;
    ids.push(...page);
    if (!end.more) return ids;
    after = page.at(-1)!;
  }
}

/** Asserts `ids` is a contiguous run of the stored ids: no gap, no repeat, in order. */
function assertContiguous(ids: readonly number[], stored: readonly number[], what: string): void {
  const start = stored.findIndex((id) => id === ids[0]);
  assert.ok(start !== -1, `${what}: first id ${ids[0]} is not stored`);
  assert.deepEqual(ids, stored.slice(start, start + ids.length), `${what}: gap or repeat`);
}

for (const store of STORES) {
  test(`resume: exactly the missed messages per room, in order, once, then live ones without a seam (${store})`, async (t) => {
    const h = await serverWith(t, { store });
    const first = await loginWith(h, 'alice');
    let alice = first.client;
    await join(alice, '#dev');
    const bob = (await loginWith(h, 'bob')).client;
    await join(bob, '#dev');
    await sayAcked(bob, '#lobby', 'seen in lobby');
    await sayAcked(bob, '#dev', 'seen in dev');
    const seenLobby = await alice.waitFor('message', { text: 'seen in lobby' });
    const seenDev = await alice.waitFor('message', { text: 'seen in dev' });
    const last = { '#lobby': seenLobby.msg, '#dev': seenDev.msg };

    alice.close();
    await bob.waitFor('leave', { name: 'alice', room: '#dev' });
    const missed: Record<string, number[]> = { '#lobby': [], '#dev': [] };
    for (let i = 1; i <= 6; i++) {
      for (const room of ['#lobby', '#dev'] as const) {
        missed[room]!.push(await sayAcked(bob, room, `missed ${room} ${i}`));
      }
    }
    // Someone else's private message must not ride along with the resume.
    const carol = (await loginWith(h, 'carol')).client;
    carol.send({ type: 'msg', id: carol.newId(), to: 'bob', text: 'not for alice' });
    await bob.waitFor('message', { text: 'not for alice' });

    // bob keeps talking in both rooms while alice reconnects: a burst sent
    // with her hello, then one message at a time until well after she is back.
    const liveIds: string[] = [];
    const reconnect = loginWith(h, 'alice', { resume: last, token: first.token }, '#dev');
    for (let i = 1; i <= 20; i++) {
      for (const room of ['#lobby', '#dev']) liveIds.push(sayTo(bob, room, `burst ${room} ${i}`));
    }
    let back = false;
    const talk = (async () => {
      for (let i = 1; !back || i <= 10; i++) {
        for (const room of ['#lobby', '#dev']) await sayAcked(bob, room, `paced ${room} ${i}`);
      }
    })();
    try {
      ({ client: alice } = await reconnect);
    } finally {
      back = true;
    }
    await talk;
    const welcome = parse(alice.lines[0]!);
    assert.equal(welcome.type, 'welcome');
    assert.equal(welcome.type === 'welcome' && welcome.room, '#lobby');
    assert.equal(welcome.type === 'welcome' && welcome.token, first.token);
    // bob's later acks came after the burst's (replies keep request order).
    const acked = new Set(framesFrom(bob).flatMap((f) => (f.type === 'ack' ? [f.id] : [])));
    assert.ok(
      liveIds.every((id) => acked.has(id)),
      'a burst message was not acked',
    );
    // Stored after everything else: once alice has it, she has all she will get.
    const sentinel = await sayAcked(bob, '#lobby', 'after everything');
    await alice.waitFor('message', { msg: sentinel });

    const frames = framesFrom(alice);
    for (const room of ['#lobby', '#dev'] as const) {
      const stored = await storedIds(bob, room);
      const expected = stored.filter((id) => id > last[room]);
      const got = roomMessages(frames, room);
      assert.deepEqual(
        got.map((m) => m.msg),
        expected,
        `${room}: what alice saw after resuming is not exactly what was stored after ${last[room]}`,
      );
      // The missed ones come first, as history, closed by the end frame; then only live ones.
      const endIndex = frames.findIndex((f) => f.type === 'history' && f.room === room);
      assert.notEqual(endIndex, -1, `${room}: no history end frame`);
      const end = frames[endIndex] as HistoryEnd;
      assert.equal(end.more, false);
      const replayed = roomMessages(frames.slice(0, endIndex), room);
      assert.ok(replayed.length >= missed[room]!.length);
      assert.deepEqual(
        replayed.slice(0, missed[room]!.length).map((m) => m.msg),
        missed[room],
        `${room}: the missed messages are replayed first`,
      );
      assert.equal(end.count, replayed.length);
      assert.ok(replayed.every((m) => m.history === true));
      assert.ok(roomMessages(frames.slice(endIndex + 1), room).every((m) => m.history !== true));
      // Nothing from before the resume point.
      assert.ok(got.every((m) => m.msg > last[room]));
    }
    assert.ok(!alice.lines.some((l) => l.includes('not for alice')));
    assert.ok(!alice.lines.some((l) => l.includes('"seen in')), 'replayed what alice had seen');
  });
}

test('resume of private messages with "@" replays them once, and only with the token', async (t) => {
  const h = await serverWith(t);
  const first = await loginWith(h, 'alice');
  const bob = (await loginWith(h, 'bob')).client;
  const ids: number[] = [];
  for (const [from, to, text] of [
    [first.client, 'bob', 'p1 alice to bob'],
    [bob, 'alice', 'p2 bob to alice'],
    [first.client, 'bob', 'p3 alice to bob'],
  ] as const) {
    const id = from.newId();
    from.send({ type: 'msg', id, to, text });
    ids.push((await from.waitFor('ack', { id })).msg);
  }
  await first.client.waitFor('message', { msg: ids[2] });
  first.client.close();
  await bob.waitFor('leave', { name: 'alice' });

  const back = await loginWith(h, 'alice', {
    token: first.token,
    resume: { '#lobby': 0, '@': ids[0] },
  });
  const end = await back.client.waitFor('history', { with: '' });
  assert.deepEqual(end, { type: 'history', with: '', count: 2, more: false });
  const privates = framesFrom(back.client).filter(
    (f): f is MessageEvent => f.type === 'message' && f.to !== undefined,
  );
  assert.deepEqual(
    privates.map((m) => [m.msg, m.text, m.history]),
    [
      [ids[1], 'p2 bob to alice', true],
      [ids[2], 'p3 alice to bob', true],
    ],
  );
  back.client.close();
  await bob.waitFor('leave', { name: 'alice' });

  // Without the token the same resume shows nothing private.
  const stranger = await loginWith(h, 'alice', { resume: { '#lobby': 0, '@': 0 } });
  const none = await stranger.client.waitFor('history', { with: '' });
  assert.equal(none.count, 0);
  assert.ok(!stranger.client.lines.some((l) => /alice to bob|bob to alice/u.test(l)));
});

for (const store of STORES) {
  test(`resume of private messages while they keep coming: each once, none lost (${store})`, async (t) => {
    const h = await serverWith(t, { store });
    const first = await loginWith(h, 'alice');
    const bob = (await loginWith(h, 'bob')).client;
    const dm = async (text: string) => {
      const id = bob.newId();
      bob.send({ type: 'msg', id, to: 'alice', text });
      const ack = await bob.waitForFrame(
        (f) => (f.type === 'ack' || f.type === 'error') && f.id === id,
        `answer to ${id}`,
      );
      return ack.type === 'ack' ? ack.msg : undefined;
    };
    const seen = await dm('seen before leaving');
    await first.client.waitFor('message', { msg: seen });
    first.client.close();
    await bob.waitFor('leave', { name: 'alice' });

    // bob writes to alice as soon as she is back online, and on, while her resume replays.
    let back = false;
    const sent: number[] = [];
    const talk = (async () => {
      for (let i = 1; !back || i <= 10; i++) {
        const msg = await dm(`while resuming ${i}`);
        if (msg !== undefined) sent.push(msg); // no_such_user until her name is claimed
      }
    })();
    try {
      const again = await loginWith(h, 'alice', {
        token: first.token,
        resume: { '#lobby': 0, '@': seen },
      });
      await again.client.waitFor('history', { with: '' });
      back = true;
      await talk;
      const last = await dm('last');
      await again.client.waitFor('message', { msg: last });
      const got = framesFrom(again.client)
        .filter((f): f is MessageEvent => f.type === 'message' && f.to !== undefined)
        .map((m) => m.msg);
      assert.deepEqual(got, [...sent, last!], 'private messages lost, repeated or out of order');
    } finally {
      back = true;
      await talk;
    }
  });
}

for (const store of STORES) {
  test(`a live message arriving while a joiner is being replayed the room is seen exactly once (${store})`, async (t) => {
    const h = await serverWith(t, { limits: { historyOnJoin: 5 }, store });
    const ROOM = '#h';
    const TOTAL = 50;
    const bob = (await loginWith(h, 'bob')).client;
    await join(bob, ROOM);
    const alice = (await loginWith(h, 'alice')).client;
    for (let i = 0; i < 8; i++) await sayAcked(bob, ROOM, `warm-up ${i}`);

    // bob talks steadily while alice joins and leaves the room over and over.
    let talking = true;
    const talk = (async () => {
      try {
        for (let i = 0; i < TOTAL; i++) await sayAcked(bob, ROOM, `hammer ${i}`);
      } finally {
        talking = false;
      }
    })();
    let episodes = 0;
    while (talking || episodes < 3) {
      alice.send({ type: 'join', room: ROOM });
      await alice.waitFor('who', { room: ROOM });
      alice.send({ type: 'leave', room: ROOM });
      await alice.waitFor('leave', { room: ROOM, name: 'alice' });
      episodes++;
    }
    await talk;

    const stored = await storedIds(bob, ROOM);
    assert.equal(stored.length, 8 + TOTAL);
    // Split what alice saw of the room into membership episodes: each ends with her own leave.
    const frames = framesFrom(alice);
    let current: ServerFrame[] = [];
    const split: ServerFrame[][] = [];
    for (const frame of frames) {
      current.push(frame);
      if (frame.type === 'leave' && frame.room === ROOM && frame.name === 'alice') {
        split.push(current);
        current = [];
      }
    }
    assert.equal(split.length, episodes);
    let withLive = 0;
    split.forEach((episode, n) => {
      const messages = roomMessages(episode, ROOM);
      const ids = messages.map((m) => m.msg);
      for (let i = 1; i < ids.length; i++) {
        assert.ok(ids[i - 1]! < ids[i]!, `episode ${n}: ${ids[i - 1]} then ${ids[i]}`);
      }
      assert.ok(ids.length >= 5, `episode ${n}: the replay of 5 is missing`);
      assertContiguous(ids, stored, `episode ${n}`);
      // The replay is the 5 before the join; history frames only before the end frame.
      const endIndex = episode.findIndex((f) => f.type === 'history' && f.room === ROOM);
      const replayed = roomMessages(episode.slice(0, endIndex), ROOM);
      assert.equal(replayed.length, 5);
      assert.ok(replayed.every((m) => m.history === true));
      const live = roomMessages(episode.slice(endIndex + 1), ROOM);
      assert.ok(live.every((m) => m.history !== true));
      if (live.length > 0) withLive++;
    });
    t.diagnostic(`${episodes} join/leave episodes, ${withLive} with live messages`);
  });
}
