/**
 * "Acknowledged means stored": messages survive a restart, and everything
 * acknowledged survives `kill -9` of a server running as a child process.
 * Re-sending after the crash stores nothing twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { HistoryEnd, MessageEvent, ServerFrame } from '../../src/protocol/frames.ts';
import {
  makeTempDir,
  NativeClient,
  ProcessLines,
  serverFor,
  type LineClient,
} from '../helpers/server.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** These tests send as fast as they can on purpose; flood control has its own tests. */
const NO_FLOOD = { floodBurst: 100_000, floodPerSecond: 100_000 };

function parse(line: string): ServerFrame {
  return JSON.parse(line) as ServerFrame;
}

function frames(client: LineClient): ServerFrame[] {
  return client.lines.map(parse);
}

/** Live (not replayed) room messages a client has received so far. */
function liveMessages(client: LineClient): MessageEvent[] {
  return frames(client).filter((f): f is MessageEvent => f.type === 'message' && !f.history);
}

async function sayAcked(client: NativeClient, text: string): Promise<number> {
  const id = client.newId();
  client.send({ type: 'say', id, text });
  return (await client.waitFor('ack', { id })).msg;
}

/**
 * Logs in and waits until the login is complete (past #lobby's replay and
 * who). With `token`, it is the same holding of the name as before the crash
 * — which is what makes a re-sent client id the same message.
 */
async function login(
  port: number,
  name: string,
  token?: string,
): Promise<{ client: NativeClient; token: string }> {
  const client = await NativeClient.connect(port);
  client.send({ type: 'hello', version: 1, name, ...(token === undefined ? {} : { token }) });
  const welcome = await client.waitFor('welcome');
  await client.waitFor('who', { room: '#lobby' });
  return { client, token: welcome.token };
}

/** Every message of #lobby, paged forwards with `after`, 1000 at a time. */
async function wholeLobby(client: NativeClient): Promise<MessageEvent[]> {
  const all: MessageEvent[] = [];
  let after = 0;
  for (;;) {
    client.send({ type: 'history', room: '#lobby', after, limit: 1000 });
    const page: MessageEvent[] = [];
    const end = (await client.waitForFrame((f) => {
      if (f.type === 'message' && f.history && f.room === '#lobby') page.push(f);
      if (f.type === 'error') throw new Error(`history refused: ${f.code} ${f.message}`);
      return f.type === 'history' && f.room === '#lobby';
    }, 'history end')) as HistoryEnd;
    assert.equal(end.count, page.length);
    all.push(...page);
    if (!end.more) return all;
    after = page.at(-1)!.msg;
  }
}

test('messages survive a restart and are replayed in order to a newcomer', async (t) => {
  const dataDir = await makeTempDir();
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const sent: { msg: number; text: string; from: string }[] = [];
  {
    const h = await serverFor(t, { dataDir, limits: NO_FLOOD });
    const alice = await h.native('alice');
    const bob = await h.text('bob');
    for (let i = 1; i <= 4; i++) {
      const text = `before restart ${i}`;
      sent.push({ msg: await sayAcked(alice, text), text, from: 'alice' });
    }
    bob.write('from text mode');
    const m = await alice.waitFor('message', { text: 'from text mode' });
    sent.push({ msg: m.msg, text: m.text, from: 'bob' });
    alice.send({ type: 'me', id: alice.newId(), text: 'waves goodbye' });
    const me = await alice.waitFor('message', { text: 'waves goodbye' });
    sent.push({ msg: me.msg, text: me.text, from: 'alice' });
    await h.close();
  }

  const h = await serverFor(t, { dataDir, limits: NO_FLOOD });
  const carol = h.track(await NativeClient.connect(h.port));
  carol.send({ type: 'hello', version: 1, name: 'carol' });
  await carol.waitFor('who', { room: '#lobby' });
  const received = frames(carol);
  const replayed = received.filter((f): f is MessageEvent => f.type === 'message');
  assert.deepEqual(
    replayed.map((m) => [m.msg, m.from, m.text, m.room, m.history]),
    sent.map((s) => [s.msg, s.from, s.text, '#lobby', true]),
  );
  assert.equal(replayed.at(-1)!.kind, 'me');
  assert.deepEqual(
    received.find((f) => f.type === 'history'),
    { type: 'history', room: '#lobby', count: sent.length, more: false },
  );
  // Ids keep increasing after the restart.
  const next = await sayAcked(carol, 'after restart');
  assert.ok(next > sent.at(-1)!.msg, `id ${next} after ${sent.at(-1)!.msg}`);
  assert.deepEqual(
    (await wholeLobby(carol)).map((m) => m.text),
    [...sent.map((s) => s.text), 'after restart'],
  );
});

