/**
 * Reconnect delays: exponential, capped, with jitter so that the clients of a
 * restarted server do not all come back in the same millisecond.
 */

export interface BackoffOptions {
  /** Delay before the first retry. */
  initialMs: number;
  /** No delay is longer than this. */
  maxMs: number;
  /** Each retry waits this many times longer than the one before. */
  factor: number;
  /** 0..1: the share of each delay that is random (0.5: between half and all of it). */
  jitter: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  initialMs: 500,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.5,
});

/** The wait before retry number `attempt` (1 for the first retry). */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(options.maxMs, options.initialMs * options.factor ** exponent);
  return Math.round(ceiling * (1 - options.jitter * random()));
}
