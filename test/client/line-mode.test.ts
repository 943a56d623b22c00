/**
 * `natter chat` in line mode, as scripts and bots use it: the real CLI as a
 * child process with piped stdio, against a real server, with a text-mode
 * peer on the other side.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverFor } from '../helpers/server.ts';
import { ChatProcess, runChat, tempHome } from './helpers.ts';

function chatArgs(port: number, user: string, ...more: string[]): string[] {
  return ['--port', String(port), '--user', user, '--accept-new-host', ...more];
}

test('20 piped lines reach a text-mode peer, and end of input exits 0 after every ack', async (t) => {
  // Flood control paces to 2 messages/s by default; this test is about acks, not pacing.
  const server = await serverFor(t, { limits: { floodPerSecond: 1000 } });
  const home = await tempHome(t);
  const peer = await server.text('peer');
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1} of 20`);

  const run = await runChat(chatArgs(server.port, 'bot', '--line'), home, lines);

  assert.equal(run.code, 0, run.process.describe());
  for (const line of lines) {
    await peer.waitForLine(new RegExp(`\\] #lobby <bot> ${line}$`, 'u'), line);
  }
  // Our own messages come back to us as well, each once.
  for (const line of lines) {
    assert.equal(run.stdout.filter((l) => l.endsWith(`#lobby <bot> ${line}`)).length, 1, line);
  }
  assert.match(run.stderr, /natter: online as bot on test \(localhost:\d+\), in #lobby/u);
  assert.ok(
    run.stdout.every((l) => !l.startsWith('natter:')),
    'status never goes to stdout',
  );
});

test('a long script is paced by acks and never trips the flood control', async (t) => {
  // The server lets 2 through at once and holds 8 more for pacing; sent all
  // at once, the other 20 would be refused with rate_limited. The client
  // keeps at most 8 unacknowledged, so the server's queue never overflows.
  const limits = { floodBurst: 2, floodQueue: 8, floodPerSecond: 50 };
  const server = await serverFor(t, { limits });
  const home = await tempHome(t);
  const peer = await server.text('peer');
  const lines = Array.from({ length: 30 }, (_, i) => `paced ${i + 1}`);

  const run = await runChat(chatArgs(server.port, 'bot'), home, lines);

  assert.equal(run.code, 0, run.process.describe());
  assert.ok(!run.stdout.some((l) => l.startsWith('!')), run.process.describe());
  for (const line of lines) await peer.waitForLine(new RegExp(`<bot> ${line}$`, 'u'), line);
});

test("a peer's message and action appear on the piped client's stdout", async (t) => {
  const server = await serverFor(t);
  const home = await tempHome(t);
  const peer = await server.text('alice');
  const chat = new ChatProcess(chatArgs(server.port, 'bot'), home);
  t.after(() => chat.stop());

  await peer.waitForLine(/#lobby -- bot joined$/u, 'bot joined');
  peer.write('hi bot');
  peer.write('/me waves');
  peer.write('/msg bot just for you');
  await chat.waitForStdout(/^\[\d\d:\d\d:\d\d\] #lobby <alice> hi bot$/u);
  await chat.waitForStdout(/^\[\d\d:\d\d:\d\d\] #lobby \* alice waves$/u);
  await chat.waitForStdout(/^\[\d\d:\d\d:\d\d\] <alice → bot> just for you$/u);
  chat.end();
  assert.equal(await chat.exitCode(), 0, chat.describe());
});

test('--json prints one server frame per line, acks included', async (t) => {
  const server = await serverFor(t);
  const home = await tempHome(t);
  const peer = await server.text('alice');
  const chat = new ChatProcess(chatArgs(server.port, 'bot', '--json'), home);
  t.after(() => chat.stop());

  await peer.waitForLine(/#lobby -- bot joined$/u, 'bot joined');
  peer.write('ping from alice');
  await chat.waitForStdout(/"ping from alice"/u);
  chat.write('pong from bot');
  chat.end();
  assert.equal(await chat.exitCode(), 0, chat.describe());

  const frames = chat.stdout.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const fromAlice = frames.find((f) => f.type === 'message' && f.from === 'alice');
  assert.deepEqual(
    { room: fromAlice?.room, kind: fromAlice?.kind, text: fromAlice?.text },
    { room: '#lobby', kind: 'say', text: 'ping from alice' },
  );
  assert.equal(typeof fromAlice?.msg, 'number');
  const own = frames.find((f) => f.type === 'message' && f.from === 'bot');
  assert.equal(own?.text, 'pong from bot');
  assert.ok(
    frames.some((f) => f.type === 'ack' && f.msg === own?.msg),
    'the ack is printed',
  );
  const welcome = frames.find((f) => f.type === 'welcome');
  assert.equal(welcome?.name, 'bot');
  assert.ok(!('token' in (welcome ?? {})), 'the resume token is not printed');
  assert.ok(!frames.some((f) => f.type === 'ping' || f.type === 'pong'));
});

test('a message over the size limit is refused: printed as an error, exit 1', async (t) => {
  const server = await serverFor(t);
  const home = await tempHome(t);
  const peer = await server.text('peer');
  const big = 'x'.repeat(5 * 1024);

  const run = await runChat(chatArgs(server.port, 'bot'), home, ['before', big, 'after']);

  assert.equal(run.code, 1, run.process.describe());
  assert.ok(
    run.stdout.some((l) => /^! message_too_long: messages are at most 4096 bytes/u.test(l)),
    run.process.describe(),
  );
  // The rest still went through.
  await peer.waitForLine(/<bot> before$/u);
  await peer.waitForLine(/<bot> after$/u);
});

test('/msg to nobody is refused: exit 1', async (t) => {
  const server = await serverFor(t);
  const home = await tempHome(t);

  const run = await runChat(chatArgs(server.port, 'bot'), home, ['/msg nobody hello?']);

  assert.equal(run.code, 1, run.process.describe());
  assert.ok(run.stdout.includes('! no_such_user: nobody called nobody is online'), run.stderr);
});

test('an unknown /command is refused locally; /help is answered locally; exit 1', async (t) => {
  const server = await serverFor(t);
  const home = await tempHome(t);

  const run = await runChat(chatArgs(server.port, 'bot'), home, ['/help', '/frobnicate now']);

  assert.equal(run.code, 1, run.process.describe());
  assert.ok(run.stdout.some((l) => l.startsWith('! unknown_command: unknown command /frobnicate')));
  assert.ok(
    run.stdout.some((l) => l.includes('/msg NAME TEXT')),
    'help lists the commands',
  );
});

test('/quit stops reading: later lines are not sent, exit 0', async (t) => {
  const server = await serverFor(t);
  const home = await tempHome(t);
  const peer = await server.text('peer');

  const run = await runChat(chatArgs(server.port, 'bot'), home, ['first', '/quit', 'never']);

  assert.equal(run.code, 0, run.process.describe());
  await peer.waitForLine(/<bot> first$/u);
  await peer.waitForLine(/#lobby -- bot left/u);
  assert.ok(!peer.lines.some((l) => l.endsWith('<bot> never')));
});

test('--help lists every flag', async (t) => {
  const home = await tempHome(t);
  const run = await runChat(['--help'], home);
  assert.equal(run.code, 0);
  const help = run.stdout.join('\n');
  for (const flag of [
    '--host',
    '--port',
    '--user',
    '--ca',
    '--accept-new-host',
    '--known-hosts',
    '--tls-name',
    '--line',
    '--json',
    '--ack-timeout',
    '--keepalive',
    '--config',
    '--help',
  ]) {
    assert.ok(help.includes(flag), `${flag} in --help`);
  }
});
