/**
 * TLS trust as ARCHITECTURE.md describes it, through the real CLI: --ca
 * pins, trust on first use remembers in known_hosts, a changed certificate
 * is refused loudly, and the host name is checked in every case.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/protocol/limits.ts';
import { createLogger } from '../../src/server/log.ts';
import { startServer } from '../../src/server/server.ts';
import { generateSelfSignedCert } from '../../src/tls/dev-cert.ts';
import { fingerprintOf } from '../../src/tls/fingerprint.ts';
import { makeTempDir, serverFor } from '../helpers/server.ts';
import { knownHostsIn, runChat, tempHome } from './helpers.ts';

const UNTRUSTED = 3;

test('first contact with --accept-new-host remembers host:port and fingerprint', async (t) => {
  const server = await serverFor(t);
  const home = await tempHome(t);
  const fingerprint = fingerprintOf(server.certPem);
  const args = ['--port', String(server.port), '--user', 'bot'];

  const first = await runChat([...args, '--accept-new-host'], home, ['hello']);

  assert.equal(first.code, 0, first.process.describe());
  const file = knownHostsIn(home);
  const lines = (await readFile(file, 'utf8')).split('\n');
  assert.ok(lines[0]?.startsWith('# '), 'a comment header explains the file');
  assert.deepEqual(
    lines.filter((l) => l !== '' && !l.startsWith('#')),
    [`localhost:${server.port} SHA256 ${fingerprint}`],
  );
  assert.equal((await stat(path.dirname(file))).mode & 0o777, 0o700);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.match(
    first.stderr,
    /trusting localhost:\d+ from now on; added to ~\/\.config\/natter\/known_hosts:\n {2}localhost:\d+ SHA256 [0-9A-F:]{95}\n/u,
  );

  // Known now: no flag needed, nothing asked, nothing added.
  const second = await runChat(args, home, ['again']);
  assert.equal(second.code, 0, second.process.describe());
  assert.doesNotMatch(second.stderr, /trusting/u);
  const entries = (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => /^[^#].* SHA256 /u.test(l));
  assert.equal(entries.length, 1);
});

test('an unknown server without --accept-new-host and no terminal is refused', async (t) => {
  const server = await serverFor(t);
  const home = await tempHome(t);
  const peer = await server.text('peer');

  const run = await runChat(['--port', String(server.port), '--user', 'bot'], home, ['hi']);

  assert.equal(run.code, UNTRUSTED, run.process.describe());
  assert.ok(run.stderr.includes(`SHA256 ${fingerprintOf(server.certPem)}`), run.stderr);
  assert.match(run.stderr, /--accept-new-host/u);
  assert.match(run.stderr, /Refusing to connect/u);
  assert.deepEqual(run.stdout, []);
  assert.ok(!existsSync(knownHostsIn(home)), 'nothing remembered');
  assert.ok(!peer.lines.some((l) => l.includes('bot')), 'the server never saw our name');
});

test('a server that comes back with a different certificate is refused, naming both', async (t) => {
  const home = await tempHome(t);
  const log = createLogger('silent');
  const start = async (port: number) => {
    const dataDir = await makeTempDir();
    t.after(() => rm(dataDir, { recursive: true, force: true }));
    const server = await startServer({
      host: '127.0.0.1',
      port,
      dataDir,
      limits: DEFAULT_LIMITS,
      log,
      serverName: 'test',
    });
    t.after(() => server.close()); // closing twice is harmless
    return { server, dataDir };
  };
  const first = await start(0);
  const port = first.server.port;
  const args = ['--port', String(port), '--user', 'bot'];
  const trusted = await runChat([...args, '--accept-new-host'], home, ['hi']);
  assert.equal(trusted.code, 0, trusted.process.describe());
  await first.server.close();

  // A new data directory: a newly generated certificate, on the same port.
  const second = await start(port);
  const oldPrint = first.server.credentials.fingerprint;
  const newPrint = second.server.credentials.fingerprint;
  assert.notEqual(oldPrint, newPrint);

  // --accept-new-host is for new servers only: it never overrides a change.
  const run = await runChat([...args, '--accept-new-host'], home, ['hi']);

  assert.equal(run.code, UNTRUSTED, run.process.describe());
  assert.match(run.stderr, /certificate of localhost:\d+ has CHANGED/u);
  assert.ok(run.stderr.includes(`remembered: SHA256 ${oldPrint}`), run.stderr);
  assert.ok(run.stderr.includes(`presented:  SHA256 ${newPrint}`), run.stderr);
  assert.match(run.stderr, /delete line 4 of ~\/\.config\/natter\/known_hosts/u);
  const knownHosts = await readFile(knownHostsIn(home), 'utf8');
  assert.ok(knownHosts.includes(oldPrint) && !knownHosts.includes(newPrint), 'file unchanged');
});

test('--ca with the server certificate connects; another certificate is refused', async (t) => {
  const server = await serverFor(t);
  const other = await serverFor(t);
  const home = await tempHome(t);
  const rightCa = path.join(server.dataDir, 'certs', 'server.crt');
  const wrongCa = path.join(other.dataDir, 'certs', 'server.crt');
  const peer = await server.text('peer');
  const args = ['--port', String(server.port), '--user', 'bot'];

  const right = await runChat([...args, '--ca', rightCa], home, ['pinned hello']);
  assert.equal(right.code, 0, right.process.describe());
  await peer.waitForLine(/<bot> pinned hello$/u);
  assert.ok(!existsSync(knownHostsIn(home)), '--ca does not touch known_hosts');

  const wrong = await runChat([...args, '--ca', wrongCa, '--accept-new-host'], home, ['x']);
  assert.equal(wrong.code, UNTRUSTED, wrong.process.describe());
  assert.ok(wrong.stderr.includes(`is not signed by --ca ${wrongCa}`), wrong.stderr);
  assert.ok(wrong.stderr.includes(fingerprintOf(server.certPem)), 'names what was presented');
  assert.ok(
    !existsSync(knownHostsIn(home)),
    'a --ca refusal never falls back to trust on first use',
  );
});

test('the host name is verified: addresses in the certificate work, other names are refused', async (t) => {
  // The generator always adds localhost and the loopback addresses, so the
  // mismatch is made with --tls-name: a name the certificate does not carry
  // (what a DNS name pointing at this machine would look like).
  const dir = await makeTempDir();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { certPem, keyPem } = await generateSelfSignedCert(['chat.example.test']);
  const certFile = path.join(dir, 'chat.crt');
  const keyFile = path.join(dir, 'chat.key');
  await writeFile(certFile, certPem);
  await writeFile(keyFile, keyPem, { mode: 0o600 });
  const server = await serverFor(t, { certFile, keyFile, dataDir: dir });
  const home = await tempHome(t);
  const base = ['--port', String(server.port), '--user', 'bot'];

  const byAddress = await runChat([...base, '--host', '127.0.0.1', '--accept-new-host'], home);
  assert.equal(byAddress.code, 0, byAddress.process.describe());
  assert.match(await readFile(knownHostsIn(home), 'utf8'), /^127\.0\.0\.1:\d+ SHA256 /mu);

  const byName = await runChat(
    [...base, '--tls-name', 'chat.example.test', '--ca', certFile],
    home,
  );
  assert.equal(byName.code, 0, byName.process.describe());

  for (const trust of [['--accept-new-host'], ['--ca', certFile]]) {
    const wrong = await runChat([...base, '--tls-name', 'evil.example.test', ...trust], home);
    assert.equal(wrong.code, UNTRUSTED, wrong.process.describe());
    assert.match(wrong.stderr, /is not valid for the name "evil\.example\.test"/u);
    assert.match(wrong.stderr, /evil\.example\.test\. is not in the cert's altnames/u);
  }
  const remembered = await readFile(knownHostsIn(home), 'utf8');
  assert.ok(!remembered.includes('localhost:'), 'a refused name is never remembered');
});
