/**
 * The chat server's middle: takes decoded client frames from any dialect,
 * passes them through the session's flood gate, routes them to their handler
 * (login, messaging, rooms, accounts, moderation), and delivers the resulting
 * events — each serialised once — to the sessions that should see them.
 */
import { NatterError, natterError } from '../protocol/errors.ts';
import type { ClientFrame, ErrorFrame, ServerFrame } from '../protocol/frames.ts';
import type { Limits } from '../protocol/limits.ts';
import { Chat, type ChatUser, type Room } from '../core/chat.ts';
import { sanitizeText } from '../core/sanitize.ts';
import { cleanText } from '../core/text-cut.ts';
import type { Store } from '../store/store.ts';
import { changePassword, PASSWORD_ATTEMPTS, register } from './account-requests.ts';
import { NameBuckets } from './flood-gate.ts';
import type { AccountPolicy, HubContext } from './hub-context.ts';
import type { Logger } from './log.ts';
import { login, type LoginHello } from './login.ts';
import { MessageWriter } from './message-writer.ts';
import { privateMessage, sayInRoom } from './messaging.ts';
import type { Metrics } from './metrics.ts';
import type { Moderation } from './moderation.ts';
import * as moderate from './moderation-requests.ts';
import { Outgoing } from './outgoing.ts';
import type { RoomDirectory } from './room-directory.ts';
import { ReadMarkers, readUpTo } from './read-markers.ts';
import { join, switchTo } from './room-join.ts';
import * as room from './room-requests.ts';
import type { Session } from './session.ts';

const QUIT_REASON_MAX_BYTES = 200; // UTF-8, cut on a grapheme boundary
/** Requests answered by an ack after their commit. */
const MESSAGE_FRAMES = new Set<ClientFrame['type']>(['say', 'me', 'msg']);

export interface HubOptions {
  limits: Limits;
  log: Logger;
  serverName: string;
  store: Store;
  rooms: RoomDirectory;
  moderation: Moderation;
  metrics: Metrics;
  accounts: AccountPolicy;
  now?: () => number;
  /** Tests only: called before each request is handled, to make a handler throw. */
  testFault?: (frame: ClientFrame) => void;
}

const NO_SESSIONS: ReadonlySet<Session> = new Set();

type Result = NatterError | void | Promise<NatterError | void>;

export class Hub implements HubContext {
  readonly chat = new Chat();
  readonly writer: MessageWriter;
  readonly store: Store;
  readonly rooms: RoomDirectory;
  readonly moderation: Moderation;
  readonly limits: Limits;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly accounts: AccountPolicy;
  readonly serverName: string;
  readonly loginAttempts = {
    byNameAtAddress: new NameBuckets(PASSWORD_ATTEMPTS.perNameAtAddress),
    byAddress: new NameBuckets(PASSWORD_ATTEMPTS.perAddress),
  };
  readonly markers: ReadMarkers;
  readonly #sessions = new Map<ChatUser, Set<Session>>();
  #sessionCount = 0;
  readonly #now: () => number;
  readonly #fault: ((frame: ClientFrame) => void) | undefined;

