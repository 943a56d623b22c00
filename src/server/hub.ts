/**
 * The chat server's middle: takes decoded client frames from any dialect,
 * asks the pure core what they mean, and delivers the resulting events —
 * each serialised once — to the sessions that should see them.
 */
import { NatterError, natterError } from '../protocol/errors.ts';
import {
  PROTOCOL_VERSION,
  type ClientFrame,
  type ErrorFrame,
  type MessageEvent,
  type MessageKind,
  type ServerFrame,
} from '../protocol/frames.ts';
import { DEFAULT_ROOM, type Limits } from '../protocol/limits.ts';
import { Chat, type ChatUser, type Room } from '../core/chat.ts';
import { checkMessageText, sanitizeText } from '../core/sanitize.ts';
import type { Logger } from './log.ts';
import { Outgoing } from './outgoing.ts';
import type { Session } from './session.ts';

export interface HubOptions {
  limits: Limits;
  log: Logger;
  serverName: string;
  now?: () => number;
}

export class Hub {
  readonly chat = new Chat();
  readonly #sessions = new Map<ChatUser, Session>();
  readonly #limits: Limits;
  readonly #log: Logger;
  readonly #serverName: string;
  readonly #now: () => number;
  #nextMessageId = 1;

  constructor(options: HubOptions) {
    this.#limits = options.limits;
    this.#log = options.log;
    this.#serverName = options.serverName;
    this.#now = options.now ?? Date.now;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  sessions(): IterableIterator<Session> {
    return this.#sessions.values();
  }

  /** Claims a name for a session; on refusal the session may try again. */
  login(session: Session, rawName: string): NatterError | ChatUser {
    const user = this.chat.claimName(rawName);
    if (user instanceof NatterError) return user;
    session.loggedIn(user, { pingMs: this.#limits.idlePingMs });
    this.#sessions.set(user, session);
    this.#log.info('login', { session: session.id, name: user.name, dialect: session.dialect });
    session.sendFrame({
      type: 'welcome',
      version: PROTOCOL_VERSION,
      server: this.#serverName,
      name: user.name,
      room: DEFAULT_ROOM,
      limits: {
        maxLineBytes: this.#limits.maxLineBytes,
        maxMessageBytes: this.#limits.maxMessageBytes,
      },
    });
    this.#join(session, DEFAULT_ROOM);
    return user;
  }

  /** Handles one frame from a logged-in session. */
  handle(session: Session, frame: ClientFrame): void {
    const result = this.#dispatch(session, session.user!, frame);
    if (result instanceof NatterError) {
      const id = 'id' in frame ? frame.id : undefined;
      this.reportError(session, result, id);
    }
  }

  reportError(session: Session, error: NatterError, id?: string): void {
    const frame: ErrorFrame = { type: 'error', code: error.code, message: error.message };
    if (id !== undefined) frame.id = id;
    session.sendFrame(frame);
  }

  /** Called once a session's socket is closed: frees its name and tells its rooms. */
  disconnected(session: Session): void {
    const user = session.user;
    if (!user || this.#sessions.get(user) !== session) return;
    this.#sessions.delete(user);
    const ts = this.#now();
    for (const room of this.chat.release(user)) {
      this.#deliver(room.members.values(), {
        type: 'leave',
        room: room.name,
        name: user.name,
        ts,
        reason: session.closeReason,
      });
    }
    this.#log.info('logout', { session: session.id, name: user.name, reason: session.closeReason });
  }

  #dispatch(session: Session, user: ChatUser, frame: ClientFrame): NatterError | void {
    switch (frame.type) {
      case 'hello':
        return natterError('already_logged_in', `you are already logged in as ${user.name}`);
      case 'say':
      case 'me':
        return this.#sayInRoom(session, user, frame.type, frame.id, frame.text, frame.room);
      case 'msg':
        return this.#privateMessage(session, user, frame.id, frame.to, frame.text);
      case 'who':
        return this.#who(session, frame.room);
      case 'nick':
        return this.#nick(session, user, frame.name);
      case 'join':
        return this.#join(session, frame.room);
      case 'leave':
        return this.#leave(session, user, frame.room);
      case 'rooms':
        session.sendFrame({
          type: 'rooms',
          rooms: this.chat.rooms().map((r) => ({ room: r.name, members: r.members.size })),
        });
        return;
      case 'history':
        return natterError('not_available', 'history arrives with persistent storage');
      case 'ping':
        session.sendFrame(
          frame.token === undefined ? { type: 'pong' } : { type: 'pong', token: frame.token },
        );
        return;
      case 'pong':
        return; // the session already counted the line as activity
      case 'quit': {
        const why = frame.reason ? sanitizeText(frame.reason).slice(0, 200) : '';
        session.close(why ? `quit: ${why}` : 'quit', { type: 'bye', reason: 'goodbye' });
        return;
      }
    }
  }

