/**
 * A natter test server in its own process, for tests whose server may be
 * left unable to close (a leaked socket keeps an in-process server, and so
 * the test file, alive) and for measuring the server's memory on its own
 * (bench/abuse-memory.ts).
 *
 *   node test/abuse/server-process.ts '{"limits":{...},"exempt":[]}'
 *
 * Prints one JSON line {"port":N}, then answers each stdin line "rss" with
 * {"rss":bytes} (after a full GC when run with --expose-gc), "maxrss" with
 * {"maxrss":bytes} (the peak so far) and "metrics" with the metrics snapshot. Ends on stdin's end or SIGTERM.
 */
import { createInterface } from 'node:readline';
import { startTestServer } from '../helpers/server.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as Parameters<typeof startTestServer>[0];
const server = await startTestServer(options);
const out = (value: unknown) => process.stdout.write(JSON.stringify(value) + '\n');
out({ port: server.port });

const gc = (globalThis as { gc?: () => void }).gc;
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  const command = line.trim();
  if (command === 'rss') {
    if (gc) for (let i = 0; i < 3; i++) gc();
    const { rss, heapUsed } = process.memoryUsage();
    out({ rss, heapUsed, gc: gc !== undefined });
  } else if (command === 'maxrss') {
    // The peak resident size of the process so far (the kernel's high-water mark).
    out({ maxrss: process.resourceUsage().maxRSS * 1024 });
  } else if (command === 'metrics') {
    out({ metrics: server.server.metrics.snapshot() });
  }
});
const stop = () => {
  // A clean close may never finish when sockets leaked; the process ends regardless.
  setTimeout(() => process.exit(0), 2000).unref();
  void server.close().then(() => process.exit(0));
};
input.on('close', stop);
process.on('SIGTERM', stop);