  constructor(options: HubOptions) {
    this.limits = options.limits;
    this.log = options.log;
    this.serverName = options.serverName;
    this.store = options.store;
    this.rooms = options.rooms;
    this.moderation = options.moderation;
    this.metrics = options.metrics;
    this.accounts = options.accounts;
    this.#now = options.now ?? Date.now;
    this.writer = new MessageWriter(options.store);
    this.markers = new ReadMarkers(options.store, options.log, this.#now);
    this.#fault = options.testFault;
  }

  /** Logged-in sessions (an account with two devices counts twice). */
  get sessionCount(): number {
    return this.#sessionCount;
  }

  now(): number {
    return this.#now();
  }

  sessionsOf(user: ChatUser): ReadonlySet<Session> {
    return this.#sessions.get(user) ?? NO_SESSIONS;
  }

  *sessions(): Iterable<Session> {
    for (const set of this.#sessions.values()) yield* set;
  }

  adopt(session: Session, user: ChatUser): void {
    let set = this.#sessions.get(user);
    if (!set) this.#sessions.set(user, (set = new Set()));
    if (!set.has(session)) this.#sessionCount++;
    set.add(session);
  }

  detach(session: Session): void {
    const set = session.user && this.#sessions.get(session.user);
    if (set?.delete(session)) this.#sessionCount--;
  }

  /** Forgets unregistered rooms left empty, with no history, for longer than the limit. */
  async forgetEmptyRooms(now: number): Promise<void> {
    const isEmpty = (key: string) => this.chat.findRoom(key) === undefined;
    for (const key of await this.rooms.sweep(now, this.limits.roomForgetMs, isEmpty)) {
      this.moderation.forgetRoom(key);
    }
  }

  /** Forgets idle rate-limit state. */
  sweep(now: number): void {
    this.loginAttempts.byNameAtAddress.sweep(now);
    this.loginAttempts.byAddress.sweep(now);
    this.rooms.sweepCreations(now);
  }

  /**
   * Logs a session in under a name, or says why not (the session may try
   * again, unless the error is fatal: then it is closed).
   */
  async login(
    session: Session,
    rawName: string,
    hello: LoginHello = {},
  ): Promise<NatterError | ChatUser> {
    try {
      const result = await login(this, session, rawName, hello);
      if (result instanceof NatterError && result.fatal) session.fail(result);
      return result;
    } catch (error) {
      this.log.error('login failed', { session: session.id, error: (error as Error).message });
      session.fail(natterError('internal', 'the server could not log you in; try again'));
      return natterError('internal', 'login failed');
    }
  }

  /**
   * Handles one frame from a logged-in session, through its flood gate.
   * Returns a promise when the answer needs the store, so the session
   * handles its next line after it.
   */
  handle(session: Session, frame: ClientFrame): void | Promise<void> {
    // A queued frame's run returns its promise: the gate starts the next one after it.
    const admission = session.flood.admit(frame, () => this.#run(session, frame), this.#now());
    switch (admission.kind) {
      case 'now':
        return this.#run(session, frame);
      case 'queued':
        return;
      case 'refused': {
        this.metrics.increment('rate_limited');
        const seconds = Math.max(1, Math.round(admission.retryInMs / 1000));
        return this.#answer(
          session,
          natterError('rate_limited', `slow down, next message in ${seconds} s`),
          frame.id,
        );
      }
      case 'disconnect':
        // After the acks and refusals owed for earlier frames; nothing more is read meanwhile.
        session.flood.endInput();
        return this.#afterReplies(session, () => this.#floodDisconnect(session));
      case 'ignored':
        return; // after a quit
    }
  }

  /** A malformed line: answered, counted, and a strike against the sender. */
  protocolError(session: Session, error: NatterError, id?: string): void {
    if (error.fatal) {
      if (error.code === 'too_long') this.metrics.increment('oversize_lines');
      this.log.info('closing connection', { session: session.id, code: error.code });
      session.fail(error);
      return;
    }
    this.metrics.increment('protocol_errors');
    if (!session.flood.strike(this.#now())) {
      session.flood.endInput();
      return this.#afterReplies(session, () => this.#floodDisconnect(session));
    }
    this.#answer(session, error, id);
  }

  /** Runs `reply` after the replies the session still owes for earlier requests. */
  afterReplies(session: Session, reply: () => void): void {
    this.#afterReplies(session, reply);
  }

  #floodDisconnect(session: Session): void {
    if (session.closing) return; // one more frame from a flooder already on its way out
    this.metrics.increment('flood_disconnects');
    this.log.warn('flood disconnect', {
      session: session.id,
      address: session.remoteAddress,
      code: 'rate_limited',
    });
    session.fail(natterError('rate_limited', 'too much, too fast: disconnected', { fatal: true }));
    session.socket.pause(); // nothing more is read from a flooder (see Session.close's grace)
  }

  /**
   * The error boundary of one request: bad input is answered by the handler
   * with a NatterError; anything thrown is a bug, which closes this session
   * only (with `internal`) and is logged with its stack.
   */
  #run(session: Session, frame: ClientFrame): void | Promise<void> {
    // Replies follow request order: a request after a message whose ack
    // waits for its commit is handled once that ack has gone. Messages are
    // not held back (they share the commit); their replies are ordered by
    // Session.replyWhen instead.
    const earlier = session.pendingReplies;
    if (earlier && !MESSAGE_FRAMES.has(frame.type)) {
      return earlier.then(() => (session.closing ? undefined : this.#run(session, frame)));
    }
    const report = (result: NatterError | void) => {
      if (result instanceof NatterError) this.#answer(session, result, frame.id);
    };
    let result: Result;
    try {
      this.#fault?.(frame);
      result = this.#dispatch(session, session.user!, frame);
    } catch (error) {
      return this.internalError(session, error, frame.type);
    }
    if (!(result instanceof Promise)) return report(result);
    return result.then(report, (error: unknown) => this.internalError(session, error, frame.type));
  }

  /** A bug met while handling a session's input: logged with its stack, and that session closed. */
  internalError(session: Session, error: unknown, what: string): void {
    this.metrics.increment('internal_errors');
    this.log.error('internal error', {
      session: session.id,
      what,
      error: error instanceof Error ? error.message : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
    session.fail(natterError('internal', 'the server failed handling that; reconnect'));
  }

  #dispatch(session: Session, user: ChatUser, frame: ClientFrame): Result {
    switch (frame.type) {
      case 'hello':
        return natterError('already_logged_in', `you are already logged in as ${user.name}`);
      case 'say':
      case 'me':
        return sayInRoom(this, session, user, frame.type, frame.id, frame.text, frame.room);
      case 'msg':
        return privateMessage(this, session, user, frame.id, frame.to, frame.text);
      case 'who':
        return room.who(this, session, frame.room);
      case 'nick':
        return room.nick(this, session, user, frame.name);
      case 'join':
        return join(this, session, frame.room);
      case 'leave':
        return room.leave(this, session, user, frame.room);
      case 'rooms':
        return room.rooms(this, session, frame);
      case 'history':
        return room.history(this, session, user, frame);
      case 'topic':
        return room.topic(this, session, user, frame);
      case 'register':
        return register(this, session, user, frame);
      case 'password':
        return changePassword(this, session, frame);
      case 'kick':
        return moderate.kick(this, session, user, frame);
      case 'ban':
        return moderate.ban(this, session, user, frame);
      case 'unban':
        return moderate.unban(this, session, user, frame);
      case 'mute':
        return moderate.mute(this, session, user, frame);
      case 'unmute':
        return moderate.unmute(this, session, user, frame);
      case 'op':
      case 'deop':
        return moderate.op(this, session, user, frame);
      case 'bans':
        return moderate.bans(this, session, user, frame);
      case 'read':
        return readUpTo(this, session, user, frame);
      case 'switch':
        return switchTo(this, session, user, frame.room);
      case 'ping':
        session.sendFrame(
          frame.token === undefined ? { type: 'pong' } : { type: 'pong', token: frame.token },
        );
        return;
      case 'pong':
        return; // the session already counted the line as activity
      case 'quit': {
        const why = frame.reason ? cleanText(frame.reason, QUIT_REASON_MAX_BYTES) : '';
        // A clean goodbye is the last thing this session does, so the account's read positions are kept now.
        void this.markers.flush();
        session.close(why ? `quit: ${why}` : 'quit', { type: 'bye', reason: 'goodbye' });
        return;
      }
    }
  }

  /** Reports an error answering a request, after the replies owed for earlier ones. */
  #answer(session: Session, error: NatterError, id: string | undefined): void {
    this.#afterReplies(session, () => this.reportError(session, error, id));
  }

  #afterReplies(session: Session, reply: () => void): void {
    if (session.pendingReplies) session.replyWhen(Promise.resolve(), reply);
    else reply();
  }

  reportError(session: Session, error: NatterError, id?: string): void {
    // Messages quote user input; sanitising here too covers every error line,
    // the decoder's included (protocol/ cannot use core's sanitiser).
    const message = sanitizeText(error.message);
    const frame: ErrorFrame = { type: 'error', code: error.code, message };
    if (id !== undefined) frame.id = id;
    session.sendFrame(frame);
  }

  /** Called once a session's socket is closed: the user's last session frees the name and tells its rooms. */
  disconnected(session: Session): void {
    const user = session.user;
    const set = user && this.#sessions.get(user);
    if (!user || !set?.delete(session)) return;
    this.#sessionCount--;
    if (set.size > 0) {
      this.log.info('session ended', { session: session.id, name: user.name, left: set.size });
      return;
    }
    this.#sessions.delete(user);
    if (session.account !== null) this.markers.offline(session.account);
    const ts = this.#now();
    for (const left of this.chat.release(user)) {
      this.deliverToRoom(left, {
        type: 'leave',
        room: left.name,
        name: user.name,
        ts,
        reason: session.closeReason,
      });
    }
    this.log.info('logout', { session: session.id, name: user.name, reason: session.closeReason });
  }

  targetRoom(session: Session, user: ChatUser, named: string | undefined): Room | NatterError {
    if (named !== undefined) return this.chat.roomOf(user, named);
    const current = session.room === null ? undefined : this.chat.findRoom(session.room);
    if (!current) return natterError('not_in_room', 'you are in no room; /join #room first');
    return current;
  }

  /** Serialises the event once and queues the same bytes for every session of every member. */
  deliverToRoom(target: Room, frame: ServerFrame): void {
    const out = new Outgoing(frame);
    for (const user of target.members.values()) {
      for (const session of this.sessionsOf(user)) {
        session.send(out, target.key);
        if (frame.type === 'message') this.markers.shownIfText(session, target.key, frame.msg);
      }
    }
  }

  /** `holdKey`: what a session replaying history holds the event under (private: "@"). */
  deliver(users: Iterable<ChatUser>, frame: ServerFrame, holdKey?: string): void {
    const out = new Outgoing(frame);
    for (const user of users) {
      for (const session of this.sessionsOf(user)) {
        session.send(out, holdKey);
        if (frame.type === 'message' && holdKey !== undefined)
          this.markers.shownIfText(session, holdKey, frame.msg);
      }
    }
  }
}
