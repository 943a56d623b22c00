/**
 * Flood control for one session: a token bucket per connection and one per
 * name (shared across reconnects, so reconnecting does not refill it).
 * Frames over the rate wait in a small queue — a pasted paragraph is sent,
 * just paced — and once that is full they are refused with `rate_limited`.
 * Refusals are strikes; too many in a short time end the connection.
 * Queued frames run one at a time: one whose handling is asynchronous (a
 * join, a password check) finishes before the next starts, as it would had
 * it not waited. Before login, `hello` frames and text-mode name lines have
 * their own small budget instead (login-budget.ts).
 */
import type { ClientFrame } from '../protocol/frames.ts';
import { DEFAULT_LIMITS } from '../protocol/limits.ts';
import { TokenBucket, type BucketRate } from '../core/token-bucket.ts';
import { LoginBudget } from './login-budget.ts';

export interface FloodLimits {
  /** Frames allowed at once before pacing starts. */
  burst: number;
  /** Sustained frames per second. */
  perSecond: number;
  /** Frames held for pacing before further ones are refused. */
  queue: number;
  /** Refusals tolerated in a burst before disconnecting (one forgiven per 2 s). */
  strikes: number;
  /** Login attempts (hello frames, text-mode name lines) at once before login. */
  loginBurst?: number;
  /** Login attempts per minute after the burst. */
  loginPerMinute?: number;
}

/** Frames that never wait: keep-alive must work however busy the gate is. */
const IMMEDIATE = new Set<ClientFrame['type']>(['ping', 'pong', 'hello']);
/** Frames that wait their turn but cost nothing (a /quit after a paste sends the paste). */
const FREE = new Set<ClientFrame['type']>(['quit']);

export type Admission =
  | { kind: 'now' }
  | { kind: 'queued' }
  | { kind: 'refused'; retryInMs: number }
  | { kind: 'disconnect' }
  /** After a `quit`: nothing more is queued or handled. */
  | { kind: 'ignored' };

/** What a frame's handling returns: a promise when it finishes later. */
export type Run = () => void | Promise<void>;

/** Buckets by name key, kept while they carry state. */
export class NameBuckets {
  readonly #rate: BucketRate;
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(rate: BucketRate) {
    this.#rate = rate;
  }

  get(key: string, now: number): TokenBucket {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.#rate, now);
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Forgets full buckets, so the map only holds recently active names. */
  sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) if (bucket.isFull(now)) this.#buckets.delete(key);
  }

  get size(): number {
    return this.#buckets.size;
  }
}

export class FloodGate {
  readonly #limits: FloodLimits;
  readonly #connection: TokenBucket;
  readonly #strikes: TokenBucket;
  readonly #names: NameBuckets;
  readonly #nameKey: () => string | null;
  readonly #queue: { frame: ClientFrame; run: Run }[] = [];
  readonly login: LoginBudget;
  #timer: NodeJS.Timeout | undefined;
  /** A queued frame whose handling has not finished yet. */
  #running = false;
  #quitting = false;
  #stopped = false;

  constructor(limits: FloodLimits, names: NameBuckets, nameKey: () => string | null, now: number) {
    this.#limits = limits;
    this.#names = names;
    this.#nameKey = nameKey;
    this.#connection = new TokenBucket(
      { capacity: limits.burst, perSecond: limits.perSecond },
      now,
    );
    this.#strikes = new TokenBucket({ capacity: limits.strikes, perSecond: 0.5 }, now);
    this.login = new LoginBudget(
      limits.loginBurst ?? DEFAULT_LIMITS.loginBurst,
      limits.loginPerMinute ?? DEFAULT_LIMITS.loginPerMinute,
      now,
    );
  }

  /** Frames waiting, a running one included. */
  get queued(): number {
    return this.#queue.length + (this.#running ? 1 : 0);
  }

  /**
   * A `quit` was admitted (or the connection is being closed for flooding):
   * whatever the client sends after it is dropped unread.
   */
  get quitting(): boolean {
    return this.#quitting;
  }

  /** Reads nothing more from this client: its connection is about to close. */
  endInput(): void {
    this.#quitting = true;
  }

  /**
   * Decides what happens to a frame: run now, run later (`run` is called
   * when its turn comes), refused, or the connection must close.
   */
  admit(frame: ClientFrame, run: Run, now: number): Admission {
    if (this.#quitting) return { kind: 'ignored' };
    if (FREE.has(frame.type)) this.#quitting = true;
    if (IMMEDIATE.has(frame.type)) return { kind: 'now' };
    if (this.queued === 0 && this.#take(frame, now)) return { kind: 'now' };
    // The one quit goes past a full queue (a /quit after a paste sends the
    // paste first); nothing follows it, so the queue holds queue + 1 at most.
    if (this.#queue.length < this.#limits.queue || FREE.has(frame.type)) {
      this.#queue.push({ frame, run });
      this.#schedule(now);
      return { kind: 'queued' };
    }
    if (!this.#strikes.take(now)) return { kind: 'disconnect' };
    const retryInMs = Math.ceil(((this.#queue.length + 1) / this.#limits.perSecond) * 1000);
    return { kind: 'refused', retryInMs };
  }

  /**
   * Takes `tokens` more from the connection's and the name's buckets, for a
   * request that costs more than one frame (creating a room): all or none.
   * Returns 0 when taken, else the milliseconds until they would be.
   */
  charge(tokens: number, now: number): number {
    const key = this.#nameKey();
    const name = key === null ? undefined : this.#names.get(key, now);
    const wait = Math.max(this.#connection.waitMs(now, tokens), name?.waitMs(now, tokens) ?? 0);
    if (wait > 0) return wait;
    this.#connection.take(now, tokens);
    name?.take(now, tokens);
    return 0;
  }

  /** Counts a strike (a malformed line, say); false when the sender has used them all. */
  strike(now: number): boolean {
    return this.#strikes.take(now);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
  }

  #take(frame: ClientFrame, now: number): boolean {
    if (FREE.has(frame.type)) return true;
    const key = this.#nameKey();
    const name = key === null ? undefined : this.#names.get(key, now);
    if (this.#connection.waitMs(now) > 0 || (name && name.waitMs(now) > 0)) return false;
    this.#connection.take(now);
    name?.take(now);
    return true;
  }

  #wait(now: number): number {
    const key = this.#nameKey();
    const name = key === null ? 0 : this.#names.get(key, now).waitMs(now);
    return Math.max(this.#connection.waitMs(now), name, 1);
  }

  #schedule(now: number): void {
    if (this.#timer !== undefined || this.#running || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#drain();
    }, this.#wait(now));
  }

  /** Runs queued frames whose tokens are there, one at a time, each to its end. */
  #drain(): void {
    const at = Date.now();
    while (!this.#stopped && this.#queue.length > 0 && this.#take(this.#queue[0]!.frame, at)) {
      const pending = this.#queue.shift()!.run();
      if (pending instanceof Promise) {
        this.#running = true;
        // Handlers report their own errors; the gate only needs to know it ended.
        const next = () => {
          this.#running = false;
          this.#drain();
        };
        pending.then(next, next);
        return;
      }
    }
    if (this.#queue.length > 0) this.#schedule(at);
  }
}
