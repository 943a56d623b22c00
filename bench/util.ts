/** Small helpers shared by the bench coordinator and its load-generator workers. */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

/**
 * Wall-clock time in microseconds with sub-millisecond resolution. Every
 * process on the machine reads the same clock, so a timestamp written by a
 * sender in one worker can be compared with the time a receiver in another
 * worker sees it.
 */
export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** Progress goes to stderr; the table and the results file name to stdout. */
export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** CPU time of this process (user + system) in seconds. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Runs `fn` over `items` with at most `concurrency` calls in flight. */
export async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from(
    { length: Math.max(1, Math.min(concurrency, items.length)) },
    async () => {
      while (next < items.length) await fn(items[next++]!);
    },
  );
  await Promise.all(lanes);
}

/** Event-loop delay of this process, reset per phase. */
export class LoopDelay {
  readonly #histogram: ReturnType<typeof monitorEventLoopDelay> = monitorEventLoopDelay({
    resolution: 10,
  });

  constructor() {
    this.#histogram.enable();
  }

  reset(): void {
    this.#histogram.reset();
  }

  /** p99 in milliseconds since the last reset. */
  p99Ms(): number {
    return this.#histogram.count === 0 ? 0 : this.#histogram.percentile(99) / 1e6;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
