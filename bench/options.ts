/** The bench's command line: usage, flags and the defaults of each workload (full and --quick). */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';

export const USAGE = `usage: npm run bench -- [options]      (or: natter bench [options])

Starts a natter server (and InspIRCd, when installed), opens TLS clients from
load-generator worker processes, runs the workloads and prints a table; the
full results go to bench/results/<date>.json.

  --quick                  small smoke run (~20 s)
  --workloads LIST         connect,fanout,latency,history (default: all)
  --workers N              load-generator processes (default: one per CPU)
  --fanout-workers N       of which the fanout workload uses (default: CPUs − 1, at least 1)
  --rounds N               run natter and the peer alternately N times; the median run
                           of each side is shown, all runs are in the JSON (1)
  --peer auto|none|PATH|websocket
                           InspIRCd binary to compare with (auto: inspircd on PATH);
                           websocket: natter over its WebSocket (/ws) beside the native dialect
  --natter-driver native|irc
                           how clients speak to natter: its native protocol (default), or
                           IRC on its --irc-port through the same driver as InspIRCd
  --connect-clients N      connections held by the connect workload (10000)
  --no-connect-peer        run connect against natter only
  --fanout-clients N       clients in the room (1000)
  --fanout-senders N       of which senders (10)
  --fanout-messages N      messages per sender, per window (500)
  --fanout-windows LIST    unconfirmed messages per sender, each run in turn; the
                           best is the saturation figure (16,64,256)
  --latency-clients N      clients in the room (1000)
  --latency-rate N         messages per second offered, on a fixed schedule (200)
  --latency-senders N      senders sharing that rate (10)
  --latency-seconds N      measured seconds, after 1 s of warm-up (10)
  --history-messages N     messages the history workload stores through the server (20000)
  --history-joins N        joins measuring history replay (500)
  --payload BYTES          message text size (100)
  --db-sync full|normal    natter's --db-sync (default full, natter's default)
  --host H --port P        measure a running natter instead of starting one
  --server-pid PID         with --host/--port: its pid, for CPU and RSS
  --server-prof DIR        run natter under node --cpu-prof, profiles into DIR
  --out FILE               JSON results file (default bench/results/<date>.json)
  --quiet-wait SECONDS     before each server starts, wait up to this long for the
                           machine to be idle (other processes < 15% of a core) (0)
`;

const OPTION_SPEC = {
  quick: { type: 'boolean', default: false },
  workloads: { type: 'string' },
  workers: { type: 'string' },
  'fanout-workers': { type: 'string' },
  rounds: { type: 'string' },
  peer: { type: 'string' },
  'natter-driver': { type: 'string' },
  'connect-clients': { type: 'string' },
  'connect-peer': { type: 'boolean', default: true },
  'fanout-clients': { type: 'string' },
  'fanout-senders': { type: 'string' },
  'fanout-messages': { type: 'string' },
  'fanout-windows': { type: 'string' },
  'latency-clients': { type: 'string' },
  'latency-rate': { type: 'string' },
  'latency-senders': { type: 'string' },
  'latency-seconds': { type: 'string' },
  'history-messages': { type: 'string' },
  'history-joins': { type: 'string' },
  payload: { type: 'string' },
  'db-sync': { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'server-pid': { type: 'string' },
  'server-prof': { type: 'string' },
  out: { type: 'string' },
  'quiet-wait': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: false,
    allowNegative: true,
    options: OPTION_SPEC,
  }).values;
}

export const WORKLOADS = ['connect', 'fanout', 'latency', 'history'] as const;
export type Workload = (typeof WORKLOADS)[number];

function natterDriver(value: string | undefined): 'natter' | 'irc' {
  if (value === undefined || value === 'native') return 'natter';
  if (value === 'irc') return 'irc';
  throw new Error(`--natter-driver: native or irc, not ${value}`);
}

function dbSync(value: string | undefined): 'full' | 'normal' {
  if (value === undefined || value === 'full' || value === 'normal') return value ?? 'full';
  throw new Error(`--db-sync: full or normal, not ${value}`);
}

export function optionsFrom(args: BenchArgs) {
  const num = (name: keyof typeof args, full: number, quick: number): number => {
    const raw = args[name];
    const value = typeof raw === 'string' ? Number(raw) : args.quick ? quick : full;
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name}: not a number: ${raw}`);
    return value;
  };
  return {
    quick: args.quick,
    workloads: (args.workloads?.split(',').map((w) => w.trim()) ?? [...WORKLOADS]) as Workload[],
    workers: Math.max(1, num('workers', cpus().length, cpus().length)),
    // Fanout batches many messages per TLS record, so the generator's work per
    // delivery is small; a core left to the server matters more than a second worker.
    fanoutWorkers: Math.max(1, num('fanout-workers', cpus().length - 1, cpus().length - 1)),
    rounds: Math.max(1, num('rounds', 1, 1)),
    quietWaitSeconds: num('quiet-wait', 0, 0),
    peer: args.peer ?? 'auto',
    natterDriver: natterDriver(args['natter-driver']),
    connectClients: num('connect-clients', 10_000, 500),
    /** Seconds to let memory settle before reading RSS (no GC is forced on the server). */
    settleSeconds: args.quick ? 0.5 : 3,
    connectPeer: args['connect-peer'],
    fanoutClients: num('fanout-clients', 1_000, 200),
    fanoutSenders: num('fanout-senders', 10, 5),
    fanoutMessages: num('fanout-messages', 500, 100),
    fanoutWindows: (args['fanout-windows'] ?? (args.quick ? '64' : '16,64,256'))
      .split(',')
      .map(Number)
      .filter((w) => w > 0),
    latencyClients: num('latency-clients', 1_000, 200),
    latencyRate: num('latency-rate', 200, 100),
    latencySenders: num('latency-senders', 10, 5),
    latencySeconds: num('latency-seconds', 10, 1.5),
    latencyWarmupSeconds: args.quick ? 0.5 : 1,
    historyMessages: num('history-messages', 20_000, 1_000),
    historyJoins: num('history-joins', 500, 100),
    historySenders: 10,
    historyWindow: 32,
    payloadBytes: num('payload', 100, 100),
    dbSync: dbSync(args['db-sync']),
    connectConcurrency: 100, // handshakes in flight per worker
    loginConcurrency: 50, // logins in flight per worker
  };
}

export type BenchArgs = ReturnType<typeof parse>;
export type BenchOptions = ReturnType<typeof optionsFrom>;
