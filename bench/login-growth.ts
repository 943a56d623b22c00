/**
 * "Logins slow as the room grows" (issue 11, item 15d): logs in --clients
 * text-mode users (default 2,000) into #lobby in batches of --batch (250),
 * 25 at a time, and prints each batch's wall time and the server's CPU time
 * for it. With --prof DIR the server runs under --cpu-prof (summarise with
 * bench/profile-summary.ts) to show where the time goes.
 * Usage: node bench/login-growth.ts [--clients 2000] [--batch 250] [--prof DIR]
 */
import { parseArgs } from 'node:util';
import type { TLSSocket } from 'node:tls';
import { tryTls } from '../test/helpers/server.ts';
import { spawnServer } from '../test/abuse/helpers.ts';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '2000' },
    batch: { type: 'string', default: '250' },
    prof: { type: 'string' },
  },
});
const CLIENTS = Number(values.clients);
const BATCH = Number(values.batch);
const AT_ONCE = 25;

/** A text-mode login: resolves after the who line that ends it. */
async function login(port: number, name: string): Promise<TLSSocket> {
  const socket = await tryTls(port);
  socket.setEncoding('utf8');
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: string) => {
      seen += chunk;
      if (seen.includes('Choose a username:\n') && !seen.includes('\u0000sent')) {
        seen += '\u0000sent';
        socket.write(name + '\n');
      }
      if (/-- #lobby: \d+ users?: /u.test(seen)) {
        socket.off('data', onData);
        // Keep reading (and dropping) what the room sends, like a person's terminal.
        socket.on('data', () => {});
        resolve();
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`${name} closed: ${seen.slice(-200)}`)));
  });
  return socket;
}

const flags = [
  '--expose-gc',
  ...(values.prof ? ['--cpu-prof', `--cpu-prof-dir=${values.prof}`] : []),
];
const server = await spawnServer(
  { limits: { loginTimeoutMs: 120_000, idleCloseTextMs: 3_600_000 } },
  flags,
);
const cpu = async () => {
  server.process.write('metrics');
  const line = await server.process.waitForLine(/^\{"metrics":/u, 'metrics');
  return (JSON.parse(line) as { metrics: Record<string, number> }).metrics.cpu_seconds ?? 0;
};
const sockets: TLSSocket[] = [];
try {
  for (let start = 0; start < CLIENTS; start += BATCH) {
    const cpuBefore = await cpu();
    const began = performance.now();
    let next = start;
    const end = Math.min(CLIENTS, start + BATCH);
    await Promise.all(
      Array.from({ length: AT_ONCE }, async () => {
        while (next < end) sockets.push(await login(server.port, `user${next++}`));
      }),
    );
    const seconds = (performance.now() - began) / 1000;
    const cpuSeconds = (await cpu()) - cpuBefore;
    console.log(
      `logins ${start + 1}-${end} (room of ${start}-${end}): ${seconds.toFixed(2)} s, ` +
        `server CPU ${cpuSeconds.toFixed(2)} s (${((cpuSeconds / (end - start)) * 1000).toFixed(1)} ms per login)`,
    );
  }
} finally {
  for (const socket of sockets) socket.destroy();
  if (values.prof) {
    // --cpu-prof writes its file on a clean exit only.
    server.process.child.kill('SIGTERM');
    await server.process.exited;
  } else await server.stop();
}
