/**
 * The client's files as natter serves them: hashed assets cached for a
 * year, index.html revalidated, compressed when the browser accepts it,
 * validators that answer 304, the security headers everywhere, and HSTS
 * only with a certificate a CA issued.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { buildWeb } from '../../web/build.ts';
import { makeTempDir, onPath, serverFor, tryTls } from '../helpers/server.ts';
import { fetchTls } from './http.ts';

test('index.html is revalidated, hashed assets are immutable, both compressed on request', async (t) => {
  await buildWeb({ quiet: true });
  const h = await serverFor(t);
  const index = await fetchTls(h.port, '/');
  assert.equal(index.status, 200);
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(index.headers['cache-control'], 'no-cache');
  assert.equal(index.headers['x-content-type-options'], 'nosniff');
  assert.equal(index.headers['referrer-policy'], 'no-referrer');
  assert.match(String(index.headers['content-security-policy']), /frame-ancestors 'none'/u);
  const html = index.body.toString('utf8');
  assert.doesNotMatch(html, /<script>|<style>|style=/u, 'no inline script or style');
  const script = /src="(\/assets\/[^"]+\.js)"/u.exec(html)?.[1];
  assert.ok(script, html);

  const plain = await fetchTls(h.port, script);
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.headers.vary, 'accept-encoding');

  const br = await fetchTls(h.port, script, {
    headers: { 'accept-encoding': 'gzip, deflate, br' },
  });
  assert.equal(br.headers['content-encoding'], 'br');
  assert.ok(br.body.length < plain.body.length / 2, `${br.body.length} vs ${plain.body.length}`);
  assert.deepEqual(brotliDecompressSync(br.body), plain.body);
  const gz = await fetchTls(h.port, script, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.deepEqual(gunzipSync(gz.body), plain.body);
  const refused = await fetchTls(h.port, script, {
    headers: { 'accept-encoding': 'br;q=0, gzip;q=0' },
  });
  assert.equal(refused.headers['content-encoding'], undefined);

  // Validators: each representation has its own, and a match is a 304 without a body.
  assert.notEqual(br.headers.etag, plain.headers.etag);
  const again = await fetchTls(h.port, script, {
    headers: { 'accept-encoding': 'br', 'if-none-match': String(br.headers.etag) },
  });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  const head = await fetchTls(h.port, '/', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal((await fetchTls(h.port, '/assets/missing.js')).status, 404);
  assert.equal((await fetchTls(h.port, '/../package.json')).status, 404);
  // The operators' endpoints get the same headers.
  const health = await fetchTls(h.port, '/healthz');
  assert.equal(health.headers['x-content-type-options'], 'nosniff');
});

test('without a built client, / says how to build it and the rest still works', async (t) => {
  const empty = await makeTempDir('natter-noweb-');
  t.after(() => rm(empty, { recursive: true, force: true }));
  const h = await serverFor(t, { webRoot: empty });
  const index = await fetchTls(h.port, '/');
  assert.equal(index.status, 503);
  assert.match(index.body.toString(), /npm run build:web/u);
  assert.equal((await fetchTls(h.port, '/healthz')).status, 200);
});

const skipOpenssl = onPath('openssl') ? false : 'openssl is not installed';

test(
  'HSTS is sent with a CA-issued certificate, never with a self-signed one',
  { skip: skipOpenssl },
  async (t) => {
    const dir = await makeTempDir('natter-ca-');
    t.after(() => rm(dir, { recursive: true, force: true }));
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=natter test CA',
    );
    run(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=localhost',
    );
    await writeFile(path.join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    run(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
    );
    const issued = await serverFor(t, {
      certFile: path.join(dir, 'server.crt'),
      keyFile: path.join(dir, 'server.key'),
    });
    const ca = await readFile(path.join(dir, 'ca.crt'), 'utf8');
    const withCa = await fetchTls(issued.port, '/healthz', { ca });
    assert.equal(withCa.headers['strict-transport-security'], 'max-age=63072000');

    const selfSigned = await serverFor(t, {
      certFile: path.join(dir, 'ca.crt'),
      keyFile: path.join(dir, 'ca.key'),
    });
    const plain = await fetchTls(selfSigned.port, '/healthz');
    assert.equal(plain.headers['strict-transport-security'], undefined);
  },
);

test('a browser offering h2 and http/1.1 gets http/1.1, the dialect of the web client', async (t) => {
  const h = await serverFor(t);
  const socket = await tryTls(h.port, { ALPNProtocols: ['h2', 'http/1.1'] });
  t.after(() => socket.destroy());
  assert.equal(socket.alpnProtocol, 'http/1.1');
});
