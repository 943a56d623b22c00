/**
 * The healthy client of bench/abuse-attacks.ts, in a process of its own so
 * that its round trip measures the server, not the attackers' event loop:
 * logs in, pings every 100 ms, prints each round trip in ms on a line of
 * its own, and ends when stdin closes.
 * Usage: node bench/abuse-healthy.ts PORT
 */
import { ALPN_NATIVE } from '../src/protocol/frames.ts';
import { tryTls } from '../test/helpers/server.ts';
import { sleep } from '../test/abuse/helpers.ts';

const port = Number(process.argv[2]);
const socket = await tryTls(port, { ALPNProtocols: [ALPN_NATIVE] });
socket.setEncoding('utf8');
let buffer = '';
let waiting: ((line: string) => void) | undefined;
socket.on('data', (chunk: string) => {
  buffer += chunk;
  let end;
  while ((end = buffer.indexOf('\n')) !== -1) {
    const line = buffer.slice(0, end);
    buffer = buffer.slice(end + 1);
    waiting?.(line);
  }
});
const next = (match: (line: string) => boolean) =>
  new Promise<string>((resolve) => {
    waiting = (line) => {
      if (match(line)) resolve(line);
    };
  });
let running = true;
process.stdin.on('data', () => {});
process.stdin.on('end', () => (running = false));
const welcome = next((l) => l.includes('"welcome"'));
socket.write(JSON.stringify({ type: 'hello', version: 1, name: 'healthy' }) + '\n');
await welcome;
for (let i = 0; running; i++) {
  const token = `t${i}`;
  const pong = next((l) => l.includes(`"token":"${token}"`));
  const sent = performance.now();
  socket.write(JSON.stringify({ type: 'ping', token }) + '\n');
  await pong;
  process.stdout.write(`${(performance.now() - sent).toFixed(2)}\n`);
  await sleep(100);
}
socket.destroy();
