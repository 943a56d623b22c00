/**
 * /ignore: the client-side list (parsing, matching by name key, following
 * renames, the file and its atomic, merging writes) and `natter chat` in
 * line mode and --json hiding or marking an ignored person's messages.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import {
  defaultIgnoreFile,
  IgnoreList,
  isIgnored,
  parseIgnoreCommand,
  parseIgnoreFile,
  runIgnoreCommand,
} from '../../src/client/ignore.ts';
import { formatFrameJson, helpLines } from '../../src/client/line/format.ts';
import type { MessageEvent, ServerFrame } from '../../src/protocol/frames.ts';
import { serverFor } from '../helpers/server.ts';
import { ChatProcess, tempHome } from '../client/helpers.ts';

const TS = 1_700_000_000_000;

function message(from: string, extra: Partial<MessageEvent> = {}): MessageEvent {
  return {
    type: 'message',
    msg: 1,
    ts: TS,
    from,
    kind: 'say',
    text: 'hi',
    room: '#lobby',
    ...extra,
  };
}

test('parseIgnoreCommand: /ignore NAME, /unignore NAME, /ignore alone lists; anything else is not ours', () => {
  assert.deepEqual(parseIgnoreCommand('/ignore bob'), { kind: 'ignore', name: 'bob' });
  assert.deepEqual(parseIgnoreCommand('/IGNORE  bob  '), { kind: 'ignore', name: 'bob' });
  assert.deepEqual(parseIgnoreCommand('/unignore bob'), { kind: 'unignore', name: 'bob' });
  assert.deepEqual(parseIgnoreCommand('/ignore'), { kind: 'list' });
  assert.deepEqual(parseIgnoreCommand('/ignore bob carol'), {
    kind: 'usage',
    usage: '/ignore [NAME]',
  });
  assert.deepEqual(parseIgnoreCommand('/unignore'), { kind: 'usage', usage: '/unignore NAME' });
  for (const other of ['/ignorance', 'ignore bob', '//ignore bob', '/msg bob /ignore', '/join']) {
    assert.equal(parseIgnoreCommand(other), null, other);
  }
});

test('an ignored name hides room and private messages, live or replayed, by name key; nothing else', () => {
  const list = new IgnoreList(null, ['Bob']);
  assert.ok(list.isIgnored(message('bob')));
  assert.ok(list.isIgnored(message('BOB', { kind: 'me' })));
  assert.ok(list.isIgnored(message('bоb')), 'a Cyrillic look-alike is the same name');
  assert.ok(list.isIgnored(message('bob', { room: undefined, to: 'me' })), 'private');
  assert.ok(list.isIgnored(message('bob', { history: true })), 'replayed');
  assert.ok(isIgnored(message('bob'), list), 'the free function the TUI can use');
  assert.ok(!list.isIgnored(message('bobby')));
  assert.ok(
    !list.isIgnored(message('carol', { to: 'bob', room: undefined })),
    'to bob is not from bob',
  );
  const others: ServerFrame[] = [
    { type: 'join', room: '#lobby', name: 'bob', ts: TS },
    { type: 'leave', room: '#lobby', name: 'bob', ts: TS },
    { type: 'nick', old: 'bob', name: 'rob', ts: TS },
    { type: 'moderation', action: 'kick', room: '#lobby', target: 'x', by: 'bob', ts: TS },
  ];
  for (const frame of others) assert.ok(!list.isIgnored(frame), frame.type);
});

test('an ignored person who changes name stays ignored for the session; the file keeps the name', async () => {
  const list = new IgnoreList(null, ['bob']);
  list.follow({ type: 'nick', old: 'Bob', name: 'rob', ts: TS });
  assert.ok(list.isIgnored(message('rob')));
  list.follow({ type: 'nick', old: 'rob', name: 'robert', ts: TS });
  assert.ok(list.isIgnored(message('robert')));
  list.follow({ type: 'nick', old: 'carol', name: 'caz', ts: TS });
  assert.ok(!list.isIgnored(message('caz')));
  assert.deepEqual(list.names(), ['bob', 'rob', 'robert']);
  assert.equal(await list.remove('rob'), true);
  assert.ok(!list.isIgnored(message('rob')));
});

test('the list file: read with comments and junk skipped, written atomically with a header, mode 0600', async (t) => {
  const home = await tempHome(t);
  const file = path.join(home, 'cfg', 'natter', 'ignore');
  assert.equal(defaultIgnoreFile({ XDG_CONFIG_HOME: path.join(home, 'cfg') }), file);
  assert.equal((await IgnoreList.load(file)).size, 0, 'no file: nobody ignored');
  assert.deepEqual(parseIgnoreFile('# comment\n\nbob\n  carol  \nBOB\nnot a name!\r\nadmin\n'), [
    'bob',
    'carol',
  ]);

  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, '# mine\nbob\n');
  const list = await IgnoreList.load(file);
  assert.deepEqual(list.names(), ['bob']);
  assert.equal(await list.add('Carol'), true);
  assert.equal(await list.add('carol'), false, 'already ignored');
  const text = await readFile(file, 'utf8');
  assert.match(text, /^# natter ignore list: /u);
  assert.deepEqual(parseIgnoreFile(text), ['bob', 'Carol']);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(path.dirname(file)), ['ignore'], 'no temporary file left');
  assert.equal(await list.remove('BOB'), true);
  assert.equal(await list.remove('bob'), false);
  assert.deepEqual(parseIgnoreFile(await readFile(file, 'utf8')), ['Carol']);
});

test('two clients sharing the file do not undo each other', async (t) => {
  const home = await tempHome(t);
  const file = path.join(home, 'ignore');
  const one = await IgnoreList.load(file);
  const two = await IgnoreList.load(file);
  await one.add('bob');
  await two.add('carol'); // two never saw bob, but re-reads before writing
  assert.deepEqual(parseIgnoreFile(await readFile(file, 'utf8')), ['bob', 'carol']);
  await one.remove('carol');
  assert.deepEqual((await IgnoreList.load(file)).names(), ['bob']);
});

test('runIgnoreCommand answers: list, added, already, not ignored, and refuses yourself and bad names', async () => {
  const list = new IgnoreList(null);
  const run = (line: string) => runIgnoreCommand(list, parseIgnoreCommand(line)!, 'me');
  assert.deepEqual(await run('/ignore'), { lines: ['-- ignoring nobody'] });
  assert.deepEqual(await run('/ignore bob'), {
    lines: ['-- ignoring bob: their messages are hidden here (/unignore bob shows them again)'],
  });
  assert.deepEqual(await run('/ignore BOB'), { lines: ['-- already ignoring BOB'] });
  await run('/ignore carol');
  assert.deepEqual(await run('/ignore'), { lines: ['-- ignoring: bob, carol'] });
  assert.deepEqual(await run('/unignore dave'), { lines: ['-- dave is not ignored'] });
  assert.deepEqual(await run('/unignore carol'), { lines: ['-- no longer ignoring carol'] });
  assert.deepEqual(await run('/ignore ME'), {
    error: { code: 'bad_arguments', message: 'you cannot ignore yourself' },
  });
  const bad = await run('/ignore -dash');
  assert.ok('error' in bad && bad.error.code === 'name_invalid', JSON.stringify(bad));
  assert.deepEqual(await run('/ignore a b'), {
    error: { code: 'bad_arguments', message: 'usage: /ignore [NAME]' },
  });
});

test('a list that cannot be saved still applies for the session, and says so', async (t) => {
  const home = await tempHome(t);
  const blocker = path.join(home, 'not-a-dir');
  await writeFile(blocker, 'a file where the directory should be');
  const list = new IgnoreList(path.join(blocker, 'ignore'));
  const outcome = await runIgnoreCommand(list, { kind: 'ignore', name: 'bob' }, 'me');
  assert.ok('lines' in outcome, JSON.stringify(outcome));
  assert.match(outcome.lines[0]!, /^-- ignoring bob for this session only: could not save /u);
  assert.ok(list.isIgnored(message('bob')));
});

test('line mode: /help lists /ignore; --json marks ignored messages instead of dropping them', () => {
  const help = helpLines();
  const ignoreLine = help.find((l) => l.startsWith('--   /ignore [NAME]'));
  const quitLine = help.find((l) => l.startsWith('--   /quit'));
  assert.ok(ignoreLine && quitLine, help.join('\n'));
  assert.equal(ignoreLine.indexOf('hide'), quitLine.indexOf('leave'), 'aligned with the rest');
  assert.ok(help.some((l) => l.startsWith('--   /unignore NAME')));
  assert.deepEqual(JSON.parse(formatFrameJson(message('bob'), true)!), {
    ...message('bob'),
    ignored: true,
  });
  assert.equal(JSON.parse(formatFrameJson(message('bob'))!).ignored, undefined);
});

test('natter chat --line hides an ignored person (room, private, after a rename); --json marks them; the list persists', async (t) => {
  const server = await serverFor(t);
  const home = await tempHome(t);
  const bob = await server.text('bob');
  const carol = await server.text('carol');
  const args = ['--port', String(server.port), '--user', 'me', '--accept-new-host'];

  const chat = new ChatProcess([...args, '--line'], home);
  t.after(() => chat.stop());
  await bob.waitForLine(/#lobby -- me joined$/u);
  chat.write('/ignore Bob');
  await chat.waitForStdout(/^-- ignoring Bob: their messages are hidden here/u);
  bob.write('you cannot see this');
  await bob.waitForLine(/#lobby <bob> you cannot see this$/u);
  bob.write('/msg me nor this');
  await bob.waitForLine(/<bob → me> nor this$/u);
  bob.write('/nick rob');
  await bob.waitForLine(/-- bob is now known as rob$/u);
  bob.write('or this, as rob');
  await bob.waitForLine(/#lobby <rob> or this, as rob$/u);
  carol.write('carol is visible');
  await chat.waitForStdout(/^\[\d\d:\d\d:\d\d\] #lobby <carol> carol is visible$/u);
  await chat.waitForStdout(/-- bob is now known as rob$/u);
  chat.write('/ignore');
  await chat.waitForStdout(/^-- ignoring: Bob, rob$/u);
  chat.end();
  assert.equal(await chat.exitCode(), 0, chat.describe());
  const printed = chat.stdout.lines.join('\n');
  for (const hidden of ['you cannot see this', 'nor this', 'or this, as rob']) {
    assert.ok(!printed.includes(hidden), `${hidden}: ${chat.describe()}`);
  }
  const file = path.join(home, '.config', 'natter', 'ignore');
  assert.deepEqual(parseIgnoreFile(await readFile(file, 'utf8')), ['Bob'], 'renames are not saved');

  // A second run reads the list; --json prints everything, the ignored marked.
  bob.write('/nick bob');
  await bob.waitForLine(/-- rob is now known as bob$/u);
  const bot = new ChatProcess([...args, '--json'], home);
  t.after(() => bot.stop());
  await bob.waitForLine(/#lobby -- me joined$/u);
  bob.write('bots see it');
  await bot.waitForStdout(/"text":"bots see it"/u);
  carol.write('and this');
  await bot.waitForStdout(/"text":"and this"/u);
  const frames = bot.stdout.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const fromBob = frames.find((f) => f.text === 'bots see it');
  const fromCarol = frames.find((f) => f.text === 'and this');
  assert.equal(fromBob?.ignored, true);
  assert.equal(fromCarol?.ignored, undefined);
  bot.write('/unignore bob');
  await bot.waitForStderr(/natter: -- no longer ignoring bob$/u); // --json: local answers on stderr
  bot.write('/ignore me');
  await bot.waitForStdout(/"code":"bad_arguments","message":"you cannot ignore yourself"/u);
  bot.end();
  assert.equal(await bot.exitCode(), 1, 'a refused command fails the run');
  assert.deepEqual(parseIgnoreFile(await readFile(file, 'utf8')), []);
});
