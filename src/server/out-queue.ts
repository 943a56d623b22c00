/**
 * One client's outgoing bytes. Everything queued during an event-loop turn
 * goes out in a single socket write (ARCHITECTURE.md: "at most one write per
 * socket per event-loop turn"). The queue is bounded: past the soft limit the
 * server stops reading from this client (it is not keeping up, so it should
 * not be producing either); past the hard limit it is disconnected.
 */
import type { Socket } from 'node:net';

export interface OutQueueLimits {
  softBytes: number;
  hardBytes: number;
  /** How long a client may stay over the soft limit before it counts as stalled. */
  stallMs: number;
}

/** What reading from the client pauses and resumes (the socket, or its WebSocket). */
export interface Reader {
  pause(): void;
  resume(): void;
}

export class OutQueue {
  readonly #socket: Socket;
  readonly #reader: Reader;
  readonly #limits: OutQueueLimits;
  readonly #onOverflow: (queuedBytes: number) => void;
  readonly #mayRead: () => boolean;
  /** Waiting for the queue to be back under the soft limit (replays, to send their next page). */
  #drainWaiters: (() => void)[] = [];
  #chunks: Buffer[] = [];
  #bytes = 0;
  #scheduled = false;
  #stopped = false;
  #throttled = false;
  #overflowed = false;
  #stallTimer: NodeJS.Timeout | undefined;

  /**
   * @param mayRead whether reading may resume once the queue drains: the
   *   session also pauses reading while it handles a line, and draining must
   *   not undo that (the lines would pile up unread in memory instead).
   * @param reader what pausing and resuming reading acts on: the socket, or
   *   the WebSocket on it (ws resumes the socket itself otherwise).
   */
  constructor(
    socket: Socket,
    limits: OutQueueLimits,
    onOverflow: (queuedBytes: number) => void,
    mayRead: () => boolean = () => true,
    reader: Reader = socket,
  ) {
    this.#socket = socket;
    this.#reader = reader;
    this.#limits = limits;
    this.#onOverflow = onOverflow;
    this.#mayRead = mayRead;
    socket.on('drain', () => this.#maybeResume());
  }

  /** Bytes not yet handed to the kernel: ours plus the socket's own buffer. */
  get queuedBytes(): number {
    return this.#bytes + this.#socket.writableLength;
  }

  /** True while reading from this client is paused because it does not drain. */
  get throttled(): boolean {
    return this.#throttled;
  }

  /** True once the client has been cut for not reading, or the queue was stopped. */
  get ended(): boolean {
    return this.#overflowed || this.#stopped;
  }

  /**
   * Resolves once the queue is at or under its soft limit (at once when it
   * is), or when it ends: the signal a replay waits for before its next page.
   */
  whenDrained(): Promise<void> {
    if (!this.#throttled || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  push(data: Buffer): void {
    if (this.#overflowed || this.#socket.destroyed || !this.#socket.writable) return;
    this.#chunks.push(data);
    this.#bytes += data.length;
    const queued = this.queuedBytes;
    if (queued > this.#limits.hardBytes) {
      this.#overflow();
      return;
    }
    if (queued > this.#limits.softBytes && !this.#throttled) {
      this.#throttled = true;
      this.#reader.pause();
      // Over the soft limit for too long is as bad as over the hard one.
      this.#stallTimer = setTimeout(() => this.#overflow(), this.#limits.stallMs);
      this.#stallTimer.unref();
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Writes everything queued now, as one buffer. */
  readonly flush = (): void => {
    this.#scheduled = false;
    if (this.#chunks.length === 0 || this.#socket.destroyed) return;
    const data =
      this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#bytes);
    this.#chunks = [];
    this.#bytes = 0;
    // Resume on the write's completion too: 'drain' only follows a write that
    // filled the socket's own buffer (16 KiB), so a soft limit below that
    // would otherwise leave a client that reads everything paused until stalled.
    // The completion callback costs a third more per write; it is only needed
    // to notice draining while reading is paused.
    if (this.#throttled) this.#socket.write(data, () => this.#maybeResume());
    else this.#socket.write(data);
  };

  #overflow(): void {
    if (this.#overflowed) return;
    const queued = this.queuedBytes;
    this.#overflowed = true;
    this.#chunks = [];
    this.#bytes = 0;
    clearTimeout(this.#stallTimer);
    this.#wakeDrainWaiters();
    this.#onOverflow(queued);
  }

  /** Stops the stall clock and wakes whoever waits to drain; called when the connection ends. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#stallTimer);
    this.#wakeDrainWaiters();
  }

  #maybeResume(): void {
    if (this.#throttled && !this.#overflowed && this.queuedBytes <= this.#limits.softBytes) {
      this.#throttled = false;
      clearTimeout(this.#stallTimer);
      if (this.#mayRead()) this.#reader.resume();
      this.#wakeDrainWaiters();
    }
  }

  #wakeDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const wake of waiters) wake();
  }
}
