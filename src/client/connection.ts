/**
 * The client's connection manager, independent of any renderer: connects
 * through a Transport, logs in, keeps the connection alive, reconnects with
 * backoff when it drops, resumes where it left off, and delivers messages
 * the user sent exactly once (same client id on every re-send). Renderers
 * (line mode now, the full-screen UI later) listen to its events and call
 * `send`; they never touch a socket.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { decodeServerFrame, encodeFrame } from '../protocol/codec.ts';
import type {
  AckFrame,
  ClientFrame,
  ErrorFrame,
  HelloFrame,
  ResumePoint,
  ServerFrame,
} from '../protocol/frames.ts';
import { PROTOCOL_VERSION } from '../protocol/frames.ts';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff.ts';
import { Outbox, type AckedFrame, type PendingMessage } from './outbox.ts';
import { ResumeTracker } from './resume.ts';
import { SessionState } from './session-state.ts';
import { FatalError, isFatal, type Connector, type Transport } from './transport.ts';

export type { AckedFrame, PendingMessage } from './outbox.ts';

export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'offline';

/** Why the manager went offline. */
export type OfflineCause = 'quit' | 'bye' | 'fatal' | 'closed';

export interface StateChange {
  state: ConnectionState;
  /** reconnecting: the number of the retry that is scheduled (1, 2, …). */
  attempt?: number;
  /** reconnecting: how long until that retry. */
  delayMs?: number;
  /** reconnecting: what broke; offline with cause 'fatal': what cannot be retried. */
  error?: Error;
  /** offline only. */
  cause?: OfflineCause;
  /** offline after `bye`: the server's reason. */
  reason?: string;
}

export interface ConnectionEvents {
  /** On every change of state, and on every retry scheduled while reconnecting. */
  state: [change: StateChange];
  /** Every server frame except pings, pongs and already-shown messages, for renderers. */
  frame: [frame: ServerFrame];
  /** A message of ours was stored by the server. */
  ack: [message: PendingMessage, ack: AckFrame];
  /** A message of ours was refused (by the server, or locally when it could never be sent). */
  refused: [message: PendingMessage, error: ErrorFrame];
  /** Something worth a line on stderr that changes nothing. */
  warning: [message: string];
}

type WithOptionalId<T> = T extends { id: string } ? Omit<T, 'id'> & { id?: string } : T;
/** What a renderer may send: any client frame but hello/pong (the manager's own); ids are optional. */
export type OutgoingFrame = WithOptionalId<Exclude<ClientFrame, HelloFrame | { type: 'pong' }>>;

export interface ConnectionOptions {
  name: string;
  connector: Connector;
  /** Client software name sent in hello, for server logs. */
  client?: string;
  backoff?: Partial<BackoffOptions>;
  /** Ping the server after this much silence from it; 0 turns keep-alive off. */
  keepaliveMs?: number;
  /** Drop the connection (and reconnect) when the ping gets no answer within this. */
  keepaliveTimeoutMs?: number;
  /** Asked when the server refuses the name at first login; null gives up. */
  chooseName?: (refusal: ErrorFrame) => Promise<string | null>;
  /** Makes client ids; the default is random per process, so ids never repeat across runs. */
  newId?: () => string;
  random?: () => number;
}

const NAME_CODES = new Set(['name_taken', 'name_invalid', 'name_reserved']);
/** Fatal server errors that a new connection may cure. */
const RETRYABLE_CODES = new Set(['idle_timeout', 'slow_consumer', 'too_many_connections']);
/** How long to wait for a resumed room that never comes back before sending anyway. */
const RESTORE_WAIT_MS = 5_000;
const QUIT_WAIT_MS = 3_000;

interface Link {
  transport: Transport | null;
  loggedIn: boolean;
  resumed: string[];
  fatal: ErrorFrame | null;
}

