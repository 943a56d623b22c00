/**
 * The model behind the screen, fed plain frames: conversations per room and
 * per person, our pending messages until their ack, unread counts, mention
 * markers, and what names, leaves and replays change.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyFrame } from '../../../src/client/tui/apply-frame.ts';
import { ChatModel } from '../../../src/client/tui/chat-model.ts';
import { mentions } from '../../../src/client/tui/mentions.ts';
import { createTheme, nameColor } from '../../../src/client/tui/theme.ts';
import type { MessageEvent, ServerFrame } from '../../../src/protocol/frames.ts';

const TS = Date.UTC(2025, 0, 2, 3, 4, 5);

function model(name = 'alice') {
  const m = new ChatModel({ name, peer: 'localhost:7447', now: () => TS });
  const alerts: string[] = [];
  m.onAlert = (c, e) => alerts.push(`${c.title}: ${e.text}`);
  const feed = (...frames: ServerFrame[]) => frames.forEach((f) => applyFrame(m, f));
  feed(
    {
      type: 'welcome',
      version: 1,
      server: 'vm',
      name,
      room: '#lobby',
      limits: { maxLineBytes: 16384, maxMessageBytes: 4096, historyMax: 1000 },
      token: 't',
    },
    { type: 'join', room: '#lobby', name, ts: TS },
    { type: 'who', room: '#lobby', users: [name, 'bob'] },
  );
  return { m, feed, alerts };
}

function msg(n: number, text: string, extra: Partial<MessageEvent> = {}): MessageEvent {
  return {
    type: 'message',
    msg: n,
    ts: TS,
    from: 'bob',
    kind: 'say',
    text,
    room: '#lobby',
    ...extra,
  };
}

const texts = (m: ChatModel, title = m.active!.title) =>
  m.order
    .find((c) => c.title === title)!
    .entries.map((e) => `${e.kind} ${e.from ?? '-'} ${e.text}`);

test('our message is pending until its ack, and its echo does not show twice', () => {
  const { m, feed } = model();
  m.sent('c1', m.active!, 'say', 'hello');
  const entry = m.active!.entries.at(-1)!;
  assert.equal(entry.own, 'pending');
  feed({ type: 'ack', id: 'c1', msg: 7, ts: TS + 1 });
  assert.equal(entry.own, 'acked');
  assert.equal(entry.msg, 7);
  feed(msg(7, 'hello', { from: 'alice', ts: TS + 1 }));
  assert.equal(texts(m).filter((t) => t.endsWith('hello')).length, 1);
  assert.equal(m.pending.size, 0);
});

test('an echo that overtakes its ack still confirms the pending line', () => {
  const { m, feed } = model();
  m.sent('c1', m.active!, 'say', 'fast');
  feed(msg(8, 'fast', { from: 'alice' }), { type: 'ack', id: 'c1', msg: 8, ts: TS });
  assert.equal(texts(m).filter((t) => t.endsWith('fast')).length, 1);
  assert.equal(m.active!.entries.at(-1)!.own, 'acked');
});

test('a refused message is marked failed and the reason shown beside it', () => {
  const { m, feed } = model();
  m.sent('c1', m.active!, 'say', 'x'.repeat(10));
  feed({ type: 'error', code: 'message_too_long', message: 'too long', id: 'c1' });
  const [sent, why] = m.active!.entries.slice(-2);
  assert.equal(sent!.own, 'failed');
  assert.equal(why!.kind, 'error');
  assert.match(why!.text, /^message_too_long: too long$/u);
});

test('private messages open a conversation per person, both ways', () => {
  const { m, feed, alerts } = model();
  feed(msg(1, 'psst', { room: undefined, to: 'alice' }));
  feed(msg(2, 'hi back', { room: undefined, from: 'alice', to: 'Bob' }));
  assert.deepEqual(
    m.order.map((c) => `${c.kind} ${c.title}`),
    ['room #lobby', 'private bob'],
  );
  assert.deepEqual(texts(m, 'bob'), ['say bob psst', 'say alice hi back']);
  assert.deepEqual(alerts, ['bob: psst']); // a private message alerts; our own does not
});

test('unread counts and mentions gather where you are not looking', () => {
  const { m, feed, alerts } = model();
  feed({ type: 'join', room: '#dev', name: 'alice', ts: TS });
  const dev = m.room('#dev')!;
  m.activate(m.room('#lobby')!);
  feed(
    msg(1, 'build is green', { room: '#dev' }),
    msg(2, 'alice: can you look?', { room: '#dev' }),
  );
  assert.equal(dev.unread, 2);
  assert.equal(dev.mentions, 1);
  assert.equal(dev.marker, dev.entries.find((e) => e.text === 'build is green')!.seq);
  assert.deepEqual(alerts, ['#dev: alice: can you look?']);
  m.activate(dev);
  assert.equal(dev.unread, 0); // seen now; the marker stays while you read
  assert.notEqual(dev.marker, null);
  m.activate(m.room('#lobby')!);
  assert.equal(dev.marker, null);
});

test('replayed history counts as nothing new and rings no bell', () => {
  const { m, feed, alerts } = model();
  feed({ type: 'join', room: '#dev', name: 'alice', ts: TS });
  m.activate(m.room('#lobby')!);
  feed(msg(1, 'alice: old news', { room: '#dev', history: true }));
  assert.equal(m.room('#dev')!.unread, 0);
  assert.deepEqual(alerts, []);
});

test('older messages from /history go in their place by id', () => {
  const { m, feed } = model();
  feed(msg(10, 'ten'), msg(11, 'eleven'), msg(4, 'four', { history: true }));
  const said = m.active!.entries.filter((e) => e.msg !== undefined).map((e) => e.text);
  assert.deepEqual(said, ['four', 'ten', 'eleven']);
});

test('joins, leaves and nick changes are notices and keep the member list', () => {
  const { m, feed } = model();
  feed(
    { type: 'join', room: '#lobby', name: 'carol', ts: TS },
    { type: 'nick', old: 'bob', name: 'robert', ts: TS },
    { type: 'leave', room: '#lobby', name: 'carol', ts: TS, reason: 'quit' },
  );
  assert.deepEqual(m.active!.members, ['alice', 'robert']);
  assert.deepEqual(texts(m).slice(-3), [
    'notice - carol joined',
    'notice - bob is now known as robert',
    'notice - carol left (quit)',
  ]);
});

test('an event without a time of its own (a topic on join) is stamped now', () => {
  const { m, feed } = model();
  feed({ type: 'topic', room: '#lobby', topic: 'ship it' });
  const entry = m.active!.entries.at(-1)!;
  assert.equal(entry.text, 'topic: ship it');
  assert.equal(entry.ts, TS);
  assert.equal(m.active!.topic, 'ship it');
});

test('leaving a room closes its conversation and shows the next one', () => {
  const { m, feed } = model();
  feed({ type: 'join', room: '#dev', name: 'alice', ts: TS });
  m.activate(m.room('#dev')!);
  feed({ type: 'leave', room: '#dev', name: 'alice', ts: TS });
  assert.deepEqual(
    m.order.map((c) => c.title),
    ['#lobby'],
  );
  assert.equal(m.active!.title, '#lobby');
});

test('our own nick change renames us', () => {
  const { m, feed } = model();
  feed({ type: 'nick', old: 'alice', name: 'alicia', ts: TS });
  assert.equal(m.me, 'alicia');
});

test('completion offers who spoke last first, never ourselves', () => {
  const { m, feed } = model();
  feed(
    { type: 'join', room: '#lobby', name: 'carol', ts: TS },
    msg(1, 'first', { from: 'carol' }),
    msg(2, 'second', { from: 'bob' }),
  );
  assert.deepEqual(m.completionNames(), ['bob', 'carol']);
});

test('lines before the first room are kept and land in it', () => {
  const m = new ChatModel({ name: 'alice', peer: 'x:1', now: () => TS });
  m.notice('connecting to x:1 as alice');
  applyFrame(m, { type: 'join', room: '#lobby', name: 'alice', ts: TS });
  assert.equal(m.active!.entries[0]!.text, 'connecting to x:1 as alice');
});

test('mentions are the name as a whole word, any case, any script', () => {
  assert.ok(mentions('alice: ping', 'alice'));
  assert.ok(mentions('thanks @Alice!', 'alice'));
  assert.ok(mentions('see you, alice.', 'alice'));
  assert.ok(mentions('ping 名前さん', '名前さん'));
  assert.ok(!mentions('malice', 'alice'));
  assert.ok(!mentions('alice_2 is here', 'alice'));
  assert.ok(!mentions('alice.smith', 'alice'));
});

test('a name keeps its colour; NO_COLOR themes carry no colour at all', () => {
  assert.equal(nameColor('bob'), nameColor('bob'));
  assert.equal(nameColor('Bob'), nameColor('bob'));
  const colours = new Set(['alice', 'bob', 'carol', 'dave', 'erin', 'frank'].map(nameColor));
  assert.ok(colours.size > 2, 'names spread over the palette');
  const plain = createTheme(false);
  for (const style of [plain.name('bob'), plain.error, plain.mention, plain.time, plain.marker]) {
    assert.equal(style.color, undefined);
  }
  assert.equal(createTheme(true).name('bob').color, nameColor('bob'));
});
