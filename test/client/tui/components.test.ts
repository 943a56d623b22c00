/**
 * The screen as Ink draws it on an injected terminal (Ink's own testing
 * approach): the message list, wrapping, the input line and completion,
 * scrolling, the room list, pastes, the bell and leaving.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { displayWidth } from '../../../src/client/tui/text-width.ts';
import { message, welcome } from '../scripted-transport.ts';
import { KEYS, frameWhere, settle } from './fake-terminal.ts';
import { TS, mount } from './mount.ts';

const has = (text: string) => (frame: string) => frame.includes(text);

test('the message list: names, actions, notices, and our line pending until acked', async (t) => {
  const { stdout, stdin, link } = await mount(t);
  link.reply(
    message(1, 'hi alice', { from: 'bob', ts: TS }),
    message(2, 'waves', { from: 'bob', kind: 'me', ts: TS }),
  );
  await frameWhere(stdout, has('* bob waves'), 'the action');
  const frame = stdout.lastFrame();
  assert.match(frame, /\d\d:\d\d:\d\d <bob> hi alice/u);
  assert.match(frame, /-- alice joined/u);
  assert.match(frame, /#lobby: 2 users: alice, bob/u);

  stdin.type('hello bob');
  stdin.type(KEYS.enter);
  await frameWhere(stdout, has('sending  <alice> hello bob'), 'the pending line');
  const say = await link.next('say');
  assert.deepEqual([say.text, say.room], ['hello bob', '#lobby']);
  link.reply({ type: 'ack', id: say.id, msg: 3, ts: TS });
  await frameWhere(stdout, (f) => /\d\d:\d\d:\d\d <alice> hello bob/u.test(f), 'the acked line');
});

test('at 40 columns long lines wrap by display width, CJK and emoji included', async (t) => {
  const { stdout, link } = await mount(t, { columns: 40, rows: 14 });
  const text = '你好世界 naïve café 👍 this line is long enough to wrap twice or more';
  link.reply(message(1, text, { from: 'bob', ts: TS }));
  const frame = await frameWhere(stdout, has('<bob> 你好世界'), 'the message');
  for (const line of frame.split('\n')) assert.ok(displayWidth(line) <= 40, line);
  const rows = frame.split('\n');
  const first = rows.findIndex((r) => r.includes('<bob>'));
  // Continuation rows hang under the text, past "HH:MM <bob> ".
  assert.match(rows[first + 1]!, /^ {12}\S/u);
  const shown = rows.slice(first, first + 4).map((r, i) => (i === 0 ? r.slice(12) : r.trim()));
  assert.equal(shown.join(' ').replace(/\s+/gu, ' ').slice(0, text.length), text);
});

test('the input line: typing, editing, history, and Tab completion', async (t) => {
  const { stdout, stdin, link } = await mount(t);
  const inputLine = () => stdout.lines().at(-1)!;
  stdin.type('bo');
  stdin.type(KEYS.tab);
  await frameWhere(stdout, () => inputLine() === '[#lobby] bob:', 'the completed name');
  stdin.type('lunch?');
  stdin.type(KEYS.enter);
  await link.next('say');
  await frameWhere(stdout, () => inputLine() === '[#lobby]', 'an empty input');
  stdin.type(KEYS.up);
  await frameWhere(stdout, () => inputLine() === '[#lobby] bob: lunch?', 'the recalled line');
  stdin.type(KEYS.backspace.repeat(6));
  stdin.type('/jo');
  stdin.type(KEYS.tab);
  await frameWhere(stdout, () => inputLine() === '[#lobby] bob: /jo', 'no command mid-line');
  stdin.type('\x15'); // Ctrl-U
  stdin.type('/jo');
  stdin.type(KEYS.tab);
  await frameWhere(stdout, () => inputLine() === '[#lobby] /join', 'the completed command');
});

test('PageUp holds the view while messages arrive; the status bar says MORE', async (t) => {
  const { stdout, stdin, link, model } = await mount(t, { rows: 12 });
  for (let i = 1; i <= 30; i += 1) link.reply(message(i, `line ${i}`, { from: 'bob', ts: TS }));
  await frameWhere(stdout, has('line 30'), 'the newest line');
  stdin.type(KEYS.pageUp);
  const held = await frameWhere(stdout, has('MORE'), 'the MORE marker');
  // The message pane only: right of the room list, between title and status bars.
  const pane = (frame: string) =>
    frame
      .split('\n')
      .slice(1, -2)
      .map((row) => row.split('|')[1])
      .join('\n');
  link.reply(message(31, 'alice: news while you read', { from: 'bob', ts: TS }));
  const after = await frameWhere(stdout, has('MORE: 1 new'), 'the new count');
  assert.equal(pane(after), pane(held));
  assert.ok(!after.includes('news while you read'));
  stdin.type(KEYS.pageDown.repeat(5));
  await frameWhere(stdout, has('news while you read'), 'the new line');
  assert.match(stdout.lastFrame(), /-+ new -+/u);
  assert.equal(model.active!.unread, 0);
});

test('rooms and private conversations are listed with unread counts and mentions', async (t) => {
  const { stdout, stdin, link } = await mount(t, { columns: 80 });
  link.reply({ type: 'join', room: '#dev', name: 'alice', ts: TS });
  link.reply(
    message(5, 'psst', { from: 'bob', room: undefined, to: 'alice', ts: TS }),
    message(6, 'deploy done', { from: 'carol', room: '#dev', ts: TS }),
    message(7, 'alice: you around?', { from: 'carol', room: '#dev', ts: TS }),
  );
  const frame = await frameWhere(stdout, has(' 3 bob'), 'the private conversation');
  const list = frame.split('\n').map((row) => row.split('|')[0]!.trim());
  assert.ok(list.includes('1 #lobby'), list.join('\n')); // in view: nothing unread
  assert.ok(
    list.some((row) => /^2 #dev +2!$/u.test(row)),
    list.join('\n'),
  );
  assert.ok(
    list.some((row) => /^3 bob +1!$/u.test(row)),
    list.join('\n'),
  );
  stdin.type('\x1b3'); // Alt-3
  await frameWhere(stdout, has('bob: private conversation'), 'the private conversation');
  stdin.type('see you');
  stdin.type(KEYS.enter);
  const sent = await link.next('msg');
  assert.deepEqual([sent.to, sent.text], ['bob', 'see you']);
});

test('a resize lays the screen out again at the new width', async (t) => {
  const { stdout, link } = await mount(t, { columns: 80, rows: 14 });
  link.reply(
    message(1, 'a message that is long enough to need wrapping at 30 columns', { ts: TS }),
  );
  await frameWhere(stdout, has('<alice> a message'), 'the message');
  stdout.resize(30, 10);
  const frame = await frameWhere(stdout, (f) => f.split('\n').length === 10, 'ten rows');
  for (const line of frame.split('\n')) assert.ok(displayWidth(line) <= 30, line);
  assert.match(frame, /at 30 columns/u);
});

test('a mention rings the bell once; --no-bell keeps quiet', async (t) => {
  const loud = await mount(t);
  loud.link.reply(
    message(1, 'alice: look', { from: 'bob', ts: TS }),
    message(2, 'not about you', { from: 'bob', ts: TS }),
  );
  await frameWhere(loud.stdout, has('not about you'), 'the messages');
  assert.equal(loud.bells.length, 1);
  const quiet = await mount(t, { bell: false });
  quiet.link.reply(message(1, 'alice: look', { from: 'bob', ts: TS }));
  await frameWhere(quiet.stdout, has('alice: look'), 'the mention');
  assert.equal(quiet.bells.length, 0);
});

test('a pasted block goes out line by line, never more than 8 waiting for acks', async (t) => {
  const { stdout, stdin, link } = await mount(t);
  const lines = Array.from({ length: 12 }, (_, i) => `pasted ${i + 1}`);
  stdin.type(`${KEYS.pasteStart}${lines.join('\r')}\r${KEYS.pasteEnd}`);
  await frameWhere(stdout, has('pasted 12'), 'the pasted lines');
  await settle();
  assert.equal(link.sent.filter((f) => f.type === 'say').length, 8);
  let n = 0;
  for (const frame of link.sent.filter((f) => f.type === 'say')) {
    if (frame.type === 'say') link.reply({ type: 'ack', id: frame.id, msg: ++n, ts: TS });
  }
  await settle();
  const says = link.sent.filter((f) => f.type === 'say');
  assert.deepEqual(
    says.map((f) => (f.type === 'say' ? f.text : '')),
    lines,
  );
});

test('--paste-as-one sends a pasted block as one message', async (t) => {
  const { stdin, link } = await mount(t, { pasteAsOne: true });
  stdin.type(`${KEYS.pasteStart}one\rtwo\rthree\r${KEYS.pasteEnd}`);
  const say = await link.next('say');
  assert.equal(say.text, 'one two three');
});

test('Ctrl-C says goodbye to the server and ends with exit code 0', async (t) => {
  const { stdin, link, controller } = await mount(t);
  stdin.type(KEYS.ctrlC);
  const quit = await link.next('quit');
  assert.equal(quit.type, 'quit');
  link.reply({ type: 'bye', reason: 'goodbye' });
  link.destroy();
  assert.equal(await controller.session.done, 0);
});

test('a dropped connection: the status bar says so, and what you type waits as "sending"', async (t) => {
  const { stdout, stdin, link, server } = await mount(t);
  link.drop();
  await frameWhere(stdout, has('connection lost'), 'the notice');
  stdin.type('typed while away');
  stdin.type(KEYS.enter);
  await frameWhere(stdout, has('sending  <alice> typed while away'), 'the waiting line');
  const again = await server.link(2);
  const hello = await again.next('hello');
  assert.equal(hello.token, 'token-1'); // the same person, resuming
  again.reply(welcome('alice'), { type: 'join', room: '#lobby', name: 'alice', ts: TS });
  const say = await again.next('say');
  assert.equal(say.text, 'typed while away');
  again.reply({ type: 'ack', id: say.id, msg: 9, ts: TS });
  await frameWhere(stdout, (f) => /\d\d:\d\d:\d\d <alice> typed while away/u.test(f), 'the ack');
  assert.match(stdout.lastFrame(), / online \| alice /u);
});

test('when the server ends the session the screen stays; leaving then exits with 4', async (t) => {
  const { stdout, stdin, link, controller } = await mount(t);
  link.reply({ type: 'bye', reason: 'server shutting down' });
  link.destroy();
  await frameWhere(stdout, has(' offline | alice'), 'the offline status');
  assert.match(stdout.lastFrame(), /the server ended the session: server shutting down/u);
  stdin.type(KEYS.ctrlC);
  assert.equal(await controller.session.done, 4);
});

test('/ignore hides a person in the full-screen client, /unignore shows them again', async (t) => {
  const { stdout, stdin, link } = await mount(t);
  link.reply(message(1, 'before ignoring', { from: 'bob', ts: TS }));
  await frameWhere(stdout, has('<bob> before ignoring'), 'the first line');
  stdin.type('/ignore bob');
  stdin.type(KEYS.enter);
  await frameWhere(stdout, has('ignoring bob'), 'the confirmation');
  link.reply(
    message(2, 'hidden line', { from: 'bob', ts: TS }),
    message(3, 'carol is still shown', { from: 'carol', ts: TS }),
  );
  await frameWhere(stdout, has('carol is still shown'), 'the next visible line');
  assert.ok(!stdout.lastFrame().includes('hidden line'));
  stdin.type('/unignore bob');
  stdin.type(KEYS.enter);
  await frameWhere(stdout, has('no longer ignoring bob'), 'the undo');
  link.reply(message(4, 'visible again', { from: 'bob', ts: TS }));
  await frameWhere(stdout, has('<bob> visible again'), 'bob again');
});
