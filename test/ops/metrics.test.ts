/**
 * /metrics is for operators: the --metrics-allow addresses (loopback by
 * default) or the bearer token; /healthz is public and says nothing
 * private; /readyz reports whether the store can serve.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request, type RequestOptions } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { isIPv4 } from 'node:net';
import path from 'node:path';
import { DEFAULT_LIMITS } from '../../src/protocol/limits.ts';
import { createLogger } from '../../src/server/log.ts';
import { startServer, type ServerOptions } from '../../src/server/server.ts';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { machineAddresses } from '../../src/tls/cert-names.ts';
import { tempDir } from './helpers.ts';

const TOKEN = 'Zq3vV9yT1k0s8Jm2Xc7Rb4Nd6Lp5Hf0a';
// A non-loopback address of this machine; with loopback only, 127.0.0.2 is
// the "other" address and the allow list is narrowed to 127.0.0.1.
const MACHINE = machineAddresses().find((a) => isIPv4(a));
const OTHER = MACHINE ?? '127.0.0.2';
const ALLOW = MACHINE ? undefined : ['127.0.0.1/32', '::1/128'];

function get(
  host: string,
  port: number,
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const options: RequestOptions & { ALPNProtocols: string[] } = {
    host,
    port,
    path: url,
    headers,
    servername: 'localhost',
    rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'],
    agent: false,
  };
  return new Promise((resolve, reject) => {
    const req = request(options, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function server(t: TestContext, extra: Partial<ServerOptions> = {}) {
  const dataDir = await tempDir(t);
  const running = await startServer({
    host: '0.0.0.0',
    port: 0,
    dataDir,
    limits: DEFAULT_LIMITS,
    log: createLogger('silent'),
    serverName: 'test',
    metricsToken: TOKEN,
    ...(ALLOW ? { metricsAllow: ALLOW } : {}),
    ...extra,
  });
  t.after(() => running.close());
  return running;
}

test('/metrics from a non-allowed address is refused; the token admits it; loopback is allowed', async (t) => {
  const { port } = await server(t);
  const refused = await get(OTHER, port, '/metrics');
  assert.equal(refused.status, 403);
  assert.equal(refused.headers['www-authenticate'], 'Bearer');
  assert.doesNotMatch(refused.body, /natter_/u);

  const wrong = await get(OTHER, port, '/metrics', { authorization: 'Bearer not-the-token' });
  assert.equal(wrong.status, 401);
  assert.doesNotMatch(wrong.body, /natter_/u);

  const withToken = await get(OTHER, port, '/metrics', { authorization: `Bearer ${TOKEN}` });
  assert.equal(withToken.status, 200);
  assert.match(withToken.body, /^natter_connections_accepted_total \d+$/mu);

  const local = await get('127.0.0.1', port, '/metrics');
  assert.equal(local.status, 200);
  assert.match(local.body, /^natter_users_online 0$/mu);
});

test('/healthz is public and bland; /readyz says whether the store can serve', async (t) => {
  const { port } = await server(t);
  const health = await get(OTHER, port, '/healthz');
  assert.equal(health.status, 200);
  assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
  const ready = await get(OTHER, port, '/readyz');
  assert.equal(ready.status, 200);
  assert.deepEqual(JSON.parse(ready.body), { status: 'ready', store: 'ok', bus: 'ok' });

  const dir = await tempDir(t);
  const broken = new SqliteStore(path.join(dir, 'natter.db'));
  broken.ping = () => Promise.reject(new Error('disk gone'));
  const down = await server(t, { store: broken });
  const answer = await get('127.0.0.1', down.port, '/readyz');
  assert.equal(answer.status, 503);
  assert.deepEqual(JSON.parse(answer.body), { status: 'not ready', store: 'down', bus: 'ok' });
  assert.doesNotMatch(answer.body, /disk gone/u, 'no internals');
});
