/**
 * TLS as ARCHITECTURE.md ("TLS and trust", "One port, three dialects") has
 * it: 1.2 minimum, ALPN picks the dialect, and a zero-configuration ECDSA
 * certificate kept in the data directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ALPN_NATIVE } from '../../src/protocol/frames.ts';
import { generateSelfSignedCert } from '../../src/tls/dev-cert.ts';
import { fingerprintOf } from '../../src/tls/fingerprint.ts';
import {
  LineClient,
  makeTempDir,
  onPath,
  serverFor,
  TextClient,
  tryTls,
} from '../helpers/server.ts';

const HAVE_OPENSSL = onPath('openssl');

test('a TLS 1.1 handshake is refused by the server (protocol_version alert)', async (t) => {
  const h = await serverFor(t);
  // Node's client refuses to offer TLS 1.1 at its default security level;
  // level 0 makes it offer, so any refusal below comes from the server.
  const legacy = { minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' } as const;
  await assert.rejects(tryTls(h.port, { ...legacy, maxVersion: 'TLSv1.1' }), (error: Error) => {
    assert.equal((error as NodeJS.ErrnoException).code, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    return true;
  });
  // The same client settings succeed as soon as 1.2 is allowed.
  const modern = await tryTls(h.port, { ...legacy, maxVersion: 'TLSv1.2' });
  assert.equal(modern.getProtocol(), 'TLSv1.2');
  modern.destroy();
});

test(
  'openssl s_client -tls1_1 is refused by the server',
  { skip: HAVE_OPENSSL ? false : 'openssl not installed' },
  async (t) => {
    const h = await serverFor(t);
    const child = spawn(
      'openssl',
      [
        's_client',
        '-tls1_1',
        '-cipher',
        'DEFAULT@SECLEVEL=0',
        '-connect',
        `127.0.0.1:${h.port}`,
        '-servername',
        'localhost',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.notEqual(code, 0, output);
    // "alert protocol version" is the server's alert; a client-side refusal
    // would say "no protocols available" instead.
    assert.match(output, /alert protocol version/u);
  },
);

test('TLS 1.2 and TLS 1.3 are accepted', async (t) => {
  const h = await serverFor(t);
  for (const [options, version] of [
    [{ maxVersion: 'TLSv1.2' }, 'TLSv1.2'],
    [{ minVersion: 'TLSv1.3' }, 'TLSv1.3'],
  ] as const) {
    const client = h.track(new TextClient(await tryTls(h.port, options)));
    assert.equal(client.socket.getProtocol(), version);
    await client.waitForLine(/^Choose a username:$/u);
  }
});

test('an unknown ALPN protocol alone (h2) is refused with no_application_protocol', async (t) => {
  const h = await serverFor(t);
  await assert.rejects(tryTls(h.port, { ALPNProtocols: ['h2'] }), (error: Error) => {
    assert.equal(
      (error as NodeJS.ErrnoException).code,
      'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL',
    );
    return true;
  });
});

test('ALPN natter/1 selects the native dialect; no ALPN selects text mode', async (t) => {
  const h = await serverFor(t);

  const native = h.track(new LineClient(await tryTls(h.port, { ALPNProtocols: [ALPN_NATIVE] })));
  assert.equal(native.socket.alpnProtocol, ALPN_NATIVE);
  native.write(JSON.stringify({ type: 'hello', version: 1, name: 'nat' }));
  const first = JSON.parse(await native.waitForLine(() => true)) as Record<string, unknown>;
  assert.equal(first.type, 'welcome');
  assert.equal(first.version, 1);
  assert.equal(first.name, 'nat');
  assert.ok(
    native.lines.every((l) => l.startsWith('{')),
    'nothing but frames',
  );

  // A client offering several protocols gets natter/1 when it is among them.
  const both = h.track(
    new LineClient(await tryTls(h.port, { ALPNProtocols: ['h2', ALPN_NATIVE] })),
  );
  assert.equal(both.socket.alpnProtocol, ALPN_NATIVE);

  const text = h.track(new LineClient(await tryTls(h.port)));
  assert.equal(text.socket.alpnProtocol, false);
  assert.match(await text.waitForLine(() => true), /^-- natter on test: text mode\./u);
  assert.equal(await text.waitForLine(() => true), 'Choose a username:');
});

test('the generated certificate: ECDSA P-256, SANs localhost and 127.0.0.1, key 0600, reused', async (t) => {
  const dataDir = await makeTempDir();
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const certFile = path.join(dataDir, 'certs', 'server.crt');
  const keyFile = path.join(dataDir, 'certs', 'server.key');

  const first = await serverFor(t, { dataDir });
  assert.equal(first.server.credentials.source, 'generated');
  assert.equal(first.server.credentials.certFile, certFile);
  const cert = new X509Certificate(first.certPem);
  assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const sans = (cert.subjectAltName ?? '').split(', ');
  assert.ok(sans.includes('DNS:localhost'), cert.subjectAltName);
  assert.ok(sans.includes('IP Address:127.0.0.1'), cert.subjectAltName);
  assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
  assert.equal(first.server.credentials.fingerprint, cert.fingerprint256);

  // What the server presents is that certificate.
  const socket = await tryTls(first.port);
  assert.equal(socket.getPeerCertificate().fingerprint256, cert.fingerprint256);
  socket.destroy();
  await first.close();

  const second = await serverFor(t, { dataDir });
  assert.equal(second.server.credentials.source, 'data-dir');
  assert.equal(second.server.credentials.fingerprint, cert.fingerprint256, 'the same certificate');
  const again = await tryTls(second.port);
  assert.equal(again.getPeerCertificate().fingerprint256, cert.fingerprint256);
  again.destroy();
});

test('--cert/--key given explicitly are used', async (t) => {
  const dir = await makeTempDir();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pair = await generateSelfSignedCert(['natter-explicit.test']);
  const certFile = path.join(dir, 'mine.crt');
  const keyFile = path.join(dir, 'mine.key');
  await writeFile(certFile, pair.certPem);
  await writeFile(keyFile, pair.keyPem, { mode: 0o600 });

  const h = await serverFor(t, { certFile, keyFile });
  assert.equal(h.server.credentials.source, 'configured');
  assert.equal(h.server.credentials.certFile, certFile);
  assert.equal(h.server.credentials.warnings.length, 0);
  const socket = await tryTls(h.port);
  const presented = socket.getPeerCertificate();
  socket.destroy();
  assert.equal(presented.fingerprint256, fingerprintOf(pair.certPem));
  assert.match(presented.subjectaltname ?? '', /DNS:natter-explicit\.test/u);
});