/** `natter serve` as a child process on a free port; resolves once it is listening. */
async function spawnServer(dataDir: string): Promise<{ server: ProcessLines; port: number }> {
  const server = new ProcessLines(
    process.execPath,
    [
      'src/cli/main.ts',
      'serve',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--log-level',
      'silent',
      '--flood-burst',
      String(NO_FLOOD.floodBurst),
      '--flood-rate',
      String(NO_FLOOD.floodPerSecond),
    ],
    { cwd: ROOT },
  );
  try {
    const line = await server.waitForLine(/^natter listening on /u, 'the listening line');
    const match = /^natter listening on 127\.0\.0\.1:(\d+)\b/u.exec(line);
    assert.ok(match, line);
    return { server, port: Number(match[1]) };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

test('kill -9 mid-stream: every acked message is stored exactly once; re-sending stores the rest once', async (t) => {
  const TOTAL = 300;
  const KILL_AFTER = 100;
  const WINDOW = 64; // messages in flight at once
  const dataDir = await makeTempDir();
  const children: ProcessLines[] = [];
  const clients: LineClient[] = [];
  t.after(async () => {
    for (const client of clients) client.close();
    for (const child of children) await child.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const text = (i: number) => `crash test message ${i}`;
  const clientId = (i: number) => `k${i}`;
  const say = (client: NativeClient, i: number) =>
    client.send({ type: 'say', id: clientId(i), text: text(i) });

  const first = await spawnServer(dataDir);
  children.push(first.server);
  const { client: writer, token } = await login(first.port, 'writer');
  clients.push(writer);

  // As fast as the window allows, recording every ack; SIGKILL after KILL_AFTER of them.
  const acked = new Map<number, number>(); // message index -> msg id
  const recordAck = (frame: ServerFrame) => {
    if (frame.type !== 'ack') return;
    const index = Number(frame.id.slice(1));
    assert.ok(!acked.has(index), `a second ack for ${frame.id}`);
    acked.set(index, frame.msg);
  };
  let next = 0;
  while (acked.size < KILL_AFTER) {
    while (next < TOTAL && next - acked.size < WINDOW) say(writer, next++);
    recordAck(await writer.waitFor('ack'));
  }
  first.server.child.kill('SIGKILL');
  await first.server.waitForExit();
  assert.equal(first.server.signal, 'SIGKILL');
  await writer.waitForClose();
  // Acks that arrived before the connection died count too.
  for (const line of writer.unread()) recordAck(parse(line));
  const sentBeforeKill = next;
  assert.ok(acked.size >= KILL_AFTER && acked.size <= sentBeforeKill);

  const second = await spawnServer(dataDir);
  children.push(second.server);
  const { client: resender } = await login(second.port, 'writer', token);
  const { client: observer } = await login(second.port, 'observer');
  clients.push(resender, observer);

  const stored = await wholeLobby(observer);
  const storedByText = new Map<string, MessageEvent>();
  for (const m of stored) {
    assert.ok(!storedByText.has(m.text), `"${m.text}" stored twice`);
    storedByText.set(m.text, m);
    assert.equal(m.from, 'writer');
  }
  for (let i = 1; i < stored.length; i++) assert.ok(stored[i - 1]!.msg < stored[i]!.msg);
  for (const [index, msg] of acked) {
    const m = storedByText.get(text(index));
    assert.ok(m, `acked message ${index} (msg ${msg}) lost in the crash`);
    assert.equal(m.msg, msg, `acked message ${index} stored under another id`);
  }
  // Nothing that was never sent, and only what was sent before the kill.
  assert.ok(stored.length <= sentBeforeKill, `${stored.length} stored, ${sentBeforeKill} sent`);
  for (const m of stored) assert.ok(Number(m.text.split(' ').at(-1)) < sentBeforeKill);
  const storedUnacked = stored.filter((m) => !acked.has(Number(m.text.split(' ').at(-1))));
  t.diagnostic(
    `${acked.size} acked, ${sentBeforeKill} sent, ${stored.length} stored before the kill (${storedUnacked.length} without an ack)`,
  );

  // Re-send everything not acked (some may have been stored without their ack
  // reaching us), plus a few that were acked.
  const unacked = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => !acked.has(i));
  const reAcked = [...acked.keys()].slice(0, 5);
  const resent = [...unacked, ...reAcked];
  const acks = new Map<number, number>();
  for (const i of resent) say(resender, i);
  while (acks.size < resent.length) {
    const ack = await resender.waitFor('ack');
    const index = Number(ack.id.slice(1));
    assert.ok(!acks.has(index), `a second ack for ${ack.id}`);
    acks.set(index, ack.msg);
  }
  for (const i of reAcked) assert.equal(acks.get(i), acked.get(i), `re-sent ${i} got a new id`);
  for (const m of storedUnacked) {
    const index = Number(m.text.split(' ').at(-1));
    assert.equal(acks.get(index), m.msg, `stored-but-unacked ${index} got a new id`);
  }

  // A sentinel after them all: once the observer has it, every broadcast is in.
  const sentinel = await sayAcked(resender, 'sentinel');
  await observer.waitFor('message', { msg: sentinel });
  await resender.waitFor('message', { msg: sentinel });
  const alreadyStored = new Set(stored.map((m) => m.msg));
  const newlyStored = unacked.filter((i) => !storedByText.has(text(i)));
  assert.equal(newlyStored.length, TOTAL - stored.length);
  for (const client of [observer, resender]) {
    const live = liveMessages(client);
    assert.ok(
      live.every((m) => !alreadyStored.has(m.msg)),
      'a re-sent message that was already stored was broadcast again',
    );
    assert.deepEqual(
      live.map((m) => m.text),
      [...newlyStored.map(text), 'sentinel'],
    );
  }

  // In the end: all TOTAL messages, each exactly once, plus the sentinel.
  const final = await wholeLobby(observer);
  assert.equal(final.length, TOTAL + 1);
  assert.deepEqual(
    final.map((m) => m.text).sort(),
    [...Array.from({ length: TOTAL }, (_, i) => text(i)), 'sentinel'].sort(),
  );
  assert.equal(new Set(final.map((m) => m.msg)).size, final.length);
  for (const [index, msg] of acked) {
    assert.equal(final.find((m) => m.text === text(index))?.msg, msg);
  }
});
