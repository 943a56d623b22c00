/**
 * `npm run bench` / `natter bench`: natter's load generator and its
 * side-by-side comparison with InspIRCd (issue 6). See docs/performance.md
 * for what each figure means.
 *
 * The coordinator (this file) starts the servers under test as child
 * processes, starts load-generator workers (load-worker.ts), runs the named
 * workloads (workloads.ts) — natter and the peer alternately — and prints a
 * table (report.ts), also written as JSON to bench/results/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  optionsFrom,
  parse,
  USAGE,
  WORKLOADS,
  type BenchArgs,
  type BenchOptions,
} from './options.ts';
import { WorkerPool } from './pool.ts';
import { hardFileLimit, machineBusySeconds } from './processes.ts';
import {
  connectRows,
  fanoutRows,
  historyRows,
  latencyRows,
  medianRun,
  renderTable,
  setPeerLabel,
  type Row,
} from './report.ts';
import {
  externalNatter,
  GAUGES,
  startInspircd,
  startNatter,
  type ServerUnderTest,
} from './servers.ts';
import { log, nowUs, ownCpuSeconds, sleep } from './util.ts';
import {
  connectWorkload,
  fanoutWorkload,
  historyWorkload,
  latencyWorkload,
  type ConnectResult,
  type FanoutResult,
  type LatencyResult,
} from './workloads.ts';

let args: BenchArgs;
let options: BenchOptions;

/** `--peer websocket`: the peer is natter itself, reached over its WebSocket at /ws. */
const WEBSOCKET_PEER = 'websocket';

function findPeer(): string | null {
  if (options.peer === 'none') return null;
  if (options.peer === WEBSOCKET_PEER) return WEBSOCKET_PEER;
  if (options.peer !== 'auto') {
    if (existsSync(options.peer)) return options.peer;
    log(`peer: ${options.peer} not found`);
    return null;
  }
  try {
    return (
      execFileSync('/bin/sh', ['-c', 'command -v inspircd'], { encoding: 'utf8' }).trim() || null
    );
  } catch {
    return null;
  }
}

function peerVersion(binary: string): string {
  if (binary === WEBSOCKET_PEER) return 'natter over WebSocket (/ws), same flags';
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim().split('\n')[0]!;
  } catch {
    return path.basename(binary);
  }
}

/**
 * Waits until processes other than the bench's have used under 15 % of a
 * core for 3 s in a row (the workers are idle between workloads), or gives up
 * after `maxSeconds`.
 */
async function waitForQuiet(maxSeconds: number): Promise<void> {
  const deadline = Date.now() + maxSeconds * 1000;
  let quiet = 0;
  let waited = false;
  while (quiet < 3) {
    const before = machineBusySeconds();
    const own = ownCpuSeconds();
    await sleep(1000);
    const after = machineBusySeconds();
    if (before === null || after === null) return;
    const others = after - before - (ownCpuSeconds() - own);
    quiet = others < 0.15 ? quiet + 1 : 0;
    if (quiet === 0 && !waited) {
      waited = true;
      log(
        `  waiting for the machine to be idle (other processes ${(others * 100).toFixed(0)}% of a core)…`,
      );
    }
    if (Date.now() > deadline) {
      log(`  still busy after ${maxSeconds} s; measuring anyway`);
      return;
    }
  }
}

