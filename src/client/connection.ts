/**
 * The client's connection manager, independent of any renderer. Renderers
 * (line mode now, the full-screen UI later) listen to its events and call
 * `send`; they never touch a socket. This half is what travels over a
 * connection: login (with resume), messages that stay pending until their
 * ack and are re-sent with the same client id after a reconnect, and
 * messages from the server shown exactly once. Connecting, reconnecting and
 * quitting are in connection-lifecycle.ts.
 */
import { randomBytes } from 'node:crypto';
import { decodeServerFrame } from '../protocol/codec.ts';
import type {
  ErrorFrame,
  HelloFrame,
  ResumePoint,
  ServerFrame,
  WelcomeFrame,
} from '../protocol/frames.ts';
import { PROTOCOL_VERSION, ROOM_SCOPED_TYPES } from '../protocol/frames.ts';
import { CatchUp } from './catch-up.ts';
import { badField } from './check-frame.ts';
import { ConnectionLifecycle } from './connection-lifecycle.ts';
import type { ConnectionOptions, OutgoingFrame } from './connection-types.ts';
import type { Link } from './link.ts';
import { Outbox, type PendingMessage, type Unidentified } from './outbox.ts';
import { PRIVATE_RESUME_KEY, ResumeTracker } from './resume.ts';
import { SessionState } from './session-state.ts';

export type * from './connection-types.ts';
export type { AckedFrame, PendingMessage } from './outbox.ts';

const NAME_CODES = new Set(['name_taken', 'name_invalid', 'name_reserved']);
/** Login refusals a password answers: none given yet, or a wrong one. */
const PASSWORD_CODES = new Set(['password_required', 'unauthorized']);
/** How long to wait for a resumed room that never comes back before sending anyway. */
const RESTORE_WAIT_MS = 5_000;
/**
 * Messages awaiting their ack at once. The server holds frames over its rate
 * in a queue (10 by default) and refuses what overflows it; frames it holds
 * are acked late, so keeping fewer than that unacknowledged never overflows.
 */
const DEFAULT_MAX_IN_FLIGHT = 8;

export class Connection extends ConnectionLifecycle {
  /** A fresh client id (parseTextInput takes this to number the messages it makes). */
  readonly newId: () => string;
  readonly #session: SessionState;
  readonly #resume = new ResumeTracker();
  readonly #outbox: Outbox;
  readonly #catchUp: CatchUp;
  /** Kept in memory only, so a reconnect logs in again without asking. */
  #password: string | null;

