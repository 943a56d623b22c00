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

export class OutQueue {
  readonly #socket: Socket;
  readonly #limits: OutQueueLimits;
  readonly #onOverflow: (queuedBytes: number) => void;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #scheduled = false;
  #throttled = false;
  #overflowed = false;
  #stallTimer: NodeJS.Timeout | undefined;

  constructor(socket: Socket, limits: OutQueueLimits, onOverflow: (queuedBytes: number) => void) {
    this.#socket = socket;
    this.#limits = limits;
    this.#onOverflow = onOverflow;
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
      this.#socket.pause();
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
    this.#onOverflow(queued);
  }

  /** Stops the stall clock; called when the connection ends. */
  stop(): void {
    clearTimeout(this.#stallTimer);
  }

  #maybeResume(): void {
    if (this.#throttled && !this.#overflowed && this.queuedBytes <= this.#limits.softBytes) {
      this.#throttled = false;
      clearTimeout(this.#stallTimer);
      this.#socket.resume();
    }
  }
}
