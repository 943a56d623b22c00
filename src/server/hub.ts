/**
 * The chat server's middle: takes decoded client frames from any dialect,
 * asks the pure core what they mean, stores what must last, and delivers the
 * resulting events — each serialised once — to the sessions that should see
 * them. A message is acknowledged only after its insert is committed.
 */
import { NatterError, natterError } from '../protocol/errors.ts';
import {
  PROTOCOL_VERSION,
  type ClientFrame,
  type ErrorFrame,
  type HelloFrame,
  type HistoryRequest,
  type MessageKind,
  type ServerFrame,
  type TopicRequest,
} from '../protocol/frames.ts';
import { DEFAULT_ROOM, type Limits } from '../protocol/limits.ts';
import { Chat, type ChatUser, type Room } from '../core/chat.ts';
import { checkName } from '../core/names.ts';
import { checkRoomName } from '../core/rooms.ts';
import { checkMessageText, sanitizeText } from '../core/sanitize.ts';
import type { NewMessage, Store } from '../store/store.ts';
import { historyQuery, messageEvent, readHistoryPage, sendHistoryPage } from './history.ts';
import { identityOfToken, identityStart, resolveIdentity } from './identity.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import { MessageWriter } from './message-writer.ts';
import { Outgoing } from './outgoing.ts';
import type { RoomDirectory } from './room-directory.ts';
import type { Session } from './session.ts';

const TOPIC_MAX_CHARS = 300;
/** The resume key for private messages (room names start with #). */
const PRIVATE_RESUME_KEY = '@';

export interface HubOptions {
  limits: Limits;
  log: Logger;
  serverName: string;
  store: Store;
  rooms: RoomDirectory;
  metrics: Metrics;
  now?: () => number;
}

export class Hub {
  readonly chat = new Chat();
  readonly writer: MessageWriter;
  readonly #sessions = new Map<ChatUser, Session>();
  readonly #limits: Limits;
  readonly #log: Logger;
  readonly #serverName: string;
  readonly #store: Store;
  readonly #rooms: RoomDirectory;
  readonly #now: () => number;
  readonly #metrics: Metrics;