  /** The room a frame addresses: the named one, else the session's current room. */
  #targetRoom(session: Session, user: ChatUser, named: string | undefined): Room | NatterError {
    if (named !== undefined) return this.chat.roomOf(user, named);
    const current = session.room === null ? undefined : this.chat.findRoom(session.room);
    if (!current) return natterError('not_in_room', 'you are in no room; /join #room first');
    return current;
  }

  #sayInRoom(
    session: Session,
    user: ChatUser,
    kind: MessageKind,
    id: string,
    rawText: string,
    named: string | undefined,
  ): NatterError | void {
    const room = this.#targetRoom(session, user, named);
    if (room instanceof NatterError) return room;
    const text = checkMessageText(rawText, this.#limits.maxMessageBytes);
    if (!text.ok) return natterError(text.code, text.reason);
    const message: MessageEvent = {
      type: 'message',
      msg: this.#nextMessageId++,
      ts: this.#now(),
      from: user.name,
      kind,
      text: text.text,
      room: room.name,
    };
    session.sendFrame({ type: 'ack', id, msg: message.msg, ts: message.ts });
    this.#deliver(room.members.values(), message);
  }

  #privateMessage(
    session: Session,
    user: ChatUser,
    id: string,
    to: string,
    rawText: string,
  ): NatterError | void {
    const target = this.chat.findUser(to);
    if (!target) return natterError('no_such_user', `nobody called ${to.slice(0, 40)} is online`);
    const text = checkMessageText(rawText, this.#limits.maxMessageBytes);
    if (!text.ok) return natterError(text.code, text.reason);
    const message: MessageEvent = {
      type: 'message',
      msg: this.#nextMessageId++,
      ts: this.#now(),
      from: user.name,
      kind: 'say',
      text: text.text,
      to: target.name,
    };
    session.sendFrame({ type: 'ack', id, msg: message.msg, ts: message.ts });
    this.#deliver(target === user ? [user] : [target, user], message);
  }

  #who(session: Session, named: string | undefined): NatterError | void {
    const room =
      named !== undefined
        ? this.chat.findRoom(named)
        : session.room === null
          ? undefined
          : this.chat.findRoom(session.room);
    if (!room) {
      return named === undefined
        ? natterError('not_in_room', 'you are in no room; /who #room names one')
        : natterError('no_such_room', `there is no room ${named.slice(0, 70)}`);
    }
    session.sendFrame({
      type: 'who',
      room: room.name,
      users: [...room.members.values()].map((m) => m.name),
    });
  }

  #nick(session: Session, user: ChatUser, rawName: string): NatterError | void {
    const renamed = this.chat.rename(user, rawName);
    if (renamed instanceof NatterError) return renamed;
    const audience = new Set<ChatUser>([user]);
    for (const key of user.rooms) {
      for (const member of this.chat.findRoom(key)?.members.values() ?? []) audience.add(member);
    }
    this.#log.info('nick', { session: session.id, old: renamed.old, name: user.name });
    this.#deliver(audience, { type: 'nick', old: renamed.old, name: user.name, ts: this.#now() });
  }

  #join(session: Session, rawRoom: string): NatterError | void {
    const user = session.user!;
    const joined = this.chat.join(user, rawRoom);
    if (joined instanceof NatterError) return joined;
    session.room = joined.room.key;
    this.#deliver(joined.room.members.values(), {
      type: 'join',
      room: joined.room.name,
      name: user.name,
      ts: this.#now(),
    });
    this.#who(session, undefined);
  }

  #leave(session: Session, user: ChatUser, named: string | undefined): NatterError | void {
    const room = this.#targetRoom(session, user, named);
    if (room instanceof NatterError) return room;
    const ts = this.#now();
    const audience = [...room.members.values()];
    this.chat.leave(user, room.name);
    this.#deliver(audience, { type: 'leave', room: room.name, name: user.name, ts });
    if (session.room === room.key) {
      // The most recently joined remaining room becomes current.
      session.room = [...user.rooms].at(-1) ?? null;
      if (session.room !== null) {
        session.sendFrame({
          type: 'notice',
          text: `you are now in ${this.chat.findRoom(session.room)?.name}`,
        });
      }
    }
  }

  /** Serialises the event once and queues the same bytes for every recipient. */
  #deliver(users: Iterable<ChatUser>, frame: ServerFrame): void {
    const out = new Outgoing(frame);
    for (const user of users) this.#sessions.get(user)?.send(out);
  }
}
