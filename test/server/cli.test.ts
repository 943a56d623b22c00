/**
 * `natter serve` as a process: what it prints, that it serves, how it stops
 * on SIGTERM, how it refuses bad flags, and that a config file counts.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fingerprintOf } from '../../src/tls/fingerprint.ts';
import { makeTempDir, ProcessLines, TextClient } from '../helpers/server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'src', 'cli', 'main.ts');

function natter(args: string[]): ProcessLines {
  return new ProcessLines(process.execPath, [MAIN, ...args], { cwd: ROOT });
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await makeTempDir('natter-cli-');
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts `natter serve` on port 0 and reads the port it prints. */
async function serve(t: TestContext, dataDir: string, extra: string[] = []) {
  const proc = natter(['serve', '--port', '0', '--data-dir', dataDir, ...extra]);
  t.after(() => proc.stop());
  const listening = await proc.waitForLine(/^natter listening on /u);
  const match = /^natter listening on 127\.0\.0\.1:(\d+) /u.exec(listening);
  assert.ok(match, listening);
  const port = Number(match[1]);
  assert.ok(port > 0, listening);
  return { proc, port };
}

test('serve prints the port, certificate and fingerprint; serves; SIGTERM says goodbye and exits 0', async (t) => {
  const dataDir = await tempDir(t);
  const { proc, port } = await serve(t, dataDir);

  const certLine = await proc.waitForLine(/^certificate /u);
  const certPath = /^certificate (.+?)(?: \(generated now\))?$/u.exec(certLine)?.[1];
  assert.ok(certPath, certLine);
  const certFile = path.resolve(ROOT, certPath);
  assert.equal(certFile, path.join(dataDir, 'certs', 'server.crt'));
  const fingerprintLine = await proc.waitForLine(/^fingerprint /u);
  const expected = fingerprintOf(await readFile(certFile, 'utf8'));
  assert.equal(fingerprintLine, `fingerprint SHA256 ${expected}`);

  const client = await TextClient.login(port, 'alice');
  t.after(() => client.close());
  client.write('hello over the cli server');
  await client.waitForLine(/#lobby <alice> hello over the cli server$/u);

  proc.child.kill('SIGTERM');
  await client.waitForLine(/^-- server shutting down \(restarting\); connect again in a moment$/u);
  await client.waitForClose();
  const { code, signal } = await proc.waitForExit();
  assert.equal(signal, null);
  assert.equal(code, 0, proc.stderr);
});

const BAD_FLAGS: { args: string[]; names: RegExp }[] = [
  { args: ['--port', 'abc'], names: /port/u },
  { args: ['--max-line-bytes', 'lots'], names: /max-line-bytes.*lots/u },
  { args: ['--frobnicate'], names: /--frobnicate/u },
];

for (const bad of BAD_FLAGS) {
  test(`serve ${bad.args.join(' ')} exits 2 naming the flag`, async (t) => {
    const dataDir = await tempDir(t);
    const proc = natter(['serve', '--data-dir', dataDir, ...bad.args]);
    t.after(() => proc.stop());
    const { code } = await proc.waitForExit();
    assert.equal(code, 2, proc.stderr);
    assert.match(proc.stderr, /^natter serve: /u);
    assert.match(proc.stderr, bad.names);
    assert.deepEqual(proc.lines, [], 'nothing on stdout: it never started');
  });
}

test('a config file is honoured: "max-message-bytes": "1KiB" refuses a 2 KiB message', async (t) => {
  const dataDir = await tempDir(t);
  const config = path.join(dataDir, 'natter.json');
  await writeFile(config, JSON.stringify({ 'max-message-bytes': '1KiB' }));
  const { port } = await serve(t, dataDir, ['--config', config]);

  const client = await TextClient.login(port, 'alice');
  t.after(() => client.close());
  client.write('m'.repeat(2048));
  assert.match(await client.waitForLine(/^! /u), /^! message_too_long: .*\b1024\b.*\b2048\b/u);
  client.write('k'.repeat(1024));
  await client.waitForLine((l) => l.endsWith(`<alice> ${'k'.repeat(1024)}`), '1 KiB message');
});
