/**
 * Memory under abuse (issue #5): starts a server in a child process (run with
 * --expose-gc, so its RSS is measured after a full collection), records its
 * RSS, makes 1,000 hostile attempts — each on a new connection — and records
 * it again once they are all gone:
 *   - a 200 KiB line without a newline (native), closed with too_long;
 *   - invalid JSON (native), answered with bad_json;
 *   - deep nesting (native), answered with too_deep;
 *   - slowloris: a username trickled a byte every 150 ms (text mode), closed
 *     at the login deadline.
 * Usage: node bench/abuse-memory.ts [--attempts 1000] [--concurrency 25] [--login-timeout-ms 1000]
 */
import { parseArgs } from 'node:util';
import type { TLSSocket } from 'node:tls';
import { ALPN_NATIVE } from '../src/protocol/frames.ts';
import { tryTls } from '../test/helpers/server.ts';
import { sleep, spawnServer } from '../test/abuse/helpers.ts';

const { values } = parseArgs({
  options: {
    attempts: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '25' },
    'login-timeout-ms': { type: 'string', default: '1000' },
  },
});
const ATTEMPTS = Number(values.attempts);
const CONCURRENCY = Number(values.concurrency);
const LOGIN_TIMEOUT_MS = Number(values['login-timeout-ms']);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

type Attack = 'oversize' | 'bad_json' | 'deep' | 'slowloris';
const ATTACKS: Attack[] = ['oversize', 'bad_json', 'deep', 'slowloris'];

/** Resolves when the socket has closed, with what the server said (first 200 bytes). */
function untilClosed(socket: TLSSocket): Promise<string> {
  return new Promise((resolve) => {
    let said = '';
    socket.on('data', (chunk: Buffer) => {
      if (said.length < 200) said += chunk.toString('utf8');
    });
    socket.on('error', () => {});
    if (socket.destroyed) resolve(said);
    else socket.once('close', () => resolve(said));
  });
}

async function attempt(port: number, attack: Attack): Promise<string> {
  const native = attack !== 'slowloris';
  const socket = await tryTls(port, native ? { ALPNProtocols: [ALPN_NATIVE] } : {});
  const done = untilClosed(socket);
  switch (attack) {
    case 'oversize':
      socket.write(Buffer.alloc(200 * 1024, 'a'));
      break;
    case 'bad_json':
      socket.write('{"type":"say","id":"x","text":\n');
      break;
    case 'deep':
      socket.write('['.repeat(5_000) + ']'.repeat(5_000) + '\n'); // under the line limit
      break;
    case 'slowloris':
      void (async () => {
        for (let i = 0; !socket.destroyed && i < 1000; i++) {
          socket.write('s');
          await sleep(150);
        }
      })();
      break;
  }
  if (attack === 'bad_json' || attack === 'deep') {
    // Non-fatal errors: the server answers and waits; this client leaves once answered.
    const answered = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (text.includes('\n')) resolve(text);
      });
      socket.once('close', () => resolve(text));
    });
    socket.end();
    await done;
    return answered;
  }
  return done;
}

const server = await spawnServer({ limits: { loginTimeoutMs: LOGIN_TIMEOUT_MS } }, ['--expose-gc']);
try {
  // Warm up: one of each, so the first handshake's one-off allocations are not counted.
  for (const attack of ATTACKS) await attempt(server.port, attack);
  const before = await server.rss();
  console.log(`server rss before: ${mib(before)} (${before} bytes)`);

  const seen = new Map<string, number>();
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < ATTEMPTS) {
      const attack = ATTACKS[next++ % ATTACKS.length]!;
      const said = await attempt(server.port, attack);
      const code = /"code":"(\w+)"|^! (\w+):/mu.exec(said);
      const key = `${attack} -> ${code?.[1] ?? code?.[2] ?? 'closed'}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  const readMetrics = async () => {
    server.process.write('metrics');
    const line = await server.process.waitForLine(/^\{"metrics":/u, 'metrics');
    return (JSON.parse(line) as { metrics: Record<string, number> }).metrics;
  };
  // The server sees the last closes a moment after the clients do.
  let metrics = await readMetrics();
  for (let i = 0; i < 50 && metrics.connections !== 0; i++) {
    await sleep(100);
    metrics = await readMetrics();
  }
  const after = await server.rss();

  console.log(`${ATTEMPTS} attempts in ${seconds.toFixed(1)} s, ${CONCURRENCY} at a time:`);
  for (const [key, n] of [...seen].sort()) console.log(`  ${key}: ${n}`);
  console.log(
    `server counters: oversize_lines ${metrics.oversize_lines}, protocol_errors ${metrics.protocol_errors}, ` +
      `login_timeouts ${metrics.login_timeouts}, open connections ${metrics.connections}`,
  );
  console.log(`server rss after:  ${mib(after)} (${after} bytes)`);
  console.log(`difference: ${after >= before ? '+' : ''}${mib(after - before)}`);
} finally {
  await server.stop();
}
