/**
 * One client connection, whatever its dialect: bytes in through the line
 * decoder, bytes out through the bounded queue, and the connection's clocks
 * (login deadline, idle ping/close). What the lines mean is the dialect's
 * business (native-dialect.ts, text-dialect.ts).
 */
import type { TLSSocket } from 'node:tls';
import type { NatterError } from '../protocol/errors.ts';
import type { ServerFrame } from '../protocol/frames.ts';
import type { Limits } from '../protocol/limits.ts';
import { LineDecoder } from '../protocol/line-decoder.ts';
import type { ChatUser } from '../core/chat.ts';
import { OutQueue } from './out-queue.ts';
import { Outgoing, type Dialect } from './outgoing.ts';

/** How long a closing connection may take to say goodbye before it is cut. */
const CLOSE_GRACE_MS = 2_000;

export interface SessionEvents {
  line(session: Session, line: string): void;
  decodeError(session: Session, error: NatterError): void;
  loginTimeout(session: Session): void;
  idle(session: Session, silentMs: number): void;
  overflow(session: Session, queuedBytes: number): void;
  closed(session: Session): void;
}

let nextSessionId = 1;

export class Session {
  readonly id = nextSessionId++;
  readonly dialect: Dialect;
  readonly socket: TLSSocket;
  readonly remoteAddress: string;
  /** Set once the client has logged in under a name. */
  user: ChatUser | null = null;
  /** Key of the room plain messages go to (text mode's "current room"). */
  room: string | null = null;
  /** Why the connection ended, for leave notices and logs. */
  closeReason = 'connection closed';
  lastActivity = Date.now();
  #textIds = 0;
  readonly #decoder: LineDecoder;
  readonly #out: OutQueue;
  readonly #events: SessionEvents;
  #loginTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(
    socket: TLSSocket,
    dialect: Dialect,
    limits: Limits,
    events: SessionEvents,
    loginDeadlineMs: number,
  ) {
    this.socket = socket;
    this.dialect = dialect;
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    this.#events = events;
    this.#decoder = new LineDecoder(limits.maxLineBytes);
    this.#out = new OutQueue(
      socket,
      { softBytes: limits.outQueueSoftBytes, hardBytes: limits.outQueueHardBytes },
      (queued) => events.overflow(this, queued),
    );
    socket.setNoDelay(true);
    this.#loginTimer = setTimeout(() => events.loginTimeout(this), Math.max(0, loginDeadlineMs));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => {}); // 'close' follows; the reason is already recorded
    socket.on('close', () => this.#onClose());
  }

  get online(): boolean {
    return this.user !== null && !this.#closing;
  }

  get closing(): boolean {
    return this.#closing;
  }

  get queuedBytes(): number {
    return this.#out.queuedBytes;
  }

  /** A fresh client id for frames a text-mode line turns into. */
  nextTextId(): string {
    return `t${++this.#textIds}`;
  }

  /** Marks the login complete and starts the idle clock. */
  loggedIn(user: ChatUser, idle: { pingMs: number }): void {
    this.user = user;
    clearTimeout(this.#loginTimer);
    this.#loginTimer = undefined;
    this.#armIdle(idle.pingMs);
  }

  send(out: Outgoing): void {
    if (this.#closing) return;
    const bytes = out.bytesFor(this.dialect);
    if (bytes !== null) this.#out.push(bytes);
  }

  sendFrame(frame: ServerFrame): void {
    this.send(new Outgoing(frame));
  }

  /** A raw text-mode line (greeting, prompt, help). */
  sendLine(line: string): void {
    if (!this.#closing) this.#out.push(Buffer.from(line + '\n'));
  }

  /** Says why (an error frame or line, or a farewell), flushes, and closes. */
  close(reason: string, farewell?: ServerFrame): void {
    if (this.#closing) return;
    if (farewell) this.sendFrame(farewell);
    this.closeReason = reason;
    this.#closing = true;
    this.#stopClocks();
    this.socket.pause();
    this.#out.flush();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** Closes at once, for peers that cannot be written to any more. */
  destroy(reason: string): void {
    if (!this.#closing) this.closeReason = reason;
    this.#closing = true;
    this.#stopClocks();
    this.socket.destroy();
  }

  fail(error: NatterError): void {
    this.close(error.code, {
      type: 'error',
      code: error.code,
      message: error.message,
      fatal: true,
    });
  }

  #armIdle(pingMs: number): void {
    const check = () => {
      const silent = Date.now() - this.lastActivity;
      this.#events.idle(this, silent);
      if (!this.#closing) this.#idleTimer = setTimeout(check, pingMs / 3);
    };
    this.#idleTimer = setTimeout(check, pingMs / 3);
  }

  #stopClocks(): void {
    clearTimeout(this.#loginTimer);
    clearTimeout(this.#idleTimer);
  }

  #onData(chunk: Buffer): void {
    if (this.#closing) return;
    this.lastActivity = Date.now();
    for (const event of this.#decoder.push(chunk)) {
      if (this.#closing) return;
      if ('line' in event) this.#events.line(this, event.line);
      else if (event.error.fatal) this.fail(event.error);
      else this.#events.decodeError(this, event.error);
    }
  }

  #onClose(): void {
    this.#closing = true;
    this.#stopClocks();
    this.#events.closed(this);
  }
}
