/**
 * One load-generator process. The coordinator (bench.ts) starts several and
 * gives each a share of the clients; it sends one request at a time over the
 * IPC channel and gets one reply per request. Every reply carries this
 * process's CPU time and event-loop delay, so the coordinator can tell
 * whether the generator, rather than the server, was the bottleneck.
 */
import { payload, senderTag, timestampIn, type ChatConn, type DriverName } from './drivers.ts';
import { Histogram, type HistogramData } from './histogram.ts';
import { createConn } from './ws-driver.ts';
import { errorMessage, inParallel, LoopDelay, nowUs, ownCpuSeconds, sleep } from './util.ts';

export type WorkerRequest =
  | {
      op: 'open';
      driver: DriverName;
      host: string;
      port: number;
      indices: number[];
      concurrency: number;
    }
  | {
      op: 'login';
      /** Clients with global index i join `rooms[Math.floor(i / roomSize)]`, or `room`. */
      room: string;
      roomSize: number;
      concurrency: number;
    }
  | { op: 'quiesce'; quietMs: number; maxMs: number }
  | {
      op: 'fanout';
      room: string;
      senders: number[];
      perSender: number;
      window: number;
      payloadBytes: number;
      totalMessages: number;
      startAtUs: number;
      maxMs: number;
    }
  | {
      op: 'latency';
      room: string;
      /** Global sender index and its phase offset in the schedule. */
      senders: { index: number; offsetUs: number }[];
      intervalUs: number;
      perSender: number;
      payloadBytes: number;
      totalMessages: number;
      startAtUs: number;
      warmupUs: number;
      drainMs: number;
    }
  | { op: 'replay'; index: number; room: string; joins: number }
  | { op: 'close' }
  | { op: 'exit' };

export interface WorkerReply {
  cpuSeconds: number;
  loopDelayP99Ms: number;
  error?: string;
  [key: string]: unknown;
}

const conns = new Map<number, ChatConn>();
const loop = new LoopDelay();
let disconnects = 0;

function local(): ChatConn[] {
  return [...conns.values()];
}

async function open(request: Extract<WorkerRequest, { op: 'open' }>) {
  const handshakes = new Histogram();
  let failed = 0;
  let firstError: string | undefined;
  const startUs = nowUs();
  await inParallel(request.indices, request.concurrency, async (index) => {
    const conn = createConn(request.driver, index, `b${index}`);
    try {
      handshakes.record(await conn.open(request.host, request.port));
      conn.onClose = () => {
        disconnects++;
        conns.delete(index);
      };
      conns.set(index, conn);
    } catch (error) {
      failed++;
      firstError ??= errorMessage(error);
    }
  });
  return {
    opened: request.indices.length - failed,
    failed,
    firstError,
    startUs,
    endUs: nowUs(),
    handshakes: handshakes.toJSON(),
  };
}

async function login(request: Extract<WorkerRequest, { op: 'login' }>) {
  let failed = 0;
  let firstError: string | undefined;
  const startUs = nowUs();
  await inParallel(local(), request.concurrency, async (conn) => {
    const room =
      request.roomSize > 0
        ? `${request.room}${Math.floor(conn.index / request.roomSize)}`
        : request.room;
    try {
      await conn.login(room);
    } catch (error) {
      failed++;
      firstError ??= errorMessage(error);
    }
  });
  return { loggedIn: conns.size - failed, failed, firstError, startUs, endUs: nowUs() };
}

/** Waits until nothing has arrived on any connection for `quietMs` (join storms settle). */
async function quiesce(request: Extract<WorkerRequest, { op: 'quiesce' }>) {
  const deadline = Date.now() + request.maxMs;
  for (;;) {
    const last = Math.max(0, ...local().map((c) => c.lastDataMs));
    const quietFor = Date.now() - last;
    if (quietFor >= request.quietMs || Date.now() >= deadline)
      return { quiet: quietFor >= request.quietMs };
    await sleep(Math.min(request.quietMs - quietFor + 5, 100));
  }
}

async function untilStart(startAtUs: number): Promise<void> {
  const wait = (startAtUs - nowUs()) / 1000;
  if (wait > 0) await sleep(wait);
}