  constructor(options: HubOptions) {
    this.#metrics = options.metrics;
    this.#limits = options.limits;
    this.#log = options.log;
    this.#serverName = options.serverName;
    this.#store = options.store;
    this.#rooms = options.rooms;
    this.#now = options.now ?? Date.now;
    this.writer = new MessageWriter(options.store);
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  /**
   * Claims a name for a session and brings it in: the rooms it resumes (or
   * #lobby), with what it missed. On refusal the session may try again.
   */
  async login(
    session: Session,
    rawName: string,
    hello: Pick<HelloFrame, 'resume' | 'token'> = {},
  ): Promise<NatterError | ChatUser> {
    try {
      return await this.#login(session, rawName, hello);
    } catch (error) {
      this.#log.error('login failed', { session: session.id, error: (error as Error).message });
      session.fail(natterError('internal', 'the server could not log you in; try again'));
      return natterError('internal', 'login failed');
    }
  }

  async #login(
    session: Session,
    rawName: string,
    hello: Pick<HelloFrame, 'resume' | 'token'>,
  ): Promise<NatterError | ChatUser> {
    let user = this.chat.claimName(rawName);
    if (user instanceof NatterError && user.code === 'name_taken' && hello.token !== undefined) {
      if (await this.#takeOver(rawName, hello.token)) user = this.chat.claimName(rawName);
    }
    if (user instanceof NatterError) return user;
    session.loggedIn(user, { pingMs: this.#limits.idlePingMs });
    this.#sessions.set(user, session);
    // Private messages arriving before the "@" resume replay is sent wait for it.
    if (hello.resume?.[PRIVATE_RESUME_KEY] !== undefined) session.hold(PRIVATE_RESUME_KEY);
    const now = this.#now();
    let token = '';
    if (session.dialect === 'native') {
      const resolved = await resolveIdentity(this.#store, user.key, hello.token, now);
      session.identity = resolved.identity;
      token = resolved.token;
    } else {
      session.identity = { nameKey: user.key, since: identityStart(now) };
    }
    if (session.closing) return user;
    this.#metrics.increment('logins');
    this.#log.info('login', { session: session.id, name: user.name, dialect: session.dialect });
    const resume = hello.resume ?? {};
    const resumeRooms = Object.keys(resume).filter((room) => room !== PRIVATE_RESUME_KEY);
    const rooms = resumeRooms.length > 0 ? resumeRooms : [DEFAULT_ROOM];
    session.sendFrame({
      type: 'welcome',
      version: PROTOCOL_VERSION,
      server: this.#serverName,
      name: user.name,
      room: rooms[0]!,
      limits: {
        maxLineBytes: this.#limits.maxLineBytes,
        maxMessageBytes: this.#limits.maxMessageBytes,
        historyMax: this.#limits.historyMax,
        flood: {
          burst: this.#limits.floodBurst,
          perSecond: this.#limits.floodPerSecond,
          queue: this.#limits.floodQueue,
        },
      },
      token,
    });
    for (const room of rooms) {
      const joined = await this.#join(session, room, resume[room]);
      if (joined instanceof NatterError) this.reportError(session, joined);
    }
    const privateAfter = resume[PRIVATE_RESUME_KEY];
    if (privateAfter !== undefined) {
      let lastReplayed = 0;
      try {
        const since = session.identity?.since ?? now;
        const { page, more } = await readHistoryPage(
          { after: privateAfter, limit: this.#limits.historyMax },
          (query) => this.#store.privateHistory(user.key, null, since, query),
        );
        lastReplayed = sendHistoryPage(session, page, { with: '' }, more);
      } finally {
        session.release(PRIVATE_RESUME_KEY, lastReplayed);
      }
    }
    return user;
  }

  /**
   * A reconnecting client whose old connection the server still holds (a
   * network drop is not always noticed at once) proves with its token that it
   * is the same person; the stale connection is closed and the name freed.
   */
  async #takeOver(rawName: string, token: string): Promise<boolean> {
    const checked = checkName(rawName);
    const holder = checked.ok ? this.chat.userByKey(checked.key) : undefined;
    const stale = holder && this.#sessions.get(holder);
    if (!holder || !stale) return false;
    const identity = await identityOfToken(this.#store, token, this.#now());
    if (!identity || identity.nameKey !== holder.key || this.#sessions.get(holder) !== stale) return false;
    this.#log.info('session taken over', { session: stale.id, name: holder.name });
    stale.destroy('reconnected');
    this.disconnected(stale);
    return true;
  }

  /**
   * Handles one frame from a logged-in session, through its flood gate.
   * Returns a promise when the answer needs the store, so the session
   * handles its next line after it.
   */
  handle(session: Session, frame: ClientFrame): void | Promise<void> {
    const admission = session.flood.admit(frame, () => void this.#run(session, frame), this.#now());
    switch (admission.kind) {
      case 'now':
        return this.#run(session, frame);
      case 'queued':
        return;
      case 'refused': {
        this.#metrics.increment('rate_limited');
        const seconds = Math.max(1, Math.round(admission.retryInMs / 1000));
        const error = natterError('rate_limited', `slow down, next message in ${seconds} s`);
        return this.reportError(session, error, 'id' in frame ? frame.id : undefined);
      }
      case 'disconnect':
        return this.#floodDisconnect(session);
    }
  }

  /** A malformed line: answered, counted, and a strike against the sender. */
  protocolError(session: Session, error: NatterError, id?: string): void {
    if (error.fatal) {
      if (error.code === 'too_long') this.#metrics.increment('oversize_lines');
      this.#log.info('closing connection', { session: session.id, code: error.code });
      session.fail(error);
      return;
    }
    this.#metrics.increment('protocol_errors');
    if (!session.flood.strike(this.#now())) return this.#floodDisconnect(session);
    this.reportError(session, error, id);
  }

  #floodDisconnect(session: Session): void {
    this.#metrics.increment('flood_disconnects');
    this.#log.warn('flood disconnect', {
      session: session.id,
      address: session.remoteAddress,
      code: 'rate_limited',
    });
    session.fail(natterError('rate_limited', 'too much, too fast: disconnected', { fatal: true }));
  }

  #run(session: Session, frame: ClientFrame): void | Promise<void> {
    const id = 'id' in frame ? frame.id : undefined;
    const report = (result: NatterError | void) => {
      if (result instanceof NatterError) this.reportError(session, result, id);
    };
    const result = this.#dispatch(session, session.user!, frame);
    if (!(result instanceof Promise)) return report(result);
    return result.then(report, (error: Error) => {
      this.#log.error('request failed', { type: frame.type, error: error.message });
      report(natterError('internal', 'the server could not do that; try again'));
    });
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
      this.#deliverToRoom(room, {
        type: 'leave',
        room: room.name,
        name: user.name,
        ts,
        reason: session.closeReason,
      });
    }
    this.#log.info('logout', { session: session.id, name: user.name, reason: session.closeReason });
  }

  #dispatch(
    session: Session,
    user: ChatUser,
    frame: ClientFrame,
  ): NatterError | void | Promise<NatterError | void> {
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
          rooms: this.#rooms.all().map((r) => ({
            room: r.name,
            members: this.chat.findRoom(r.key)?.members.size ?? 0,
            ...(r.topic ? { topic: r.topic } : {}),
          })),
        });
        return;
      case 'history':
        return this.#history(session, user, frame);
      case 'topic':
        return this.#topic(session, user, frame);
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
    clientId: string,
    rawText: string,
    named: string | undefined,
  ): NatterError | void {
    const room = this.#targetRoom(session, user, named);
    if (room instanceof NatterError) return room;
    const text = checkMessageText(rawText, this.#limits.maxMessageBytes);
    if (!text.ok) return natterError(text.code, text.reason);
    this.#commit(session, clientId, {
      ts: this.#now(),
      roomKey: room.key,
      roomName: room.name,
      fromKey: user.key,
      fromName: user.name,
      toKey: null,
      toName: null,
      kind,
      text: text.text,
      clientId,
    });
  }

  #privateMessage(
    session: Session,
    user: ChatUser,
    clientId: string,
    to: string,
    rawText: string,
  ): NatterError | void {
    const target = this.chat.findUser(to);
    if (!target) return natterError('no_such_user', `nobody called ${to.slice(0, 40)} is online`);
    const text = checkMessageText(rawText, this.#limits.maxMessageBytes);
    if (!text.ok) return natterError(text.code, text.reason);
    this.#commit(session, clientId, {
      ts: this.#now(),
      roomKey: null,
      roomName: null,
      fromKey: user.key,
      fromName: user.name,
      toKey: target.key,
      toName: target.name,
      kind: 'say',
      text: text.text,
      clientId,
    });
  }

  /** Commits, then acks the sender, then delivers — a re-sent client id is only re-acked. */
  #commit(session: Session, clientId: string, message: NewMessage): void {
    this.writer.append(message).then(
      ({ message: stored, duplicate }) => {
        session.sendFrame({ type: 'ack', id: clientId, msg: stored.id, ts: stored.ts });
        if (duplicate) return;
        this.#metrics.increment('messages_stored');
        const event = messageEvent(stored);
        if (stored.roomKey !== null) {
          const room = this.chat.findRoom(stored.roomKey);
          if (room) this.#deliverToRoom(room, event);
        } else {
          const users = [stored.toKey, stored.fromKey].map((key) => this.chat.userByKey(key));
          const online = new Set(users.filter((u): u is ChatUser => u !== undefined));
          this.#deliver(online, event, PRIVATE_RESUME_KEY);
        }
      },
      (error: Error) => {
        this.#log.error('storing a message failed', { session: session.id, error: error.message });
        this.reportError(
          session,
          natterError('internal', 'message not stored; send it again'),
          clientId,
        );
      },
    );
  }

  #who(session: Session, named: string | undefined): NatterError | void {
    const room =
      named !== undefined
        ? this.chat.findRoom(named)
        : session.room === null
          ? undefined
          : this.chat.findRoom(session.room);
    if (!room) {
      if (named === undefined)
        return natterError('not_in_room', 'you are in no room; /who #room names one');
      const checked = checkRoomName(named);
      const record = checked.ok ? this.#rooms.get(checked.key) : undefined;
      if (!record) return natterError('no_such_room', `there is no room ${named.slice(0, 70)}`);
      session.sendFrame({ type: 'who', room: record.name, users: [] });
      return;
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
    // A new name is a new identity: private history stays with the old one.
    session.identity = { nameKey: user.key, since: identityStart(this.#now()) };
    this.#log.info('nick', { session: session.id, old: renamed.old, name: user.name });
    this.#deliver(audience, { type: 'nick', old: renamed.old, name: user.name, ts: this.#now() });
  }

  /** Joins a room, replaying its recent history (or everything after `after`) first. */
  async #join(session: Session, rawRoom: string, after?: number): Promise<NatterError | void> {
    const user = session.user!;
    if (user.rooms.size >= this.#limits.maxRoomsPerUser) {
      return natterError(
        'too_many_rooms',
        `you can be in at most ${this.#limits.maxRoomsPerUser} rooms`,
      );
    }
    const checked = checkRoomName(rawRoom);
    if (!checked.ok) return natterError('room_invalid', checked.reason);
    const now = this.#now();
    const record = this.#rooms.ensure(checked.key, checked.name, now);
    const joined = this.chat.join(user, record.name);
    if (joined instanceof NatterError) return joined;
    const room = joined.room;
    session.room = room.key;
    session.hold(room.key);
    this.#deliverToRoom(room, { type: 'join', room: room.name, name: user.name, ts: now });
    const limit = after === undefined ? this.#limits.historyOnJoin : this.#limits.historyMax;
    let lastReplayed = 0;
    try {
      const { page, more } = await readHistoryPage(
        after === undefined ? { limit } : { after, limit },
        (query) => this.#store.roomHistory(room.key, query),
      );
      lastReplayed = sendHistoryPage(session, page, { room: room.name }, more);
    } finally {
      session.release(room.key, lastReplayed);
    }
    if (record.topic) session.sendFrame({ type: 'topic', room: room.name, topic: record.topic });
    this.#who(session, undefined);
  }

  #leave(session: Session, user: ChatUser, named: string | undefined): NatterError | void {
    const room = this.#targetRoom(session, user, named);
    if (room instanceof NatterError) return room;
    this.#deliverToRoom(room, { type: 'leave', room: room.name, name: user.name, ts: this.#now() });
    this.chat.leave(user, room.name);
    if (session.room === room.key) {
      // The most recently joined remaining room becomes current.
      session.room = [...user.rooms].at(-1) ?? null;
      const current = session.room === null ? undefined : this.chat.findRoom(session.room);
      session.sendFrame({
        type: 'notice',
        text: current ? `you are now in ${current.name}` : 'you are in no room; /join #room',
      });
    }
  }

  async #history(
    session: Session,
    user: ChatUser,
    request: HistoryRequest,
  ): Promise<NatterError | void> {
    const query = historyQuery(request, this.#limits.historyOnJoin || 50, this.#limits.historyMax);
    if (query instanceof NatterError) return query;
    if (request.with !== undefined) {
      let peerKey: string | null = null;
      if (request.with !== '') {
        const peer = checkName(request.with);
        if (!peer.ok) return natterError(peer.code, peer.reason);
        peerKey = peer.key;
      }
      const since = session.identity?.since ?? this.#now();
      const { page, more } = await readHistoryPage(query, (q) =>
        this.#store.privateHistory(user.key, peerKey, since, q),
      );
      sendHistoryPage(session, page, { with: request.with, ...idOf(request) }, more);
      return;
    }
    const room = this.#targetRoom(session, user, request.room);
    if (room instanceof NatterError) return room;
    const { page, more } = await readHistoryPage(query, (q) =>
      this.#store.roomHistory(room.key, q),
    );
    sendHistoryPage(session, page, { room: room.name, ...idOf(request) }, more);
  }

  #topic(session: Session, user: ChatUser, request: TopicRequest): NatterError | void {
    const room = this.#targetRoom(session, user, request.room);
    if (room instanceof NatterError) return room;
    if (request.topic === undefined) {
      session.sendFrame({
        type: 'topic',
        room: room.name,
        topic: this.#rooms.get(room.key)?.topic ?? null,
      });
      return;
    }
    const topic = sanitizeText(request.topic).trim().slice(0, TOPIC_MAX_CHARS) || null;
    this.#rooms.setTopic(room.key, topic);
    this.#deliverToRoom(room, {
      type: 'topic',
      room: room.name,
      topic,
      by: user.name,
      ts: this.#now(),
    });
  }

  /** Serialises the event once and queues the same bytes for every member. */
  #deliverToRoom(room: Room, frame: ServerFrame): void {
    const out = new Outgoing(frame);
    for (const user of room.members.values()) this.#sessions.get(user)?.send(out, room.key);
  }

  /** `holdKey`: what a session replaying history holds the event under (private: "@"). */
  #deliver(users: Iterable<ChatUser>, frame: ServerFrame, holdKey?: string): void {
    const out = new Outgoing(frame);
    for (const user of users) this.#sessions.get(user)?.send(out, holdKey);
  }
}

/** The request's client id, for echoing in its answer, when it had one. */
function idOf(request: { id?: string }): { id?: string } {
  return request.id === undefined ? {} : { id: request.id };
}