export class Connection extends EventEmitter<ConnectionEvents> {
  readonly #options: ConnectionOptions;
  readonly #backoff: BackoffOptions;
  readonly #session: SessionState;
  readonly #resume = new ResumeTracker();
  readonly #outbox: Outbox;
  #state: ConnectionState = 'connecting';
  #started = false;
  #link: Link | null = null;
  #everOnline = false;
  #attempt = 0;
  #stopping: OfflineCause | null = null;
  #bye: string | null = null;
  #retryTimer: NodeJS.Timeout | undefined;
  #keepaliveTimer: NodeJS.Timeout | undefined;
  #restoreTimer: NodeJS.Timeout | undefined;

  constructor(options: ConnectionOptions) {
    super();
    this.#options = options;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#session = new SessionState(options.name);
    const prefix = randomBytes(6).toString('base64url');
    let n = 0;
    this.#outbox = new Outbox(options.newId ?? (() => `${prefix}.${++n}`));
  }

  get state(): ConnectionState {
    return this.#state;
  }
  /** Our name as the server displays it (after welcome and /nick). */
  get name(): string {
    return this.#session.name;
  }
  /** The room plain messages go to. */
  get room(): string | null {
    return this.#session.room;
  }
  get rooms(): readonly string[] {
    return this.#session.rooms;
  }
  get server(): string | null {
    return this.#session.server;
  }
  get limits() {
    return this.#session.limits;
  }
  /** Messages sent but not yet acknowledged, oldest first. */
  get pending(): PendingMessage[] {
    return this.#outbox.pending();
  }
  /** What the next hello would resume: last message id seen per room. */
  get resumePoint(): ResumePoint {
    return this.#resume.point(this.#session.resumeOrder());
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#setState({ state: 'connecting' });
    void this.#connect();
  }

