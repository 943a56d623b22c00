/**
 * The workloads. Each runs against one server (natter or the peer) with the
 * clients of a worker pool and returns plain figures; the coordinator
 * (bench.ts) decides what to compare and prints them.
 *   connect  N TLS connections held: handshakes/s, logins/s, RSS per connection
 *   fanout   one room, S senders with a window of unconfirmed messages: deliveries/s
 *   latency  one room, an open-loop schedule of messages: delivery latency percentiles
 *   history  store commit rates, acked messages/s, history replay on join
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { NewMessage } from '../src/store/store.ts';
import { Histogram, type HistogramData } from './histogram.ts';
import type { WorkerReply } from './load-worker.ts';
import { bottleneck, firstError, mark, merged, phaseOf, sum, type Phase } from './measure.ts';
import type { BenchOptions } from './options.ts';
import type { WorkerPool } from './pool.ts';
import { rssBytesOf, type ServerUnderTest } from './servers.ts';
import { log, nowUs, sleep } from './util.ts';

/**
 * Logins in flight per worker. InspIRCd completes registrations on a
 * once-a-second tick, so its logins are mostly waiting: many may wait at once.
 */
function loginConcurrency(server: ServerUnderTest, options: BenchOptions): number {
  return server.driver === 'irc' ? 1000 : options.loginConcurrency;
}

/** Opens `n` clients and logs them in to `room` (or rooms of `roomSize`), then lets joins settle. */
async function populate(
  pool: WorkerPool,
  server: ServerUnderTest,
  options: BenchOptions,
  n: number,
  room: string,
  roomSize = 0,
): Promise<{ open: WorkerReply[]; login: WorkerReply[] }> {
  const open = await pool.each((w) => ({
    op: 'open',
    driver: server.driver,
    host: server.host,
    port: server.port,
    indices: pool.share(w, n),
    concurrency: options.connectConcurrency,
  }));
  const failed = sum(open, 'failed');
  if (failed > 0) log(`  ${failed} of ${n} connections failed: ${firstError(open)}`);
  const login = await pool.all({
    op: 'login',
    room,
    roomSize,
    concurrency: loginConcurrency(server, options),
  });
  const refused = sum(login, 'failed');
  if (refused > 0) log(`  ${refused} logins failed: ${firstError(login)}`);
  await pool.all({ op: 'quiesce', quietMs: 500, maxMs: 120_000 });
  return { open, login };
}

export interface ConnectResult {
  clients: number;
  opened: number;
  loggedIn: number;
  handshakesPerSecond: number;
  handshakeP99Ms: number;
  loginsPerSecond: number;
  rssBaseBytes: number | null;
  rssTlsBytes: number | null;
  rssLoggedInBytes: number | null;
  rssPerTlsConnectionKiB: number | null;
  rssPerConnectionKiB: number | null;
  handshakePhase: Phase;
  loginPhase: Phase;
}

/**
 * N clients connect (TLS only, `connectConcurrency` handshakes in flight per
 * worker), then log in, then sit idle while the server's resident memory is
 * read. Memory is measured after a few seconds of settling; the server is
 * not asked to collect garbage first, so some of it may be garbage.
 */
export async function connectWorkload(
  pool: WorkerPool,
  server: ServerUnderTest,
  options: BenchOptions,
): Promise<ConnectResult> {
  const n = options.connectClients;
  await sleep((options.settleSeconds * 1000) / 2);
  const rssBaseBytes = rssBytesOf(server.pid);
  await server.scrape();
  let start = mark(server);
  const open = await pool.each((w) => ({
    op: 'open',
    driver: server.driver,
    host: server.host,
    port: server.port,
    indices: pool.share(w, n),
    concurrency: options.connectConcurrency,
  }));
  const opened = sum(open, 'opened');
  if (opened < n) log(`  ${n - opened} of ${n} connections failed: ${firstError(open)}`);
  const span = (replies: WorkerReply[]) =>
    (Math.max(...replies.map((r) => r.endUs as number)) -
      Math.min(...replies.map((r) => r.startUs as number))) /
    1e6;
  const handshakePhase = phaseOf(server, open, span(open), start, await server.scrape());
  log(
    `  ${opened} TLS connections, ${Math.round(opened / span(open))}/s; ${bottleneck(handshakePhase)}`,
  );
  await sleep((options.settleSeconds * 1000 * 2) / 3);
  const rssTlsBytes = rssBytesOf(server.pid);
  start = mark(server);
  // Rooms of 100: 10,000 clients in one room would turn the join notices into
  // a 50-million-frame storm, which measures that storm, not holding clients.
  const login = await pool.all({
    op: 'login',
    room: '#idle',
    roomSize: 100,
    concurrency: loginConcurrency(server, options),
  });
  const loggedIn = sum(login, 'loggedIn');
  if (loggedIn < opened) log(`  ${opened - loggedIn} logins failed: ${firstError(login)}`);
  const loginPhase = phaseOf(server, login, span(login), start, await server.scrape());
  log(`  ${loggedIn} logins, ${Math.round(loggedIn / span(login))}/s; ${bottleneck(loginPhase)}`);
  await pool.all({ op: 'quiesce', quietMs: 500, maxMs: 60_000 });
  await sleep(options.settleSeconds * 1000);
  const rssLoggedInBytes = rssBytesOf(server.pid);
  const perConnection = (bytes: number | null, count: number) =>
    bytes === null || rssBaseBytes === null || count === 0
      ? null
      : (bytes - rssBaseBytes) / count / 1024;
  return {
    clients: n,
    opened,
    loggedIn,
    handshakesPerSecond: opened / span(open),
    handshakeP99Ms: merged(open, 'handshakes').percentile(99) / 1000,
    loginsPerSecond: loggedIn / span(login),
    rssBaseBytes,
    rssTlsBytes,
    rssLoggedInBytes,
    rssPerTlsConnectionKiB: perConnection(rssTlsBytes, opened),
    rssPerConnectionKiB: perConnection(rssLoggedInBytes, loggedIn),
    handshakePhase,
    loginPhase,
  };
}