async function main(): Promise<number> {
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const external =
    args.host !== undefined || args.port !== undefined
      ? externalNatter(
          args.host ?? '127.0.0.1',
          Number(args.port ?? 7447),
          args['server-pid'] ? Number(args['server-pid']) : null,
        )
      : null;
  const peerBinary = findPeer();
  const biggest = Math.max(
    options.workloads.includes('connect') ? options.connectClients : 0,
    options.workloads.includes('fanout') ? options.fanoutClients : 0,
    options.workloads.includes('latency') ? options.latencyClients : 0,
  );
  const hard = hardFileLimit();
  const perWorker = Math.ceil(biggest / options.workers) + 100;
  if (hard !== null && (hard < perWorker || hard < biggest + 200)) {
    log(
      `warning: the hard open-files limit (${hard}) is below what ${biggest} clients need ` +
        `(${perWorker} per worker, ${biggest + 200} in the server); raise it (ulimit -Hn, limits.conf) or use fewer clients`,
    );
  }
  const date = new Date();
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    kernel: release(),
    node: process.version,
    openFilesHardLimit: hard,
  };
  log(
    `natter bench ${date.toISOString()} — ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}`,
  );
  log(
    peerBinary
      ? `peer: ${peerVersion(peerBinary)} (${peerBinary})`
      : options.peer === 'none'
        ? 'peer: skipped (--peer none)'
        : 'peer: InspIRCd not found on PATH — natter-only figures (apt-get install inspircd to compare)',
  );
  log(
    `load generator: ${options.workers} worker processes (fanout uses ${Math.min(options.fanoutWorkers, options.workers)})`,
  );

  setPeerLabel(peerBinary === WEBSOCKET_PEER ? 'natter-ws' : 'inspircd');
  const pool = WorkerPool.start(options.workers);
  const results: Record<string, unknown> = {};
  const rows: Row[] = [];
  const notes: string[] = [];
  if (options.natterDriver === 'irc') {
    log('natter driver: IRC on --irc-port, the same driver as the peer');
    notes.push('natter measured through the IRC driver (its --irc-port), as InspIRCd is');
  }
  let profileCount = 0;

  const run = async <T>(
    label: string,
    kind: 'natter' | 'inspircd',
    historyOnJoin: number,
    body: (server: ServerUnderTest) => Promise<T>,
  ): Promise<T> => {
    if (options.quietWaitSeconds > 0) await waitForQuiet(options.quietWaitSeconds);
    const began = nowUs();
    log(`${label}: ${kind === 'inspircd' && peerBinary === WEBSOCKET_PEER ? 'natter-ws' : kind}…`);
    const server =
      kind === 'inspircd' && peerBinary === WEBSOCKET_PEER
        ? {
            ...(await startNatter({
              historyOnJoin,
              dbSync: options.dbSync,
              cpuProfDir: args['server-prof'],
              driver: 'natter',
            })),
            driver: 'natter-ws' as const,
          }
        : kind === 'inspircd'
          ? await startInspircd({ binary: peerBinary!, maxClients: 100_000 })
          : (external ??
            (await startNatter({
              historyOnJoin,
              dbSync: options.dbSync,
              cpuProfDir: args['server-prof'],
              // History replay is measured with natter's own protocol.
              driver: label === 'history' ? 'natter' : options.natterDriver,
            })));
    if (kind === 'natter' && !external && args['server-prof']) profileCount++;
    try {
      return await Promise.race([body(server), server.died]);
    } finally {
      await pool.all({ op: 'close' });
      await server.stop();
      log(`  (${label}: ${kind} took ${((nowUs() - began) / 1e6).toFixed(1)} s)`);
    }
  };
  let peerBroken = false;
  const sides = (withPeer: boolean): ('natter' | 'inspircd')[] =>
    withPeer && peerBinary && !peerBroken ? ['natter', 'inspircd'] : ['natter'];
  /** Runs one side; a failing peer is reported and left out from then on, natter failing is fatal. */
  const attempt = async <T>(
    label: string,
    side: 'natter' | 'inspircd',
    body: (server: ServerUnderTest) => Promise<T>,
    into: Record<string, T[]>,
  ): Promise<void> => {
    try {
      (into[side] ??= []).push(await run(label, side, 0, body));
    } catch (error) {
      if (side === 'natter') throw error;
      peerBroken = true;
      const message = error instanceof Error ? error.message : String(error);
      log(`  the peer failed, comparisons skipped: ${message}`);
      notes.push(`peer failed during ${label}, comparisons skipped: ${message.split('\n')[0]}`);
    }
  };

  try {
    for (const workload of options.workloads) {
      if (workload === 'connect') {
        const bySide: Record<string, ConnectResult[]> = {};
        for (let round = 0; round < options.rounds; round++) {
          for (const side of sides(options.connectPeer)) {
            await attempt('connect', side, (s) => connectWorkload(pool, s, options), bySide);
          }
        }
        const byRss = (r: ConnectResult) => r.rssPerConnectionKiB ?? 0;
        const natter = medianRun(bySide.natter!, byRss);
        const peer = bySide.inspircd ? medianRun(bySide.inspircd, byRss) : null;
        results.connect = { natter, peer, runs: bySide };
        rows.push(...connectRows(natter, peer, notes));
      }
      if (workload === 'fanout') {
        const bySide: Record<string, FanoutResult[]> = {};
        for (let round = 0; round < options.rounds; round++) {
          for (const side of sides(true)) {
            const fanoutPool = pool.subset(options.fanoutWorkers);
            await attempt('fanout', side, (s) => fanoutWorkload(fanoutPool, s, options), bySide);
          }
        }
        const byRate = (r: FanoutResult) => r.deliveriesPerSecond;
        const natter = medianRun(bySide.natter!, byRate);
        const peer = bySide.inspircd ? medianRun(bySide.inspircd, byRate) : null;
        results.fanout = { natter, peer, runs: bySide };
        rows.push(...fanoutRows(natter, peer, options, notes));
      }
      if (workload === 'latency') {
        const bySide: Record<string, LatencyResult[]> = {};
        for (let round = 0; round < options.rounds; round++) {
          for (const side of sides(true)) {
            await attempt('latency', side, (s) => latencyWorkload(pool, s, options), bySide);
          }
        }
        const byP99 = (r: LatencyResult) => r.p99Ms;
        const natter = medianRun(bySide.natter!, byP99);
        const peer = bySide.inspircd ? medianRun(bySide.inspircd, byP99) : null;
        results.latency = { natter, peer, runs: bySide };
        rows.push(...latencyRows(natter, peer, notes));
      }
      if (workload === 'history') {
        const result = await run('history', 'natter', 50, (s) => historyWorkload(pool, s, options));
        results.history = result;
        rows.push(...historyRows(result, options));
      }
    }
  } finally {
    await pool.close();
  }

  const table = renderTable(rows, peerBinary !== null);
  const peerText = peerBinary ? peerVersion(peerBinary) : 'no peer';
  process.stdout.write(
    `\nnatter bench, ${date.toISOString().slice(0, 16).replace('T', ' ')} UTC — ${machine.cpus} CPUs, ${machine.memoryGiB} GiB, Node ${machine.node}, ${peerText}, ${options.workers} load-generator workers\n\n${table}\n`,
  );
  if (notes.length) process.stdout.write(`\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
  if (profileCount)
    process.stdout.write(`\nserver CPU profiles (${profileCount}) in ${args['server-prof']}\n`);

  const outFile =
    args.out ??
    path.join(
      path.dirname(fileURLToPath(import.meta.url)),
      'results',
      `${date.toISOString().replace(/[:.]/gu, '-')}.json`,
    );
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(
    outFile,
    JSON.stringify(
      {
        date: date.toISOString(),
        machine,
        peer: peerBinary ? peerVersion(peerBinary) : null,
        options,
        gauges: GAUGES,
        rows,
        notes,
        results,
      },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write(`\nresults: ${path.relative(process.cwd(), outFile)}\n`);
  return 0;
}

/** A bad command line: the caller prints the message and exits with 2. */
export class BenchUsageError extends Error {}

/** Runs the bench with command-line arguments; resolves with the exit code. */
export async function bench(argv: readonly string[]): Promise<number> {
  try {
    args = parse(argv);
    options = optionsFrom(args);
    for (const w of options.workloads) {
      if (!WORKLOADS.includes(w))
        throw new Error(`unknown workload ${w} (${WORKLOADS.join(', ')})`);
    }
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
  return main();
}
