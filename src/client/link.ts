/**
 * One connection attempt, from connect to close: its transport, whether it
 * has logged in, and its clocks (keep-alive, waiting for resumed rooms).
 * Each attempt gets a new Link, so a late event from an old connection can
 * be recognised and ignored, and no timer outlives its connection.
 */
import { encodeFrame } from '../protocol/codec.ts';
import type { ClientFrame, ErrorFrame } from '../protocol/frames.ts';
import type { Transport } from './transport.ts';

export interface KeepaliveOptions {
  /** Ping after this much silence from the server; 0: never. */
  everyMs: number;
  /** Give up on the connection when the ping is not answered within this. */
  patienceMs: number;
}

export class Link {
  transport: Transport | null = null;
  /** The server sent welcome on this connection. */
  loggedIn = false;
  /** The rooms are back after the welcome: messages may be sent. */
  restored = false;
  /** Rooms asked back in this connection's hello.resume. */
  resumed: string[] = [];
  /** A fatal error frame: the server closes after it. */
  fatal: ErrorFrame | null = null;
  readonly #keepalive: KeepaliveOptions;
  #keepaliveTimer: NodeJS.Timeout | undefined;
  #restoreTimer: NodeJS.Timeout | undefined;

  constructor(keepalive: KeepaliveOptions) {
    this.#keepalive = keepalive;
  }

  attach(transport: Transport): void {
    this.transport = transport;
    this.heard();
  }

  send(frame: ClientFrame): void {
    this.transport?.send(encodeFrame(frame));
  }

  /** The server said something: it is alive, restart the keep-alive clock. */
  heard(): void {
    clearTimeout(this.#keepaliveTimer);
    const { everyMs, patienceMs } = this.#keepalive;
    if (everyMs <= 0 || !this.transport) return;
    this.#keepaliveTimer = setTimeout(() => {
      this.send({ type: 'ping', token: `k${Date.now()}` });
      this.#keepaliveTimer = setTimeout(() => {
        const seconds = patienceMs / 1000;
        this.transport?.destroy(new Error(`no answer to a keep-alive ping in ${seconds} s`));
      }, patienceMs);
      this.#keepaliveTimer.unref();
    }, everyMs);
    this.#keepaliveTimer.unref(); // a quiet connection alone must not keep the process alive
  }

  /** Calls `then` after `ms` unless restoreDone comes first. */
  waitForRestore(ms: number, then: () => void): void {
    this.#restoreTimer = setTimeout(then, ms);
    this.#restoreTimer.unref();
  }

  restoreDone(): void {
    clearTimeout(this.#restoreTimer);
  }

  /** The connection is over: stop its clocks. */
  stop(): void {
    clearTimeout(this.#keepaliveTimer);
    clearTimeout(this.#restoreTimer);
    this.transport = null;
    this.loggedIn = false;
    this.restored = false;
  }
}
