/**
 * Logs: a full session's log (debug level) holds no password, token, cookie,
 * key material or message text; --log-format pretty prints lines for people.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createLogger, formatPretty } from '../../src/server/log.ts';
import type { ServerFrame } from '../../src/protocol/frames.ts';
import { NativeClient, TextClient, type LineClient } from '../helpers/server.ts';
import { run, serve, tempDir, waitForStderr } from './helpers.ts';
import { request, type RequestOptions } from 'node:https';

function metrics(port: number, token: string): Promise<number> {
  const options: RequestOptions & { ALPNProtocols: string[] } = {
    host: '127.0.0.1',
    port,
    path: '/metrics',
    headers: { authorization: `Bearer ${token}` },
    rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'],
    agent: false,
  };
  return new Promise((resolve, reject) => {
    const req = request(options, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Waits for a frame with a long deadline: the steps that hash a password at
 * the server's real scrypt cost (128 MiB each) are slow on a loaded machine.
 */
async function slowLine(client: LineClient, match: (line: string) => boolean) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const found = client.lines.find(match);
    if (found !== undefined) return found;
    if (client.closed || Date.now() > deadline) {
      throw new Error(`no such frame; lines: ${JSON.stringify(client.lines.slice(-5))}`);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, deadline - Date.now());
      client.socket.once('data', () => {
        clearTimeout(timer);
        setImmediate(resolve); // the LineClient's own listener has run by then
      });
    });
  }
}

function slowFrame(client: NativeClient, match: (frame: ServerFrame) => boolean) {
  return slowLine(client, (line) => match(JSON.parse(line) as ServerFrame));
}

/** The base64 lines of every PEM private key in a file. */
function keyLines(pem: string): string[] {
  return pem.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----'));
}

test('the log of a full session holds no password, token, cookie, key or message text', async (t) => {
  const dir = await tempDir(t);
  const dataDir = path.join(dir, 'data');
  const tokenFile = path.join(dir, 'metrics.token');
  const metricsToken = 'metrics-token-7f3a9c1e5b2d4f6a8c0e';
  await writeFile(tokenFile, metricsToken + '\n', { mode: 0o600 });
  const served = await serve(t, [
    '--data-dir',
    dataDir,
    '--log-level',
    'debug',
    '--metrics-token-file',
    tokenFile,
  ]);
  const secrets: string[] = [metricsToken];

  // A guest with a resume token, who registers, changes the password, and comes back.
  const tom = await NativeClient.connect(served.port);
  t.after(() => tom.close());
  tom.send({ type: 'hello', version: 1, name: 'tom' });
  const welcome = await tom.waitFor('welcome');
  assert.ok(welcome.token.length > 10);
  secrets.push(welcome.token);
  const first = 'first-passphrase-qwerty-1';
  const second = 'second-passphrase-asdfg-2';
  secrets.push(first, second);
  tom.send({ type: 'register', password: first });
  await slowFrame(tom, (f) => f.type === 'registered');
  tom.send({ type: 'password', current: first, password: second });
  await slowFrame(tom, (f) => f.type === 'notice' && f.text === 'password changed');
  const secretText = 'the launch code is 0000-tiger';
  secrets.push(secretText);
  tom.send({ type: 'say', id: 's1', text: secretText });
  await tom.waitFor('ack', { id: 's1' });
  tom.close();

  const wrong = 'wrong-guess-zxcvb-3';
  secrets.push(wrong);
  const guesser = await NativeClient.connect(served.port);
  t.after(() => guesser.close());
  guesser.send({ type: 'hello', version: 1, name: 'tom', password: wrong });
  await slowFrame(guesser, (f) => f.type === 'error' && f.code === 'unauthorized');
  guesser.close();

  const back = await NativeClient.connect(served.port);
  t.after(() => back.close());
  back.send({ type: 'hello', version: 1, name: 'tom', password: second });
  await slowFrame(back, (f) => f.type === 'welcome');

  // A text-mode registration.
  const tina = await TextClient.login(served.port, 'tina');
  t.after(() => tina.close());
  const third = 'third-passphrase-hjkl-4';
  secrets.push(third);
  tina.write(`/register ${third}`);
  await slowLine(tina, (line) => /registered/iu.test(line));

  // Operators: metrics with the token (and a wrong one), the admin socket, a reload.
  assert.equal(await metrics(served.port, metricsToken), 200);
  const status = await run(['admin', 'sessions', '--data-dir', dataDir]);
  assert.equal(status.code, 0, status.stderr);
  secrets.push((await readFile(path.join(dataDir, 'admin.cookie'), 'utf8')).trim());
  served.proc.child.kill('SIGHUP');
  await served.proc.waitForLine(/^reloaded: /u);
  for (const file of ['server.key', 'ca.key']) {
    secrets.push(...keyLines(await readFile(path.join(dataDir, 'certs', file), 'utf8')));
  }
  served.proc.child.kill('SIGTERM');
  await served.proc.waitForExit();

  const log = served.proc.stderr;
  // The log did record the session: logins, the wrong password, the admin command.
  assert.match(log, /"msg":"login"[^\n]*"name":"tom"/u);
  assert.match(log, /"msg":"wrong password"/u);
  assert.match(log, /"msg":"admin command","command":"sessions"/u);
  assert.match(log, /"msg":"reloaded"/u);
  for (const secret of secrets) {
    assert.ok(!log.includes(secret), `the log contains a secret: ${secret.slice(0, 6)}…`);
  }
});

test('--log-format pretty writes one readable line per event', async (t) => {
  const dataDir = await tempDir(t);
  const served = await serve(t, ['--data-dir', dataDir, '--log-format', 'pretty']);
  const client = await TextClient.login(served.port, 'pat');
  t.after(() => client.close());
  const line = await waitForStderr(served.proc, /^\d\d:\d\d:\d\d\.\d{3} INFO {2}login .*$/mu);
  assert.match(line, / name=pat /u);
  assert.match(line, / dialect=text /u);
  assert.doesNotMatch(served.proc.stderr, /^\{/mu, 'no JSON lines');
});

test('formatting: values with spaces are quoted; fields named like secrets are redacted', () => {
  const time = new Date(2026, 0, 2, 3, 4, 5, 6);
  assert.equal(
    formatPretty(time, 'warn', 'slow consumer', {
      session: 7,
      reason: 'two words',
      gone: undefined,
    }),
    '03:04:05.006 WARN  slow consumer session=7 reason="two words"\n',
  );
  const lines: string[] = [];
  const log = createLogger('debug', (line) => lines.push(line));
  log.info('oops', { password: 'hunter2', token: 'abc', name: 'ok', account: true });
  const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(entry.password, '[redacted]');
  assert.equal(entry.token, '[redacted]');
  assert.equal(entry.name, 'ok');
  assert.equal(entry.account, true);
});