/**
 * Saturation: every sender keeps `window` messages unconfirmed (natter:
 * acks; IRC: a PING after each message, answered in order), every client
 * counts the room messages it receives. Ends when all arrived or at maxMs.
 */
async function fanout(request: Extract<WorkerRequest, { op: 'fanout' }>) {
  const clients = local();
  const senderSet = new Set(request.senders);
  let remaining = clients.length;
  let lastCompleteUs = 0;
  let delivered = 0;
  let echoes = 0;
  let errors = 0;
  let firstError: string | undefined;
  let sendersDone = 0;
  let lastAckUs = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const senderStarts: (() => void)[] = [];
  const runId = request.startAtUs.toString(36); // ids never repeat across runs
  for (const conn of clients) {
    const sender = senderSet.has(conn.index);
    const own = sender ? request.perSender : 0;
    const expected = request.totalMessages - (conn.echoes ? 0 : own);
    const tag = senderTag(conn.index);
    let received = 0;
    let sent = 0;
    let acked = 0;
    const sendNext = () => {
      const id = `${runId}.${sent++}`;
      conn.say(request.room, payload(nowUs(), conn.index, request.payloadBytes), id, true);
    };
    const complete = () => {
      lastCompleteUs = nowUs();
      if (--remaining === 0) finish();
    };
    if (expected === 0) complete();
    conn.onLine = (buf, start, end) => {
      if (conn.isDelivery(buf, start, end)) {
        const at = sender && conn.echoes ? buf.indexOf(tag, start) : -1;
        if (at >= 0 && at < end) echoes++;
        else delivered++;
        if (++received === expected) complete();
      } else if (sender && conn.isAck(buf, start, end)) {
        acked++;
        if (sent < request.perSender) sendNext();
        if (acked === request.perSender) {
          sendersDone++;
          lastAckUs = nowUs();
        }
      } else if (conn.isError(buf, start, end)) {
        errors++;
        firstError ??= buf.toString('utf8', start, Math.min(end, start + 200));
      }
    };
    if (sender) {
      senderStarts.push(() => {
        while (sent < Math.min(request.window, request.perSender)) sendNext();
      });
    }
  }
  const disconnectsBefore = disconnects;
  await untilStart(request.startAtUs);
  for (const start of senderStarts) start();
  const timeout = setTimeout(finish, request.maxMs);
  await finished;
  clearTimeout(timeout);
  for (const conn of clients) conn.onLine = () => {};
  return {
    delivered,
    echoes,
    complete: remaining === 0,
    incompleteClients: remaining,
    lastCompleteUs: remaining === 0 ? lastCompleteUs : nowUs(),
    sendersDone,
    lastAckUs,
    errors,
    firstError,
    disconnects: disconnects - disconnectsBefore,
  };
}

/**
 * Open loop: each sender sends on a fixed schedule whatever happens to the
 * replies; each message carries the time it was due, so a late send counts
 * as latency (no coordinated omission). Receivers record arrival − due.
 */