  /**
   * Sends a frame now, or as soon as the connection is back. Messages
   * (say/me/msg) get a client id and stay pending until acknowledged; the id
   * is returned. say/me without a room go to the current room as of now.
   */
  send(input: OutgoingFrame): string | undefined {
    if (this.#state === 'offline') throw new Error('the connection is offline');
    if (input.type === 'quit') {
      void this.quit(input.reason);
      return undefined;
    }
    let frame = input as ClientFrame | Omit<AckedFrame, 'id'>;
    if ((frame.type === 'say' || frame.type === 'me') && frame.room === undefined) {
      const room = this.#session.room;
      if (room !== null) frame = { ...frame, room };
    }
    const queued = this.#outbox.add(frame);
    if (this.#online()) this.#flush();
    return queued.id;
  }

  /**
   * Resolves with true once everything sent is acknowledged (or refused),
   * with false at the deadline or on going offline with messages pending.
   * Before the first login it also waits for the connection's outcome.
   */
  drain(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.#outbox.unwatch(check);
        resolve(ok);
      };
      const check = () => {
        const offline = this.#state === 'offline';
        if (this.#outbox.empty && (this.#everOnline || offline)) done(true);
        else if (offline) done(false);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#outbox.watch(check);
      check();
    });
  }

  /** Says goodbye and goes offline for good; resolves when offline. */
  async quit(reason?: string): Promise<void> {
    if (this.#state === 'offline') return;
    this.#stopping ??= 'quit';
    clearTimeout(this.#retryTimer);
    const link = this.#link;
    if (link?.transport && link.loggedIn) {
      link.transport.send(encodeFrame(reason ? { type: 'quit', reason } : { type: 'quit' }));
      const cut = setTimeout(() => link.transport?.destroy(), QUIT_WAIT_MS);
      cut.unref();
    } else {
      link?.transport?.destroy();
      if (!link?.transport) this.#offline({ state: 'offline', cause: this.#stopping });
    }
    if (this.#state !== 'offline') {
      await new Promise<void>((resolve) => {
        const check = (change: StateChange) => {
          if (change.state !== 'offline') return;
          this.off('state', check);
          resolve();
        };
        this.on('state', check);
      });
    }
  }

  /** Drops the connection at once, without goodbye, and stays offline. */
  close(): void {
    this.#stopping ??= 'closed';
    void this.quit();
    this.#link?.transport?.destroy();
  }

  // ---- connection lifecycle ---------------------------------------------------

  #online(): boolean {
    return this.#state === 'online' && this.#link?.loggedIn === true;
  }

  #setState(change: StateChange): void {
    this.#state = change.state;
    this.emit('state', change);
  }

  #offline(change: StateChange): void {
    if (this.#state === 'offline') return;
    for (const timer of [this.#retryTimer, this.#keepaliveTimer, this.#restoreTimer]) {
      clearTimeout(timer);
    }
    this.#link = null;
    this.#setState(change);
    this.#outbox.wake();
  }

  async #connect(): Promise<void> {
    const link: Link = { transport: null, loggedIn: false, resumed: [], fatal: null };
    this.#link = link;
    let transport: Transport;
    try {
      transport = await this.#options.connector({
        line: (line) => this.#link === link && this.#onLine(link, line),
        close: (error) => this.#link === link && this.#onClose(link, error),
      });
    } catch (error) {
      if (this.#link !== link) return;
      const failure = error as Error;
      if (this.#stopping) this.#offline({ state: 'offline', cause: this.#stopping });
      else if (isFatal(failure) || !this.#everOnline) {
        this.#offline({ state: 'offline', cause: 'fatal', error: failure });
      } else this.#retry(failure);
      return;
    }
    if (this.#link !== link || this.#stopping) {
      transport.destroy();
      return;
    }
    link.transport = transport;
    this.#armKeepalive(link);
    this.#hello(link);
  }

  #hello(link: Link): void {
    const hello: HelloFrame = {
      type: 'hello',
      version: PROTOCOL_VERSION,
      name: this.#session.name,
    };
    if (this.#options.client) hello.client = this.#options.client;
    if (this.#everOnline) {
      link.resumed = this.#session.resumeOrder();
      const resume = this.#resume.point(link.resumed);
      if (Object.keys(resume).length > 0) hello.resume = resume;
      if (this.#session.token) hello.token = this.#session.token;
    }
    link.transport?.send(encodeFrame(hello));
  }

  #onClose(link: Link, error: Error | undefined): void {
    clearTimeout(this.#keepaliveTimer);
    clearTimeout(this.#restoreTimer);
    link.transport = null;
    link.loggedIn = false;
    this.#outbox.requeue(); // unacknowledged messages go again, with the same ids
    const fatal = link.fatal;
    if (this.#stopping) this.#offline({ state: 'offline', cause: this.#stopping });
    else if (this.#bye !== null)
      this.#offline({ state: 'offline', cause: 'bye', reason: this.#bye });
    else if (fatal && !RETRYABLE_CODES.has(fatal.code)) {
      const failure = new FatalError(fatal.code, fatal.message);
      this.#offline({ state: 'offline', cause: 'fatal', error: failure });
    } else if (!this.#everOnline) {
      const why = error?.message ?? 'the server closed the connection';
      const failure = new FatalError('closed', `${why} before the login completed`);
      this.#offline({ state: 'offline', cause: 'fatal', error: failure });
    } else {
      this.#retry(fatal ? new Error(`${fatal.code}: ${fatal.message}`) : error);
    }
  }

  #retry(error: Error | undefined): void {
    this.#attempt += 1;
    const delayMs = backoffDelay(this.#attempt, this.#backoff, this.#options.random);
    this.#link = null;
    this.#setState({
      state: 'reconnecting',
      attempt: this.#attempt,
      delayMs,
      error: error ?? new Error('connection lost'),
    });
    this.#retryTimer = setTimeout(() => void this.#connect(), delayMs);
  }

  #armKeepalive(link: Link): void {
    clearTimeout(this.#keepaliveTimer);
    const every = this.#options.keepaliveMs ?? 30_000;
    if (every <= 0) return;
    this.#keepaliveTimer = setTimeout(() => {
      link.transport?.send(encodeFrame({ type: 'ping', token: `k${Date.now()}` }));
      const patience = this.#options.keepaliveTimeoutMs ?? 20_000;
      this.#keepaliveTimer = setTimeout(() => {
        link.transport?.destroy(
          new Error(`no answer to a keep-alive ping in ${patience / 1000} s`),
        );
      }, patience);
      this.#keepaliveTimer.unref();
    }, every);
    this.#keepaliveTimer.unref();
  }

  // ---- frames from the server -------------------------------------------------

  #onLine(link: Link, line: string): void {
    this.#armKeepalive(link);
    let frame: ServerFrame | null;
    try {
      frame = decodeServerFrame(line);
    } catch (error) {
      this.emit('warning', `ignored a line from the server: ${(error as Error).message}`);
      return;
    }
    if (frame === null) return; // a newer server's event this client does not know
    switch (frame.type) {
      case 'ping':
        link.transport?.send(encodeFrame({ type: 'pong', token: frame.token }));
        return;
      case 'pong':
        return;
      case 'welcome':
        this.#welcome(link, frame);
        break;
      case 'ack': {
        const message = this.#outbox.settle(frame.id);
        if (message) this.emit('ack', message, frame);
        break;
      }
      case 'error':
        if (!this.#error(link, frame)) return;
        break;
      case 'message':
        if (!this.#resume.accept(frame)) return; // already shown
        break;
      case 'bye':
        this.#bye = frame.reason;
        break;
      default:
        this.#session.apply(frame);
        if (frame.type === 'join' && link.loggedIn) this.#maybeRestored(link);
    }
    this.emit('frame', frame);
  }

  #welcome(link: Link, frame: ServerFrame & { type: 'welcome' }): void {
    link.loggedIn = true;
    this.#session.welcome(frame, link.resumed);
    this.#everOnline = true;
    this.#attempt = 0;
    this.#setState({ state: 'online' });
    // Messages wait until the rooms they go to are joined again.
    this.#restoreTimer = setTimeout(() => this.#restored(link), RESTORE_WAIT_MS);
    this.#restoreTimer.unref();
  }

  #maybeRestored(link: Link): void {
    if (this.#session.restoring === 0) this.#restored(link);
  }

  #restored(link: Link): void {
    clearTimeout(this.#restoreTimer);
    this.#session.restoreFailed(); // whatever did not come back will not
    if (this.#link === link && link.loggedIn) this.#flush();
  }

  /** Handles an error frame; returns false when it must not reach renderers. */
  #error(link: Link, frame: ErrorFrame): boolean {
    if (frame.fatal) link.fatal = frame;
    if (!link.loggedIn && NAME_CODES.has(frame.code)) {
      void this.#nameRefused(link, frame);
      return !this.#everOnline;
    }
    if (frame.id !== undefined) {
      const message = this.#outbox.settle(frame.id);
      if (message) this.emit('refused', message, frame);
    } else if (link.loggedIn && this.#session.restoring > 0) {
      this.#restored(link); // a room could not be rejoined; send the rest anyway
    }
    return true;
  }

  async #nameRefused(link: Link, frame: ErrorFrame): Promise<void> {
    if (this.#everOnline) {
      // After a drop the server may not have noticed our old connection yet.
      this.emit('warning', `${frame.code}: ${frame.message} (retrying)`);
      link.transport?.destroy(new Error(`${frame.code}: ${frame.message}`));
      return;
    }
    const name = this.#options.chooseName ? await this.#options.chooseName(frame) : null;
    if (this.#link !== link || !link.transport) return;
    if (name === null) {
      link.fatal = { ...frame, fatal: true };
      link.transport.destroy();
      return;
    }
    this.#session.name = name;
    this.#hello(link);
  }

  #flush(): void {
    const transport = this.#link?.transport;
    const maxLineBytes = this.#session.limits?.maxLineBytes ?? Infinity;
    if (!transport) return;
    for (const item of this.#outbox.takeUnsent()) {
      const line = encodeFrame(item.frame);
      if (Buffer.byteLength(line) - 1 > maxLineBytes) {
        // The server would close the connection; a resend would do it again.
        const refusal: ErrorFrame = {
          type: 'error',
          code: 'too_long',
          message: `not sent: the frame is longer than the server's ${maxLineBytes}-byte limit`,
        };
        if (item.pending) {
          this.#outbox.settle(item.pending.id);
          refusal.id = item.pending.id;
          this.emit('refused', item.pending, refusal);
        }
        this.emit('frame', refusal);
        continue;
      }
      transport.send(line);
    }
  }
}