  constructor(options: ConnectionOptions) {
    super(options);
    this.#session = new SessionState(options.name);
    this.#password = options.password ?? null;
    // Random per process: ids must never repeat across runs, or the server
    // would take a new message for a re-sent old one.
    const prefix = randomBytes(6).toString('base64url');
    let n = 0;
    this.newId = options.newId ?? (() => `${prefix}.${++n}`);
    this.#outbox = new Outbox(this.newId);
    this.#catchUp = new CatchUp(
      {
        pageLimit: () => this.#session.limits?.historyMax ?? 1000,
        send: (request) => this.link?.send(request),
      },
      this.newId,
    );
  }

  /** Our name as the server displays it (after welcome and /nick). */
  get name(): string {
    return this.#session.name;
  }
  /** The room plain messages go to. */
  get room(): string | null {
    return this.#session.room;
  }
  /** The rooms we are in, in the order joined. */
  get rooms(): readonly string[] {
    return this.#session.rooms;
  }
  /** The server's name, from its welcome. */
  get server(): string | null {
    return this.#session.server;
  }
  /** Whether the server said it supports a feature (welcome.features), e.g. "read-markers". */
  supports(feature: string): boolean {
    return this.#session.features.has(feature);
  }
  get limits(): WelcomeFrame['limits'] | null {
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

  /**
   * Sends a frame now, or as soon as the connection is back. Messages
   * (say/me/msg) get a client id and stay pending until acknowledged; the id
   * is returned. say/me without a room go to the current room as of now.
   */
  send(input: Extract<OutgoingFrame, { type: 'say' | 'me' | 'msg' }>): string;
  send(input: OutgoingFrame): string | undefined;
  send(input: OutgoingFrame): string | undefined {
    if (this.state === 'offline') throw new Error('the connection is offline');
    if (input.type === 'hello' || input.type === 'pong') {
      throw new Error(`${input.type} frames are sent by the connection manager itself`);
    }
    if (input.type === 'quit') {
      void this.quit(input.reason);
      return undefined;
    }
    let frame: Unidentified = input;
    // Joining a room we are in, or switching to one, makes it current here and
    // at the server (which sends what has no room to its current room).
    if ((frame.type === 'join' || frame.type === 'switch') && this.#session.switchTo(frame.room)) {
      frame = { type: 'switch', room: this.#session.room! };
    }
    const room = this.#session.room;
    // Every room-scoped request names its room (the current one as of now), so
    // the server never acts on a room other than the one the user meant.
    const named =
      ('room' in frame && frame.room !== undefined) ||
      ('with' in frame && frame.with !== undefined);
    if (ROOM_SCOPED_TYPES.has(frame.type) && !named && room) {
      frame = { ...frame, room } as Unidentified;
    }
    if (frame.type === 'join') this.#session.asked(frame.room);
    const { id } = this.#outbox.add(frame);
    this.#flush();
    return id;
  }

  /**
   * Resolves with true once everything sent is acknowledged (or refused);
   * with false on going offline with messages pending, or when no ack came
   * for `idleMs` (each ack restarts that clock). Before the first login it
   * also waits for the connection's outcome.
   */
  drain(idleMs: number): Promise<boolean> {
    return this.#outbox.whenEmpty(
      idleMs,
      () => this.everOnline,
      () => this.state === 'offline',
    );
  }

  // ---- hooks of the lifecycle ---------------------------------------------------

  protected override hello(link: Link): void {
    const hello: HelloFrame = {
      type: 'hello',
      version: PROTOCOL_VERSION,
      name: this.#session.name,
    };
    if (this.options.client) hello.client = this.options.client;
    if (this.#password !== null) hello.password = this.#password;
    if (this.everOnline) {
      link.resumed = this.#session.resumeOrder();
      const resume = this.#resume.point(link.resumed);
      if (Object.keys(resume).length > 0) hello.resume = resume;
      // A resumed room with more missed than one replay holds is fetched on.
      // (An account's room resumed from 0 is replayed from its read position,
      // newest first, so its `more` means older messages: nothing to fetch.)
      const forward = link.resumed.filter(
        (room) => this.#password === null || (resume[room] ?? 0) > 0,
      );
      this.#catchUp.start(forward, resume[PRIVATE_RESUME_KEY] !== undefined);
      if (this.#session.token) hello.token = this.#session.token;
    }
    link.send(hello);
  }

  protected override lost(): void {
    this.#outbox.requeue(); // unacknowledged messages go again, with the same ids
  }

  protected override stopped(): void {
    this.#outbox.wake(); // drain() learns that nothing more will come
  }

  protected override received(link: Link, line: string): void {
    link.heard();
    let frame: ServerFrame | null;
    try {
      frame = decodeServerFrame(line);
    } catch (error) {
      this.emit('warning', `ignored a line from the server: ${(error as Error).message}`);
      return;
    }
    if (frame === null) return; // a newer server's event this client does not know
    const bad = badField(frame);
    if (bad !== null) {
      this.emit('warning', `ignored a ${frame.type} frame from the server: bad field "${bad}"`);
      return;
    }
    switch (frame.type) {
      case 'ping':
        link.send({ type: 'pong', token: frame.token });
        return;
      case 'pong':
        return;
      case 'welcome':
        this.#session.welcome(frame, link.resumed);
        this.loggedIn(link);
        // Messages wait until the rooms they go to are joined again.
        link.waitForRestore(RESTORE_WAIT_MS, () => this.#restored(link));
        break;
      case 'ack': {
        const message = this.#outbox.settle(frame.id);
        if (message) this.emit('ack', message, frame);
        this.#flush(); // room in the window for the next message
        break;
      }
      case 'error':
        if (!this.#error(link, frame)) return;
        break;
      case 'message':
        this.#catchUp.message(frame);
        if (!this.#resume.accept(frame)) return; // already shown
        break;
      case 'history': {
        const shown = this.#catchUp.end(frame);
        if (shown === null) return; // more pages of a catch-up follow
        this.emit('frame', shown);
        return;
      }
      case 'bye':
        this.bye = frame.reason;
        break;
      default:
        this.#session.apply(frame);
        if (frame.type === 'join' && link.loggedIn && this.#session.restoring === 0) {
          this.#restored(link);
        }
    }
    this.emit('frame', frame);
  }

  // ---- frames -------------------------------------------------------------------

  /** The rooms are back (or will not come back): send what waited. */
  #restored(link: Link): void {
    link.restoreDone();
    link.restored = true;
    this.#session.restoreFailed(); // whatever did not come back will not
    this.#flush();
  }

  /** Handles an error frame; returns false when it must not reach renderers. */
  #error(link: Link, frame: ErrorFrame): boolean {
    if (frame.fatal) link.fatal = frame;
    if (!link.loggedIn && NAME_CODES.has(frame.code)) {
      void this.#nameRefused(link, frame);
      return !this.everOnline;
    }
    if (!link.loggedIn && PASSWORD_CODES.has(frame.code) && !frame.fatal) {
      void this.#passwordRefused(link, frame);
      return true;
    }
    if (this.#catchUp.owns(frame.id)) {
      this.emit('warning', `could not fetch the rest of what was missed: ${frame.message}`);
      this.#catchUp.refused();
      return false;
    }
    if (frame.id !== undefined) {
      const message = this.#outbox.settle(frame.id);
      if (message) this.emit('refused', message, frame);
      this.#flush();
    } else if (link.loggedIn && this.#session.restoring > 0) {
      this.#restored(link); // a room could not be rejoined; send the rest anyway
    }
    return true;
  }

  /** The name is registered: ask for its password (again, if it was wrong). */
  async #passwordRefused(link: Link, frame: ErrorFrame): Promise<void> {
    this.#password = null;
    const password = this.options.askPassword ? await this.options.askPassword(frame) : null;
    if (this.link !== link || !link.transport) return;
    if (password === null) {
      link.fatal = { ...frame, fatal: true };
      link.transport.destroy();
      return;
    }
    this.#password = password;
    this.hello(link);
  }

  async #nameRefused(link: Link, frame: ErrorFrame): Promise<void> {
    if (this.everOnline) {
      // After a drop the server may not have noticed our old connection yet.
      this.emit('warning', `${frame.code}: ${frame.message} (retrying)`);
      link.transport?.destroy(new Error(`${frame.code}: ${frame.message}`));
      return;
    }
    const name = this.options.chooseName ? await this.options.chooseName(frame) : null;
    if (this.link !== link || !link.transport) return;
    if (name === null) {
      link.fatal = { ...frame, fatal: true };
      link.transport.destroy();
      return;
    }
    this.#session.name = name;
    this.hello(link);
  }

  /** Writes what may go now: only once logged in and the rooms are back. */
  #flush(): void {
    const link = this.link;
    const transport = link?.transport;
    if (!transport || !link?.loggedIn || !link.restored || !this.isOnline()) return;
    const limit = this.#session.limits?.maxLineBytes ?? Infinity;
    const window = this.options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    const { lines, tooLong } = this.#outbox.takeLines(limit, window);
    for (const line of lines) transport.send(line);
    for (const item of tooLong) {
      const refusal: ErrorFrame = {
        type: 'error',
        code: 'too_long',
        message: `not sent: the frame is longer than the server's ${limit}-byte limit`,
      };
      if (item.pending) {
        refusal.id = item.pending.id;
        this.emit('refused', item.pending, refusal);
      }
      this.emit('frame', refusal);
    }
  }
}