async function latency(request: Extract<WorkerRequest, { op: 'latency' }>) {
  const clients = local();
  const histogram = new Histogram();
  const sendLag = new Histogram();
  const measureFrom = request.startAtUs + request.warmupUs;
  const senderSet = new Set(request.senders.map((s) => s.index));
  const runId = request.startAtUs.toString(36); // ids never repeat across runs
  let remaining = clients.length;
  let delivered = 0;
  let errors = 0;
  let firstError: string | undefined;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  for (const conn of clients) {
    const sender = senderSet.has(conn.index);
    const expected = request.totalMessages - (sender && !conn.echoes ? request.perSender : 0);
    const tag = senderTag(conn.index);
    let received = 0;
    conn.stamp = true;
    if (expected === 0 && --remaining === 0) finish();
    conn.onLine = (buf, start, end) => {
      if (conn.isDelivery(buf, start, end)) {
        if (++received === expected && --remaining === 0) finish();
        if (sender && conn.echoes) {
          const at = buf.indexOf(tag, start);
          if (at >= 0 && at < end) return; // its own message coming back
        }
        delivered++;
        const due = timestampIn(buf, start, end);
        if (due >= measureFrom) histogram.record(conn.chunkAtUs - due);
      } else if (conn.isError(buf, start, end)) {
        errors++;
        firstError ??= buf.toString('utf8', start, Math.min(end, start + 200));
      }
    };
  }
  const schedule = request.senders
    .map((s) => ({ conn: conns.get(s.index), offsetUs: s.offsetUs, next: 0 }))
    .filter((s): s is { conn: ChatConn; offsetUs: number; next: number } => s.conn !== undefined);
  let sent = 0;
  const disconnectsBefore = disconnects;
  await untilStart(request.startAtUs);
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = nowUs();
      let nextDue = Infinity;
      for (const s of schedule) {
        let due = request.startAtUs + s.offsetUs + s.next * request.intervalUs;
        while (s.next < request.perSender && due <= now) {
          const text = payload(due, s.conn.index, request.payloadBytes);
          s.conn.say(request.room, text, `${runId}.${s.next}`, false);
          sendLag.record(now - due);
          s.next++;
          sent++;
          due += request.intervalUs;
        }
        if (s.next < request.perSender) nextDue = Math.min(nextDue, due);
      }
      if (nextDue === Infinity) resolve();
      else setTimeout(tick, Math.max(0, (nextDue - nowUs()) / 1000));
    };
    tick();
  });
  const timeout = setTimeout(finish, request.drainMs);
  await finished;
  clearTimeout(timeout);
  for (const conn of clients) {
    conn.onLine = () => {};
    conn.stamp = false;
  }
  return {
    histogram: histogram.toJSON(),
    sendLag: sendLag.toJSON(),
    sent,
    delivered,
    complete: remaining === 0,
    incompleteClients: remaining,
    errors,
    firstError,
    disconnects: disconnects - disconnectsBefore,
  };
}

/** History replay on join: one client leaves and re-joins a room `joins` times. */
async function replay(request: Extract<WorkerRequest, { op: 'replay' }>) {
  const conn = conns.get(request.index);
  if (!conn || !('rejoin' in conn)) throw new Error('replay needs a natter connection');
  const rejoin = (conn as ChatConn & { rejoin(room: string): Promise<number> }).rejoin.bind(conn);
  const perJoin = new Histogram();
  let replayed = 0;
  const startUs = nowUs();
  for (let i = 0; i < request.joins; i++) {
    const began = nowUs();
    replayed += await rejoin(request.room);
    perJoin.record(nowUs() - began);
  }
  return { totalUs: nowUs() - startUs, replayed, perJoin: perJoin.toJSON() };
}

async function closeAll() {
  const clients = local();
  const closed = Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.closed) return resolve();
          c.socket?.once('close', () => resolve());
          c.close();
        }),
    ),
  );
  await Promise.race([closed, sleep(5000)]);
  conns.clear();
  disconnects = 0;
  return { closed: clients.length };
}

async function handle(request: WorkerRequest): Promise<Record<string, unknown>> {
  switch (request.op) {
    case 'open':
      return open(request);
    case 'login':
      return login(request);
    case 'quiesce':
      return quiesce(request);
    case 'fanout':
      return fanout(request);
    case 'latency':
      return latency(request);
    case 'replay':
      return replay(request);
    case 'close':
      return closeAll();
    case 'exit':
      await closeAll();
      setImmediate(() => process.exit(0));
      return {};
  }
}

process.on('message', (message: { seq: number; request: WorkerRequest }) => {
  const cpuBefore = ownCpuSeconds();
  loop.reset();
  handle(message.request).then(
    (result) => reply(message.seq, result, cpuBefore),
    (error: unknown) => reply(message.seq, { error: errorMessage(error) }, cpuBefore),
  );
});

function reply(seq: number, result: Record<string, unknown>, cpuBefore: number): void {
  const body: WorkerReply = {
    ...result,
    cpuSeconds: ownCpuSeconds() - cpuBefore,
    loopDelayP99Ms: loop.p99Ms(),
  };
  process.send!({ seq, reply: body });
}

process.on('disconnect', () => process.exit(0)); // the coordinator went away

export type { HistogramData };