export interface FanoutRun {
  window: number;
  delivered: number;
  expected: number;
  complete: boolean;
  deliveriesPerSecond: number;
  messagesPerSecond: number;
  errors: number;
  firstError?: string | undefined;
  disconnects: number;
  phase: Phase;
  bottleneck: string;
}

export interface FanoutResult extends FanoutRun {
  clients: number;
  senders: number;
  messages: number;
  /** One run per window; the fields above are the best of them. */
  byWindow: FanoutRun[];
}

/**
 * One room, every client in it; senders keep a window of unconfirmed
 * messages. The deliveries a server manages depend on how much is in flight
 * (batches amortise per-write costs; deep queues cost memory), so each window
 * is run in turn on the same clients and the best one is the server's
 * saturation figure.
 */
export async function fanoutWorkload(
  pool: WorkerPool,
  server: ServerUnderTest,
  options: BenchOptions,
): Promise<FanoutResult> {
  const n = options.fanoutClients;
  const senders = Math.min(options.fanoutSenders, n);
  const perSender = options.fanoutMessages;
  const totalMessages = senders * perSender;
  await populate(pool, server, options, n, '#bench');
  const byWindow: FanoutRun[] = [];
  for (const window of options.fanoutWindows) {
    await server.scrape(); // starts the server's "since the last scrape" window
    const start = mark(server);
    const startAtUs = nowUs() + 300_000;
    const replies = await pool.each((w) => ({
      op: 'fanout',
      room: '#bench',
      senders: pool.share(w, senders),
      perSender,
      window,
      payloadBytes: options.payloadBytes,
      totalMessages,
      startAtUs,
      maxMs: 120_000,
    }));
    const lastUs = Math.max(...replies.map((r) => r.lastCompleteUs as number));
    const wallSeconds = (lastUs - startAtUs) / 1e6;
    const phase = phaseOf(server, replies, wallSeconds, start, await server.scrape());
    const delivered = sum(replies, 'delivered');
    const run: FanoutRun = {
      window,
      delivered,
      expected: totalMessages * (n - 1),
      complete: replies.every((r) => r.complete),
      deliveriesPerSecond: delivered / wallSeconds,
      messagesPerSecond: totalMessages / wallSeconds,
      errors: sum(replies, 'errors'),
      firstError: firstError(replies),
      disconnects: sum(replies, 'disconnects'),
      phase,
      bottleneck: bottleneck(phase),
    };
    log(
      `  window ${window}: ${Math.round(run.deliveriesPerSecond).toLocaleString('en-US')} deliveries/s; ${run.bottleneck}`,
    );
    byWindow.push(run);
    if (!run.complete) break; // it did not keep up: deeper queues will not help
  }
  const best = byWindow.reduce((a, b) => (b.deliveriesPerSecond > a.deliveriesPerSecond ? b : a));
  return { ...best, clients: n, senders, messages: totalMessages, byWindow };
}

export interface LatencyResult {
  clients: number;
  rate: number;
  seconds: number;
  sent: number;
  delivered: number;
  expected: number;
  complete: boolean;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  samples: number;
  sendLagP99Ms: number;
  errors: number;
  firstError?: string | undefined;
  disconnects: number;
  phase: Phase;
  bottleneck: string;
}

