/**
 * What a phase of a workload cost: the server's CPU (from /proc), the
 * load generator's (reported by each worker), other processes on the machine,
 * the server's own event-loop figures (/metrics), and a verdict on which side
 * was the bottleneck.
 */
import { cpus } from 'node:os';
import { Histogram, type HistogramData } from './histogram.ts';
import type { WorkerReply } from './load-worker.ts';
import { cpuSecondsOf, machineBusySeconds } from './processes.ts';
import type { ServerGauges, ServerUnderTest } from './servers.ts';
import { nowUs, ownCpuSeconds } from './util.ts';

export interface Phase {
  wallSeconds: number;
  serverCpuSeconds: number | null;
  generatorCpuSeconds: number;
  /** The busiest worker's CPU as a share of the phase (1 = a whole core). */
  busiestWorker: number;
  generatorLoopDelayP99Ms: number;
  /**
   * CPU used by processes other than the server, the workers and the
   * coordinator during the phase, as a share of one core: other work on the
   * machine perturbs the figures.
   */
  otherCpu: number | null;
  /** What the server itself reported for the phase (/metrics). */
  gauges: ServerGauges;
}

export interface Mark {
  atUs: number;
  server: number | null;
  machine: number | null;
  own: number;
}

/** CPU counters at the start of a phase. */
export function mark(server: ServerUnderTest): Mark {
  return {
    atUs: nowUs(),
    server: cpuSecondsOf(server.pid),
    machine: machineBusySeconds(),
    own: ownCpuSeconds(),
  };
}

export function phaseOf(
  server: ServerUnderTest,
  replies: WorkerReply[],
  wallSeconds: number,
  start: Mark,
  gauges: ServerGauges,
): Phase {
  const end = mark(server);
  const serverCpuSeconds =
    end.server === null || start.server === null ? null : end.server - start.server;
  const generatorCpuSeconds = replies.reduce((total, r) => total + r.cpuSeconds, 0);
  const elapsed = (end.atUs - start.atUs) / 1e6;
  const otherCpu =
    end.machine === null || start.machine === null || serverCpuSeconds === null
      ? null
      : Math.max(
          0,
          (end.machine -
            start.machine -
            serverCpuSeconds -
            generatorCpuSeconds -
            (end.own - start.own)) /
            elapsed,
        );
  return {
    wallSeconds,
    serverCpuSeconds,
    generatorCpuSeconds,
    busiestWorker: Math.max(...replies.map((r) => r.cpuSeconds / wallSeconds)),
    generatorLoopDelayP99Ms: Math.max(...replies.map((r) => r.loopDelayP99Ms)),
    otherCpu,
    gauges,
  };
}

/** Which side limited a throughput or latency run, judged from CPU use. */
export function bottleneck(phase: Phase): string {
  const server =
    phase.serverCpuSeconds === null ? null : phase.serverCpuSeconds / phase.wallSeconds;
  const generator = phase.generatorCpuSeconds / phase.wallSeconds;
  const cores = cpus().length;
  const parts = [
    `server CPU ${server === null ? 'n/a' : `${(server * 100).toFixed(0)}%`} of one core`,
    `load generator ${(generator * 100).toFixed(0)}% (busiest worker ${(phase.busiestWorker * 100).toFixed(0)}%)`,
  ];
  const busy = phase.gauges.loopUtilization;
  if (busy !== null) parts.push(`server event loop busy ${(busy * 100).toFixed(0)}%`);
  if (phase.otherCpu !== null && phase.otherCpu >= 0.1) {
    parts.push(`OTHER PROCESSES ${(phase.otherCpu * 100).toFixed(0)}% (figures perturbed)`);
  }
  const serverSaturated = (server !== null && server >= 0.8) || (busy !== null && busy >= 0.9);
  const generatorSaturated = phase.busiestWorker >= 0.8;
  let verdict: string;
  if (serverSaturated && generatorSaturated)
    verdict = `machine-bound (server and a generator worker both near a full core on ${cores} cores)`;
  else if (serverSaturated) verdict = 'server-bound (its single thread is saturated)';
  else if (generatorSaturated) verdict = 'load-generator-bound (a worker is saturated)';
  else if (server !== null && server + generator >= cores * 0.85)
    verdict = `machine-bound (${cores} cores shared by server and generator)`;
  else verdict = 'neither saturated (latency-bound: waiting on I/O, fsync or the schedule)';
  return `${parts.join(', ')} → ${verdict}`;
}

export function merged(replies: WorkerReply[], key: string): Histogram {
  const histogram = new Histogram();
  for (const reply of replies) histogram.merge(reply[key] as HistogramData);
  return histogram;
}

export function sum(replies: WorkerReply[], key: string): number {
  return replies.reduce((total, r) => total + ((r[key] as number | undefined) ?? 0), 0);
}

export function firstError(replies: WorkerReply[]): string | undefined {
  return replies.map((r) => r.firstError as string | undefined).find((e) => e !== undefined);
}

/** Milliseconds of CPU per item. */
export function perItem(
  cpuSeconds: number | null | undefined,
  count: number | undefined,
): number | null {
  return cpuSeconds === null || cpuSeconds === undefined || !count
    ? null
    : (cpuSeconds / count) * 1000;
}
