/**
 * The lifecycle half of the connection manager: open a connection through
 * the Transport, notice when it ends, retry with backoff or stop for good
 * (close-policy.ts decides which), and say goodbye on quit. What travels over
 * a connection (login, messages, acks, resume) is Connection's business
 * (connection.ts), reached through the abstract hooks below.
 */
import { EventEmitter } from 'node:events';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff.ts';
import { afterConnectionEnded } from './close-policy.ts';
import type {
  ConnectionEvents,
  ConnectionOptions,
  ConnectionState,
  OfflineCause,
  StateChange,
} from './connection-types.ts';
import { Link } from './link.ts';

/** How long quit waits for the server's goodbye before cutting the connection. */
const QUIT_WAIT_MS = 3_000;

export abstract class ConnectionLifecycle extends EventEmitter<ConnectionEvents> {
  protected readonly options: ConnectionOptions;
  /** The current connection attempt; null while waiting to retry and once offline. */
  protected link: Link | null = null;
  /** Logged in at least once: from then on a drop means reconnect. */
  protected everOnline = false;
  /** The reason of the server's bye, once it said goodbye. */
  protected bye: string | null = null;
  readonly #backoff: BackoffOptions;
  #state: ConnectionState = 'connecting';
  #started = false;
  #attempt = 0;
  #stopping: OfflineCause | null = null;
  #retryTimer: NodeJS.Timeout | undefined;
  /** When the current run of reconnect attempts began (0: online or never dropped). */
  #droppedAt = 0;

  constructor(options: ConnectionOptions) {
    super();
    this.options = options;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Starts connecting; state events follow. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#setState({ state: 'connecting' });
    void this.#connect();
  }

  /** Says goodbye and goes offline for good; resolves when offline. */
  async quit(reason?: string): Promise<void> {
    if (this.#state === 'offline') return;
    this.#stopping ??= 'quit';
    clearTimeout(this.#retryTimer);
    const link = this.link;
    if (link?.transport && link.loggedIn) {
      link.send(reason ? { type: 'quit', reason } : { type: 'quit' });
      setTimeout(() => link.transport?.destroy(), QUIT_WAIT_MS).unref();
    } else if (link?.transport) {
      link.transport.destroy(); // not logged in: nobody to say goodbye to
    } else {
      this.goOffline({ state: 'offline', cause: this.#stopping });
    }
    if ((this.#state as ConnectionState) === 'offline') return;
    await new Promise<void>((resolve) => {
      const check = (change: StateChange) => {
        if (change.state !== 'offline') return;
        this.off('state', check);
        resolve();
      };
      this.on('state', check);
    });
  }

  /**
   * Connects again now (the user's /reconnect): a scheduled retry happens at
   * once, and a connection that went offline for a reason a new connection
   * may cure (not a quit) starts over. False when there is nothing to do.
   */
  reconnect(): boolean {
    if (this.#state === 'reconnecting' && this.link === null) {
      clearTimeout(this.#retryTimer);
      void this.#connect();
      return true;
    }
    if (this.#state !== 'offline' || this.#stopping === 'quit' || !this.#started) return false;
    this.#stopping = null;
    this.bye = null;
    this.#attempt = 0;
    this.#droppedAt = Date.now();
    this.#setState({ state: 'connecting' });
    void this.#connect();
    return true;
  }

  /** Drops the connection at once, without goodbye, and stays offline. */
  close(): void {
    this.#stopping ??= 'closed';
    void this.quit();
    this.link?.transport?.destroy();
  }

  // ---- for Connection ---------------------------------------------------------

  /** Sends the login on a new connection. */
  protected abstract hello(link: Link): void;
  /** One line from the server on `link`. */
  protected abstract received(link: Link, line: string): void;
  /** `link` is gone (whatever happens next). */
  protected abstract lost(link: Link): void;
  /** The state changed to offline. */
  protected abstract stopped(): void;

  protected isOnline(): boolean {
    return this.#state === 'online' && this.link?.loggedIn === true;
  }

  /** The server welcomed us on `link`. */
  protected loggedIn(link: Link): void {
    link.loggedIn = true;
    this.everOnline = true;
    this.#attempt = 0;
    this.#droppedAt = 0;
    this.#setState({ state: 'online' });
  }

  protected goOffline(change: StateChange): void {
    if (this.#state === 'offline') return;
    clearTimeout(this.#retryTimer);
    this.link?.stop();
    this.link = null;
    this.#setState(change);
    this.stopped();
  }

  // ---- lifecycle ----------------------------------------------------------------

  #setState(change: StateChange): void {
    this.#state = change.state;
    this.emit('state', change);
  }

  async #connect(): Promise<void> {
    this.bye = null; // a restart's goodbye belongs to the connection that got it
    const link = new Link({
      everyMs: this.options.keepaliveMs ?? 30_000,
      patienceMs: this.options.keepaliveTimeoutMs ?? 20_000,
    });
    this.link = link;
    let transport;
    try {
      // Events of a connection that is no longer current are ignored.
      transport = await this.options.connector({
        line: (line) => this.link === link && this.received(link, line),
        close: (error) => this.link === link && this.#ended(link, error),
      });
    } catch (error) {
      if (this.link === link) this.#ended(link, error as Error);
      return;
    }
    if (this.link !== link || this.#stopping) {
      transport.destroy();
      return;
    }
    link.attach(transport);
    this.hello(link);
  }

  #ended(link: Link, error: Error | undefined): void {
    link.stop();
    this.lost(link);
    const next = afterConnectionEnded({
      stopping: this.#stopping,
      bye: this.bye,
      fatal: link.fatal,
      everOnline: this.everOnline,
      error,
    });
    if ('retry' in next) this.#retry(next.retry);
    else this.goOffline(next.offline);
  }

  #retry(error: Error): void {
    this.#droppedAt ||= Date.now();
    const limit = this.options.reconnectForMs;
    if (limit !== undefined && Date.now() - this.#droppedAt >= limit) {
      const seconds = Math.round(limit / 1000);
      const gaveUp = new Error(`gave up: no connection for ${seconds} s (${error.message})`);
      this.goOffline({ state: 'offline', cause: 'fatal', error: gaveUp, gaveUp: true });
      return;
    }
    this.#attempt += 1;
    const delayMs = backoffDelay(this.#attempt, this.#backoff, this.options.random);
    this.link = null;
    this.#setState({ state: 'reconnecting', attempt: this.#attempt, delayMs, error });
    this.#retryTimer = setTimeout(() => void this.#connect(), delayMs);
  }
}