export async function latencyWorkload(
  pool: WorkerPool,
  server: ServerUnderTest,
  options: BenchOptions,
): Promise<LatencyResult> {
  const n = options.latencyClients;
  const senders = Math.min(options.latencySenders, n);
  const rate = options.latencyRate;
  const seconds = options.latencySeconds + options.latencyWarmupSeconds;
  const perSender = Math.round((rate * seconds) / senders);
  const totalMessages = perSender * senders;
  const intervalUs = (senders / rate) * 1e6;
  await populate(pool, server, options, n, '#bench');
  await server.scrape(); // starts the server's "since the last scrape" window
  const start = mark(server);
  const startAtUs = nowUs() + 300_000;
  const replies = await pool.each((w) => ({
    op: 'latency',
    room: '#bench',
    senders: pool
      .share(w, senders)
      .map((index) => ({ index, offsetUs: Math.round((index * intervalUs) / senders) })),
    intervalUs,
    perSender,
    payloadBytes: options.payloadBytes,
    totalMessages,
    startAtUs,
    warmupUs: options.latencyWarmupSeconds * 1e6,
    drainMs: 30_000,
  }));
  const wallSeconds = (nowUs() - startAtUs) / 1e6;
  const phase = phaseOf(server, replies, wallSeconds, start, await server.scrape());
  const histogram = merged(replies, 'histogram');
  const ms = (us: number) => (us / 1000).toFixed(2);
  log(
    `  p50 ${ms(histogram.percentile(50))} ms, p99 ${ms(histogram.percentile(99))} ms, p99.9 ${ms(histogram.percentile(99.9))} ms; ${bottleneck(phase)}`,
  );
  return {
    clients: n,
    rate,
    seconds: options.latencySeconds,
    sent: sum(replies, 'sent'),
    delivered: sum(replies, 'delivered'),
    expected: totalMessages * (n - 1),
    complete: replies.every((r) => r.complete),
    p50Ms: histogram.percentile(50) / 1000,
    p99Ms: histogram.percentile(99) / 1000,
    p999Ms: histogram.percentile(99.9) / 1000,
    maxMs: histogram.max / 1000,
    samples: histogram.count,
    sendLagP99Ms: merged(replies, 'sendLag').percentile(99) / 1000,
    errors: sum(replies, 'errors'),
    firstError: firstError(replies),
    disconnects: sum(replies, 'disconnects'),
    phase,
    bottleneck: bottleneck(phase),
  };
}

export interface HistoryResult {
  storeSinglePerSecond: number;
  storeBatchedPerSecond: number;
  serverAckedPerSecond: number;
  ackPhase: Phase;
  joins: number;
  replayed: number;
  joinMeanMs: number;
  joinP50Ms: number;
  joinP99Ms: number;
}

function storedMessage(i: number): NewMessage {
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
    senderScope: '',
    clientId: `b${i}`,
  };
}

/** Commits per second straight into the store, one writer, no server in between. */
async function storeRate(batchSize: number, count: number, options: BenchOptions): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'natter-bench-'));
  const store = new SqliteStore(path.join(dir, 'natter.db'), {
    synchronous: options.dbSync as 'full' | 'normal',
  });
  const start = nowUs();
  for (let i = 0; i < count; i += batchSize) {
    const batch = [];
    for (let j = i; j < Math.min(i + batchSize, count); j++) batch.push(storedMessage(j));
    await store.appendMessages(batch);
  }
  const seconds = (nowUs() - start) / 1e6;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return count / seconds;
}

export async function historyWorkload(
  pool: WorkerPool,
  server: ServerUnderTest,
  options: BenchOptions,
): Promise<HistoryResult> {
  const storeSingle = await storeRate(
    1,
    Math.max(100, Math.round(options.historyMessages / 10)),
    options,
  );
  const storeBatched = await storeRate(100, options.historyMessages * 2, options);
  const senders = options.historySenders;
  const joiner = senders; // one more client, after the senders
  await populate(pool, server, options, senders + 1, '#lobby');
  const perSender = Math.ceil(options.historyMessages / senders);
  await server.scrape();
  const start = mark(server);
  const startAtUs = nowUs() + 200_000;
  const replies = await pool.each((w) => ({
    op: 'fanout',
    room: '#lobby',
    senders: pool.share(w, senders),
    perSender,
    window: options.historyWindow,
    payloadBytes: options.payloadBytes,
    totalMessages: perSender * senders,
    startAtUs,
    maxMs: 120_000,
  }));
  const lastAckUs = Math.max(...replies.map((r) => r.lastAckUs as number));
  const ackSeconds = (lastAckUs - startAtUs) / 1e6;
  const ackPhase = phaseOf(server, replies, ackSeconds, start, await server.scrape());
  const replay = await pool.one(joiner, {
    op: 'replay',
    index: joiner,
    room: '#lobby',
    joins: options.historyJoins,
  });
  const perJoin = Histogram.from(replay.perJoin as HistogramData);
  return {
    storeSinglePerSecond: storeSingle,
    storeBatchedPerSecond: storeBatched,
    serverAckedPerSecond: (perSender * senders) / ackSeconds,
    ackPhase,
    joins: options.historyJoins,
    replayed: replay.replayed as number,
    joinMeanMs: perJoin.mean / 1000,
    joinP50Ms: perJoin.percentile(50) / 1000,
    joinP99Ms: perJoin.percentile(99) / 1000,
  };
}
