/**
 * Start-up errors a person can act on: each names the port, flag, path or
 * date, and the fix; none is a bare ENOENT or EADDRINUSE. natter serve exits 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import path from 'node:path';
import { certValidBetween, writePair } from './certs.ts';
import { run, tempDir } from './helpers.ts';

const DAY = 86_400_000;

function serveOnce(args: string[], options: { uid?: number } = {}) {
  return run(['serve', '--port', '0', ...args], options);
}

function assertActionable(stderr: string) {
  assert.doesNotMatch(stderr, /^Error: |\n\s+at /mu, 'a message, not a stack trace');
  assert.doesNotMatch(stderr, /^natter serve: (ENOENT|EADDRINUSE|EACCES)\b/mu);
}

test('port in use: names the port and how to find the holder or pick another', async (t) => {
  const dataDir = await tempDir(t);
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.after(() => holder.close());
  const port = (holder.address() as { port: number }).port;

  const result = await run(['serve', '--port', String(port), '--data-dir', dataDir]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`, 'u'));
  assert.match(result.stderr, new RegExp(`ss -ltnp 'sport = :${port}'`, 'u'));
  assert.match(result.stderr, /pick another port with --port/u);
  assertActionable(result.stderr);
});

test('missing key: names the flag and the path', async (t) => {
  const dir = await tempDir(t);
  const { cert } = await writePair(dir, 'server');
  const missing = path.join(dir, 'nope.key');
  const result = await serveOnce(['--data-dir', dir, '--cert', cert, '--key', missing]);
  assert.equal(result.code, 1, result.stderr);
  assert.ok(result.stderr.includes(`--key ${missing}: no such file`), result.stderr);
  assertActionable(result.stderr);
});

test('--cert without --key says they go together', async (t) => {
  const dir = await tempDir(t);
  const { cert } = await writePair(dir, 'server');
  const result = await serveOnce(['--data-dir', dir, '--cert', cert]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /--cert and --key go together: --cert was given alone/u);
});

test('a key that does not belong to the certificate is named, with how to compare them', async (t) => {
  const dir = await tempDir(t);
  const a = await writePair(dir, 'a');
  const b = await writePair(dir, 'b');
  const result = await serveOnce(['--data-dir', dir, '--cert', a.cert, '--key', b.key]);
  assert.equal(result.code, 1, result.stderr);
  assert.ok(
    result.stderr.includes(`--key ${b.key} does not belong to the certificate --cert ${a.cert}`),
    result.stderr,
  );
  assert.match(result.stderr, /openssl x509 -noout -pubkey/u);
  assertActionable(result.stderr);
});

test('an expired certificate is refused with its date and the remedy', async (t) => {
  const dir = await tempDir(t);
  const expired = await certValidBetween(
    new Date(Date.now() - 100 * DAY),
    new Date(Date.now() - 10 * DAY),
  );
  const { cert, key } = await writePair(dir, 'old', expired);
  const result = await serveOnce(['--data-dir', dir, '--cert', cert, '--key', key]);
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    new RegExp(`--cert ${cert} expired on \\d{4}-\\d\\d-\\d\\dT.*\\(10 days ago\\)`, 'u'),
  );
  assert.match(result.stderr, /Renew it .*natter reload/u);
  assertActionable(result.stderr);
});

test('a key natter cannot read names the flag, path, mode and the needed mode', async (t) => {
  // Root reads any file, so as root natter runs as nobody; otherwise the key is made unreadable.
  const asRoot = process.getuid?.() === 0;
  const uid = asRoot ? 65534 : process.getuid!();
  const dir = await tempDir(t);
  const dataDir = path.join(dir, 'data');
  await mkdir(dataDir);
  await chmod(dir, 0o755);
  if (asRoot) await chown(dataDir, uid, uid);
  const { cert, key } = await writePair(dir, 'server');
  await chmod(cert, 0o644);
  const mode = asRoot ? 0o600 : 0o000; // root's 0600 key is unreadable to nobody
  await chmod(key, mode);
  const result = await serveOnce(
    ['--data-dir', dataDir, '--cert', cert, '--key', key],
    asRoot ? { uid } : {},
  );
  assert.equal(result.code, 1, result.stderr);
  const owner = asRoot ? 0 : uid;
  assert.ok(
    result.stderr.includes(
      `--key ${key}: permission denied (mode ${mode.toString(8)}, owner uid ${owner})`,
    ),
    result.stderr,
  );
  assert.match(result.stderr, new RegExp(`natter runs as \\S+ \\(uid ${uid}\\)`, 'u'));
  assert.match(result.stderr, /chmod 600/u);
  assertActionable(result.stderr);
});

test('a certificate file that is not PEM says what it should look like', async (t) => {
  const dir = await tempDir(t);
  const { key } = await writePair(dir, 'server');
  const bogus = path.join(dir, 'bogus.crt');
  await writeFile(bogus, 'not a certificate\n');
  const result = await serveOnce(['--data-dir', dir, '--cert', bogus, '--key', key]);
  assert.equal(result.code, 1, result.stderr);
  assert.ok(result.stderr.includes(`--cert ${bogus} is not a PEM certificate`), result.stderr);
  assert.match(result.stderr, /BEGIN CERTIFICATE/u);
});

test('at connect, natter chat --ca says plainly that the certificate has expired', async (t) => {
  const dir = await tempDir(t);
  const home = await tempDir(t);
  const expired = await certValidBetween(
    new Date(Date.now() - 100 * DAY),
    new Date(Date.now() - 3 * DAY),
  );
  const { cert } = await writePair(dir, 'old', expired);
  // natter itself refuses to serve it, so an old server stands in.
  const server = createTlsServer(
    { cert: expired.certPem, key: expired.keyPem, ALPNProtocols: ['natter/1'] },
    (socket) => {
      socket.on('error', () => {});
      t.after(() => socket.destroy());
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const result = await run(
    ['chat', '--host', 'localhost', '--port', String(port), '--ca', cert, '--line', '--user', 'x'],
    {
      input: 'hi\n',
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') },
    },
  );
  assert.equal(result.code, 3, result.stderr);
  assert.match(result.stderr, /the certificate of localhost:\d+ has expired: valid from .* to .*/u);
  assert.match(result.stderr, /must renew the certificate/u);
  assert.doesNotMatch(result.stderr, /not signed by/u);
});

test('an admin socket that cannot be made says so and stops the server cleanly', async (t) => {
  const dir = await tempDir(t);
  const socket = path.join(dir, 'missing-dir', 'admin.sock');
  const result = await serveOnce(['--data-dir', dir, '--admin-socket', socket]);
  assert.equal(result.code, 1, result.stderr);
  // Binding a Unix socket in a missing directory is EACCES or ENOENT, by platform.
  assert.ok(result.stderr.includes(`cannot create the admin socket ${socket} (`), result.stderr);
  assert.match(result.stderr, /\((EACCES|ENOENT)\); its directory must exist/u);
  assert.match(result.stderr, /--admin-socket/u);
  assertActionable(result.stderr);
});
