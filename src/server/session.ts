/**
 * One client connection, whatever its dialect: bytes in through the line
 * decoder, bytes out through the bounded queue, and the connection's clocks
 * (login deadline, idle ping/close). What the lines mean is the dialect's
 * business (native-dialect.ts, text-dialect.ts). A WebSocket session is the
 * same Session with another input (ws-session.ts): one line per message in,
 * each frame sent as one WebSocket message out.
 */
import { randomBytes } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { natterError, type NatterError } from '../protocol/errors.ts';
import type { ServerFrame } from '../protocol/frames.ts';
import type { Limits } from '../protocol/limits.ts';
import type { LineEvent } from '../protocol/line-decoder.ts';
import type { ChatUser } from '../core/chat.ts';
import { sanitizeText } from '../core/sanitize.ts';
import type { Identity } from '../store/store.ts';
import { peerAddress } from './addresses.ts';
import { FloodGate, type NameBuckets } from './flood-gate.ts';
import { OutQueue } from './out-queue.ts';
import { Outgoing, type Dialect } from './outgoing.ts';
import { SocketLines, type SessionInput } from './session-input.ts';

export type { SessionInput };

/** How long a closing connection may take to say goodbye before it is cut. */
const CLOSE_GRACE_MS = 2_000;

export interface SessionEvents {
  /** A promise makes the session wait for it before handling the next line. */
  line(session: Session, line: string): void | Promise<void>;
  /** A bug met while handling this session's input: log it; the session is closed. */
  internalError(session: Session, error: unknown): void;
  decodeError(session: Session, error: NatterError): void;
  loginTimeout(session: Session): void;
  idle(session: Session, silentMs: number): void;
  overflow(session: Session, queuedBytes: number): void;
  closed(session: Session): void;
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

let nextSessionId = 1;

export class Session {
  readonly id = nextSessionId++;
  readonly dialect: Dialect;
  readonly socket: TLSSocket;
  /** The peer's address in canonical form (addresses.ts): bans and limits compare it. */
  readonly remoteAddress: string;
  /** Set once the client has logged in under a name. */
  user: ChatUser | null = null;
  /** Key of the room plain messages go to (text mode's "current room"). */
  room: string | null = null;
  /** Why the connection ended, for leave notices and logs. */
  closeReason = 'connection closed';
  lastActivity = Date.now();
  /** When the server last pinged this client for being silent. */
  pingedAt = 0;
  /** Who this is across reconnects; decides which private history they may read. */
  identity: Identity | null = null;
  /** Name key of the account this session proved with a password; roles follow it. */
  account: string | null = null;
  /** Hash of the resume token this session holds (native sessions), naming its holding or device. */
  tokenHash: string | null = null;
  /** Text mode: the registered name waiting for its password line. */
  pendingName: string | null = null;
  /** Set by dialects that render frames per connection (IRC: tags, own nick); else Outgoing's. */
  render: ((out: Outgoing) => Buffer | null) | null = null;
  #textIds = 0;
  #textIdPrefix: string | undefined;
  readonly flood: FloodGate;
  /** Live events for rooms whose history is being replayed, by room key. */
  readonly #held = new Map<string, Outgoing[]>();
  /** Bytes of the held events: they count against the out-queue's hard limit. */
  #heldBytes = 0;
  readonly #hardBytes: number;
  readonly #input: SessionInput;
  readonly #out: OutQueue;
  readonly #events: SessionEvents;
  /** Lines that arrived while an earlier line was still being handled. */
  #backlog: LineEvent[][] = [];
  #busy = false;
  /** Settles once every reply queued so far (see replyWhen) has been sent. */
  #replyTail: Promise<void> | undefined;
  #loginTimer: NodeJS.Timeout | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(
    socket: TLSSocket,
    dialect: Dialect,
    limits: Limits,
    events: SessionEvents,
    loginDeadlineMs: number,
    nameBuckets: NameBuckets,
    input: SessionInput = new SocketLines(socket, limits.maxLineBytes),
  ) {
    this.socket = socket;
    this.dialect = dialect;
    this.remoteAddress = peerAddress(socket.remoteAddress);
    this.#events = events;
    this.#input = input;
    this.#out = new OutQueue(
      socket,
      {
        softBytes: limits.outQueueSoftBytes,
        hardBytes: limits.outQueueHardBytes,
        stallMs: limits.outQueueStallMs,
      },
      (queued) => events.overflow(this, queued),
      // Draining must not resume reading while a line is being handled.
      () => !this.#busy && !this.#closing,
      input,
    );
    this.#hardBytes = limits.outQueueHardBytes;
    this.flood = new FloodGate(
      {
        burst: limits.floodBurst,
        perSecond: limits.floodPerSecond,
        queue: limits.floodQueue,
        strikes: limits.floodStrikes,
        loginBurst: limits.loginBurst,
        loginPerMinute: limits.loginPerMinute,
      },
      nameBuckets,
      () => this.user?.key ?? null,
      Date.now(),
    );
    socket.setNoDelay(true);
    this.#loginTimer = setTimeout(() => events.loginTimeout(this), Math.max(0, loginDeadlineMs));
    input.start((lines) => this.#onLines(lines));
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

  /** Over the out-queue's soft limit: a replay waits (whenDrained) before sending more. */
  get throttled(): boolean {
    return this.#out.throttled;
  }

  /** Resolves once the out-queue is back under its soft limit, or the connection ends. */
  whenDrained(): Promise<void> {
    return this.#out.whenDrained();
  }

  /** A fresh client id for frames a text-mode line turns into. */
  nextTextId(): string {
    // Random per connection: ids must not repeat across sessions of the same
    // name, or a re-used name would look like a re-sent message.
    this.#textIdPrefix ??= randomBytes(6).toString('base64url'); // text sessions only
    return `t.${this.#textIdPrefix}.${++this.#textIds}`;
  }

  /** Marks the login complete and starts the idle clock. */
  loggedIn(user: ChatUser, idle: { pingMs: number }): void {
    this.user = user;
    clearTimeout(this.#loginTimer);
    this.#loginTimer = undefined;
    this.#armIdle(idle.pingMs);
  }

  /** Replies still on their way (acks waiting for a commit), if any: later replies go after them. */
  get pendingReplies(): Promise<void> | undefined {
    return this.#replyTail;
  }

  /**
   * Sends a reply that needs `work` first (a message's commit) once `work`
   * has settled and every reply queued before it has gone. The work itself
   * starts at once — pipelined messages still share one commit — but the
   * replies come back in the order of the requests.
   */
  replyWhen<T>(work: Promise<T>, reply: (outcome: Settled<T>) => void): void {
    const outcome = work.then(
      (value): Settled<T> => ({ ok: true, value }),
      (error: unknown): Settled<T> => ({ ok: false, error }),
    );
    const previous = this.#replyTail;
    const sent = (previous ? previous.then(() => outcome) : outcome).then(reply).catch(() => {
      this.fail(natterError('internal', 'the server failed answering a request'));
    });
    this.#replyTail = sent;
    void sent.then(() => {
      if (this.#replyTail === sent) this.#replyTail = undefined;
    });
  }

  /** Queues an event; events of a room being replayed wait until `release`. */
  send(out: Outgoing, roomKey?: string): void {
    if (this.#closing) return;
    const held = roomKey === undefined ? undefined : this.#held.get(roomKey);
    if (held) {
      const bytes = out.bytesFor(this.dialect)?.length ?? 0;
      this.#heldBytes += bytes;
      held.push(out);
      // Held events wait in memory like queued ones, so the same bound applies.
      if (this.#heldBytes + this.#out.queuedBytes > this.#hardBytes) {
        this.#events.overflow(this, this.#heldBytes + this.#out.queuedBytes);
      }
      return;
    }
    const bytes = this.#input.webSocket
      ? out.webSocketFrame()
      : this.render
        ? this.render(out)
        : out.bytesFor(this.dialect);
    if (bytes !== null) this.#out.push(bytes);
  }

  /** Starts holding a room's live events while its history is replayed. */
  hold(roomKey: string): void {
    this.#held.set(roomKey, []);
  }

  /**
   * Sends the held events after the replay, skipping messages the replay
   * already contained, so each message is seen exactly once and in order.
   */
  release(roomKey: string, lastReplayedId: number): void {
    const held = this.#held.get(roomKey) ?? [];
    this.#held.delete(roomKey);
    for (const out of held) this.#heldBytes -= out.bytesFor(this.dialect)?.length ?? 0;
    for (const out of held) {
      if (out.frame.type === 'message' && out.frame.msg <= lastReplayedId) continue;
      this.send(out);
    }
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
    // Keep reading (#onLines drops it all now): a paused socket never sees the
    // peer's own close and would wait out the whole grace period.
    this.#input.resume();
    this.#out.flush();
    this.#input.end();
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
      message: sanitizeText(error.message), // may quote user input
      fatal: true,
    });
  }

  /** Bytes read before the session existed (while the dialect was being detected). */
  feed(chunk: Buffer): void {
    this.#input.feed?.(chunk);
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
    this.#out.stop();
    this.flood.stop();
  }

  #onLines(lines: LineEvent[]): void {
    if (this.#closing) return;
    if (this.flood.quitting) {
      // After a quit nothing the client sends is read: stop reading (close() reads
      // again, to see the peer's close) rather than decrypt it only to drop it.
      this.#input.pause();
      return;
    }
    this.lastActivity = Date.now();
    if (this.#busy) {
      this.#backlog.push(lines);
      return;
    }
    this.#process(lines, 0);
  }

  /**
   * Handles lines in order. When handling one is asynchronous (a login, a
   * join replaying history), the rest wait and reading pauses, so replies
   * come back in the order of the requests even when a script pipelines.
   */
  #process(events: LineEvent[], from: number): void {
    for (let i = from; i < events.length; i++) {
      if (this.#closing || this.flood.quitting) return;
      const event = events[i]!;
      if (!('line' in event)) {
        this.#events.decodeError(this, event.error);
        continue;
      }
      let pending: void | Promise<void>;
      try {
        pending = this.#events.line(this, event.line);
      } catch (error) {
        // The connection's error boundary: a bug ends only this connection.
        this.#internal(error);
        return;
      }
      if (pending) {
        this.#busy = true;
        this.#input.pause();
        pending.then(
          () => this.#resumeAfter(events, i + 1),
          // Handlers report their own errors; one escaping here ends only this connection.
          (error: unknown) => this.#internal(error),
        );
        return;
      }
    }
  }

  #internal(error: unknown): void {
    this.#events.internalError(this, error);
    this.fail(natterError('internal', 'the server failed handling that line'));
  }

  #resumeAfter(events: LineEvent[], next: number): void {
    this.#busy = false;
    if (this.#closing) return;
    if (!this.#out.throttled && !this.flood.quitting) this.#input.resume();
    this.#process(events, next);
    while (!this.#busy && this.#backlog.length > 0 && !this.#closing) {
      this.#process(this.#backlog.shift()!, 0);
    }
  }

  #onClose(): void {
    this.#closing = true;
    this.#stopClocks();
    this.#events.closed(this);
  }
}
