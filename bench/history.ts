/**
 * Persistence benchmark (issue 4):
 *   1. store: messages committed per second by the single SQLite writer,
 *      one message per transaction and batched as the server batches them;
 *   2. server: acknowledged messages per second end to end (TLS, commit, ack);
 *   3. replay: the cost of history replay on join, over 1,000 joins.
 * Usage: npm run bench:history [-- --messages 20000 --joins 1000 --senders 10 --window 32 --db-sync full|normal]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS } from '../src/protocol/limits.ts';
import { createLogger } from '../src/server/log.ts';
import { startServer } from '../src/server/server.ts';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { NewMessage } from '../src/store/store.ts';
import { BenchClient } from './native-client.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    joins: { type: 'string', default: '1000' },
    senders: { type: 'string', default: '10' },
    window: { type: 'string', default: '32' },
    'db-sync': { type: 'string', default: 'full' },
  },
});
const MESSAGES = Number(values.messages);
const JOINS = Number(values.joins);
const SENDERS = Number(values.senders);
const SYNC = values['db-sync'] === 'normal' ? 'normal' : 'full';
const WINDOW = Number(values.window);

function message(i: number): NewMessage {
  return {
    ts: Date.now(),
    roomKey: '#lobby',
    roomName: '#lobby',
    fromKey: `user${i % 10}`,
    fromName: `user${i % 10}`,
    toKey: null,
    toName: null,
    kind: 'say',
    text: `benchmark message number ${i} with some ordinary chat-sized text in it`,
    clientId: `b${i}`,
  };
}

async function storeRate(batchSize: number, count: number): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'natter-bench-'));
  const store = new SqliteStore(path.join(dir, 'natter.db'), { synchronous: SYNC });
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i += batchSize) {
    const batch = [];
    for (let j = i; j < Math.min(i + batchSize, count); j++) batch.push(message(j));
    await store.appendMessages(batch);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return count / seconds;
}

async function serverBench() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'natter-bench-'));
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    dbSync: SYNC,
    limits: { ...DEFAULT_LIMITS, historyOnJoin: 50 },
    log: createLogger((process.env.BENCH_LOG as 'warn') ?? 'silent'),
    serverName: 'bench',
  });
  const senders = await Promise.all(
    Array.from({ length: SENDERS }, () => BenchClient.open(server.port)),
  );
  await Promise.all(senders.map((c, i) => c.login(`sender${i}`)));
  const perSender = Math.ceil(MESSAGES / SENDERS);
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  // Closed loop with a window of un-acked messages per sender, as real clients
  // behave; an unbounded burst would (rightly) trip the slow-consumer limit.
  await Promise.all(
    senders.map((client, s) => {
      let sent = 0;
      let acked = 0;
      const sendOne = () => {
        client.send({
          type: 'say',
          id: `s${s}.${sent}`,
          text: `message ${sent} from sender ${s} of the benchmark`,
        });
        sent++;
      };
      const done = client.until((line) => {
        if (!line.startsWith('{"type":"ack"')) return false;
        acked++;
        if (sent < perSender) sendOne();
        return acked === perSender;
      });
      while (sent < Math.min(WINDOW, perSender)) sendOne();
      return done;
    }),
  );
  const ackSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const ackRate = (perSender * SENDERS) / ackSeconds;

  // Replay: one client joins and leaves a room holding >= 50 messages, JOINS times.
  const joiner = await BenchClient.open(server.port);
  await joiner.login('joiner');
  const joinStart = process.hrtime.bigint();
  let replayed = 0;
  for (let i = 0; i < JOINS; i++) {
    const end = joiner.until((line) => line.startsWith('{"type":"who"'));
    const count = joiner.until((line) => line.startsWith('{"type":"history"'));
    joiner.send({ type: i === 0 ? 'leave' : 'leave', room: '#lobby' });
    joiner.send({ type: 'join', room: '#lobby' });
    replayed += (JSON.parse(await count) as { count: number }).count;
    await end;
  }
  const joinMs = Number(process.hrtime.bigint() - joinStart) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);
  for (const c of [...senders, joiner]) c.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { ackRate, joinMs, replayed, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

const rows: [string, string][] = [];
rows.push([
  'store commits/s, 1 message per transaction',
  (await storeRate(1, Math.min(MESSAGES, 2000))).toFixed(0),
]);
rows.push(['store commits/s, batches of 100', (await storeRate(100, MESSAGES)).toFixed(0)]);
const server = await serverBench();
rows.push([
  `server acked messages/s (${SENDERS} TLS senders, window ${WINDOW})`,
  server.ackRate.toFixed(0),
]);
rows.push([`replay on join: ${JOINS} joins, total ms`, server.joinMs.toFixed(0)]);
rows.push(['replay on join: ms per join (50 messages each)', (server.joinMs / JOINS).toFixed(3)]);
rows.push(['replay on join: messages replayed', String(server.replayed)]);
rows.push(['process CPU seconds (server + load, one process)', server.cpuSeconds.toFixed(2)]);
const width = Math.max(...rows.map(([k]) => k.length));
console.log(`natter history bench — db-sync=${SYNC}, ${MESSAGES} messages`);
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
