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
 *
 * With --attack hello-flood|quit-flood|register-flood|all (bench/abuse-attacks.ts)
 * it runs that attack for --seconds (default 5) instead, and prints the
 * server's RSS before, its peak during, and after (once the attackers are
 * gone), plus a healthy client's ping round trip during the attack.
 */
import { parseArgs } from 'node:util';
import type { TLSSocket } from 'node:tls';
import { ALPN_NATIVE } from '../src/protocol/frames.ts';
import { DEFAULT_SCRYPT } from '../src/server/passwords.ts';
import { tryTls } from '../test/helpers/server.ts';
import { sleep, spawnServer, type ServerProcess } from '../test/abuse/helpers.ts';
import { ATTACKS as FLOODS, healthyClient, runAttack, type AttackName } from './abuse-attacks.ts';

const { values } = parseArgs({
  options: {
    attempts: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '25' },
    'login-timeout-ms': { type: 'string', default: '1000' },
    attack: { type: 'string' },
    seconds: { type: 'string', default: '5' },
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

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

/** Waits until the server counts no open connection but `keep`. */
async function quiesce(server: ServerProcess, keep = 0): Promise<void> {
  for (let i = 0; i < 100; i++) {
    server.process.write('metrics');
    const line = await server.process.waitForLine(/^\{"metrics":/u, 'metrics');
    const metrics = (JSON.parse(line) as { metrics: Record<string, number> }).metrics;
    if ((metrics.connections ?? 0) <= keep) return;
    await sleep(100);
  }
}

async function measureAttack(name: AttackName): Promise<void> {
  const seconds = Number(values.seconds);
  // The server's own password cost (the test harness would hash cheaply).
  const server = await spawnServer({ scrypt: DEFAULT_SCRYPT }, ['--expose-gc']);
  try {
    const before = await server.rss();
    const heapBefore = await server.heapUsed();
    const healthy = healthyClient(server.port);
    await sleep(2000); // its round trip at rest
    const atRest = healthy.trips.length;
    const detail = await runAttack(name, server.port, seconds);
    const peak = await server.maxRss();
    await healthy.stop();
    await quiesce(server);
    await sleep(500);
    const after = await server.rss();
    const heapAfter = await server.heapUsed();
    const rest = healthy.trips.slice(0, atRest);
    const during = healthy.trips.slice(atRest);
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    console.log(`${name}, ${seconds} s: ${detail}`);
    console.log(
      `  server rss before ${mib(before)}, peak ${mib(peak)}, after ${mib(after)} (${after >= before ? '+' : ''}${mib(after - before)}); ` +
        `JS heap in use before ${mib(heapBefore)}, after ${mib(heapAfter)}`,
    );
    console.log(
      `  healthy client ping round trip: at rest p50 ${ms(percentile(rest, 50))}; during the attack ` +
        `p50 ${ms(percentile(during, 50))}, p99 ${ms(percentile(during, 99))}, max ${ms(Math.max(...during))} (${during.length} pings)`,
    );
  } finally {
    await server.stop();
  }
}

if (values.attack !== undefined) {
  const names = values.attack === 'all' ? FLOODS : [values.attack as AttackName];
  for (const name of names) {
    if (!FLOODS.includes(name)) throw new Error(`unknown attack ${name}: ${FLOODS.join(', ')}`);
    await measureAttack(name);
  }
  process.exit(0);
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
