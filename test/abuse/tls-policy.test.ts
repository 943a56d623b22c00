/**
 * What TLS itself accepts (issue 11, items 7, 14 and 15c): no TLS 1.2
 * renegotiation (each one a full handshake's CPU on a connection the caps
 * already counted), AEAD cipher suites only, and ALPN names looked up in a
 * Map (`toString` and friends are not dialects). Real clients: openssl
 * s_client and node:tls.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type TLSSocket } from 'node:tls';
import { ALPN_NATIVE } from '../../src/protocol/frames.ts';
import { onPath, ProcessLines, serverFor, tryTls } from '../helpers/server.ts';
import { closed } from './helpers.ts';

const OPENSSL = { skip: onPath('openssl') ? false : 'openssl not installed' };

/** Runs `openssl s_client` to the end with stdin closed; its exit code and output. */
async function sClient(port: number, args: string[]) {
  const openssl = new ProcessLines('openssl', [
    's_client',
    '-connect',
    `127.0.0.1:${port}`,
    '-servername',
    'localhost',
    ...args,
  ]);
  openssl.child.stdin.end();
  const { code } = await openssl.waitForExit();
  return { code, out: openssl.lines.join('\n'), err: openssl.stderr };
}

test(
  'openssl s_client: renegotiating (R) on a TLS 1.2 connection closes it, and it is counted',
  OPENSSL,
  async (t) => {
    const h = await serverFor(t);
    const openssl = new ProcessLines('openssl', [
      's_client',
      '-tls1_2',
      '-connect',
      `127.0.0.1:${h.port}`,
      '-servername',
      'localhost',
    ]);
    t.after(() => openssl.stop());
    await openssl.waitForLine(/^Choose a username:$/u);
    openssl.write('R');
    // The server hangs up instead of renegotiating; s_client ends.
    await openssl.waitForExit();
    assert.match(openssl.stderr, /^RENEGOTIATING$/mu, 's_client did try');
    assert.equal(h.server.metrics.get('tls_renegotiations_refused'), 1);
    // Nobody else is affected: a new connection logs in as usual.
    await h.text('after');
  },
);

test('node:tls renegotiate() on a TLS 1.2 native connection: refused, the connection closed', async (t) => {
  const h = await serverFor(t);
  const socket = await new Promise<TLSSocket>((resolve, reject) => {
    const s = connect({
      host: '127.0.0.1',
      port: h.port,
      servername: 'localhost',
      rejectUnauthorized: false,
      maxVersion: 'TLSv1.2',
      ALPNProtocols: [ALPN_NATIVE],
    });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
  socket.on('error', () => {}); // the server's hang-up
  t.after(() => socket.destroy());
  assert.equal(socket.getProtocol(), 'TLSv1.2');
  const renegotiated = new Promise<Error | null>((resolve) =>
    socket.renegotiate({ rejectUnauthorized: false }, (error) => resolve(error ?? null)),
  );
  // null: renegotiated, as the server used to allow (3 every 10 minutes, then only an 'error').
  const outcome = await Promise.race([renegotiated, closed(socket).then(() => 'closed')]);
  assert.notEqual(outcome, null, 'the renegotiation must not succeed');
  await closed(socket);
  assert.equal(h.server.metrics.get('tls_renegotiations_refused'), 1);
});

test(
  'openssl s_client: a TLS 1.2 CBC-SHA1 suite is refused; AES-GCM and ChaCha20 are accepted',
  OPENSSL,
  async (t) => {
    const h = await serverFor(t);
    for (const cbc of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'AES128-SHA']) {
      const { code, out } = await sClient(h.port, ['-tls1_2', '-cipher', cbc]);
      assert.notEqual(code, 0, `${cbc} must be refused`);
      assert.doesNotMatch(out, /Choose a username:/u, cbc);
    }
    for (const aead of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305']) {
      const { code, out } = await sClient(h.port, ['-tls1_2', '-cipher', aead]);
      assert.equal(code, 0, `${aead} must be accepted`);
      assert.match(out, new RegExp(`Cipher is ${aead}`, 'u'));
    }
    // TLS 1.3 is still on.
    const { code, out } = await sClient(h.port, ['-tls1_3']);
    assert.equal(code, 0);
    assert.match(out, /TLSv1\.3/u);
  },
);

test('node:tls: a client offering only CBC suites cannot connect', async (t) => {
  const h = await serverFor(t);
  await assert.rejects(
    tryTls(h.port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:AES256-SHA' }),
    /handshake failure|no shared cipher|alert/iu,
  );
});

test('ALPN: inherited object names (toString, __proto__, constructor, …) are refused, not text mode', async (t) => {
  const h = await serverFor(t);
  for (const name of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf']) {
    await assert.rejects(
      tryTls(h.port, { ALPNProtocols: [name] }),
      (error: Error) => /no.application.protocol/iu.test(error.message),
      name,
    );
  }
  // Listed beside a real one, the real one is chosen.
  const socket = await tryTls(h.port, { ALPNProtocols: ['toString', ALPN_NATIVE] });
  assert.equal(socket.alpnProtocol, ALPN_NATIVE);
  socket.destroy();
});
