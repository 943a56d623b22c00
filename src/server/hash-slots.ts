/**
 * Admission for password hashes. One scrypt hash at the default cost holds
 * 128 MiB for a few hundred milliseconds on libuv's thread pool (4 threads,
 * shared with file I/O), and `register`, `password` and password logins each
 * start one, so without a cap a handful of connections can take the
 * server's memory and starve everyone's logins. Three bounds:
 *   - at most one hash per connection at a time (a second request is
 *     refused, not queued);
 *   - at most `concurrent` hashes running server-wide, sized to memory;
 *   - at most `queue` waiting, of which one address (IPv4, or IPv6 /64)
 *     holds at most a quarter, so a few addresses cannot fill it for an
 *     owner logging in from elsewhere. Past that, `busy`.
 * Waiting hashes are served round-robin by address, so someone logging in
 * from elsewhere waits for at most one hash per busy address, not for
 * everything a flooding address queued first.
 */
import { totalmem } from 'node:os';
import { natterError, type NatterError } from '../protocol/errors.ts';
import type { ScryptParams } from './passwords.ts';

export interface HashLimits {
  /** Hashes running at once. */
  concurrent: number;
  /** Hashes waiting for a slot. */
  queue: number;
}

/** Memory one scrypt hash needs: 128 · N · r bytes (plus a little). */
export function hashBytes(params: ScryptParams): number {
  return 128 * params.N * params.r;
}

/**
 * The default number of hashes at once: one per GiB of memory for 128 MiB
 * hashes (an eighth of memory at most), never more than 2 — the other two
 * of libuv's four threads stay free for everything else.
 */
export function defaultConcurrency(params: ScryptParams, memoryBytes = totalmem()): number {
  return Math.max(1, Math.min(2, Math.floor(memoryBytes / 8 / hashBytes(params))));
}

export class HashSlots {
  readonly #limits: HashLimits;
  /** Waiting starts by address group, in the order the groups take turns. */
  readonly #waiting = new Map<string, (() => void)[]>();
  #waitingCount = 0;
  /** Connections with a hash running or waiting. */
  readonly #owners = new Set<object>();
  /** Hashes running or waiting per address group. */
  readonly #groups = new Map<string, number>();
  #running = 0;
  #peak = 0;

  constructor(limits: HashLimits) {
    this.#limits = limits;
  }

  get running(): number {
    return this.#running;
  }

  /** The most hashes that ever ran at once. */
  get peak(): number {
    return this.#peak;
  }

  get waiting(): number {
    return this.#waitingCount;
  }

  /**
   * Runs `work` (a hash) when a slot is free, or says why not. `owner` is the
   * connection, `group` its address group.
   */
  run<T>(owner: object, group: string, work: () => Promise<T>): Promise<T> | NatterError {
    if (this.#owners.has(owner)) {
      return natterError('rate_limited', 'one password check at a time, please');
    }
    const queueFull = this.#waitingCount >= this.#limits.queue;
    const groupShare = Math.max(1, Math.floor(this.#limits.queue / 4));
    const mustWait = this.#running >= this.#limits.concurrent;
    if (mustWait && (queueFull || (this.#groups.get(group) ?? 0) >= groupShare)) {
      return natterError('busy', 'the server is busy checking passwords; try again in a moment');
    }
    this.#owners.add(owner);
    this.#groups.set(group, (this.#groups.get(group) ?? 0) + 1);
    const finish = () => {
      this.#running--;
      this.#owners.delete(owner);
      const left = (this.#groups.get(group) ?? 1) - 1;
      if (left <= 0) this.#groups.delete(group);
      else this.#groups.set(group, left);
      this.#next();
    };
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.#running++;
        this.#peak = Math.max(this.#peak, this.#running);
        // The slot is free before the caller hears back: its next hash may follow at once.
        work().then(
          (value) => {
            finish();
            resolve(value);
          },
          (error: unknown) => {
            finish();
            reject(error);
          },
        );
      };
      if (!mustWait) return start();
      const line = this.#waiting.get(group);
      if (line) line.push(start);
      else this.#waiting.set(group, [start]);
      this.#waitingCount++;
    });
  }

  /** Starts the next waiting hash: the first group's, which then goes to the back. */
  #next(): void {
    const first = this.#waiting.entries().next();
    if (first.done) return;
    const [group, line] = first.value;
    const start = line.shift()!;
    this.#waiting.delete(group);
    if (line.length > 0) this.#waiting.set(group, line);
    this.#waitingCount--;
    start();
  }
}
