/**
 * What one IRC connection remembers beyond the session: negotiated
 * capabilities, registration progress, SASL, away, and what each request
 * was (so a refusal that comes back from the hub gets the right numeric).
 */
import type { RefusalContext } from '../protocol/irc-numerics.ts';
import { ircSafe } from '../protocol/irc-format.ts';
import { formatIrcLine } from '../protocol/irc-message.ts';
import type { ChatUser } from '../core/chat.ts';
import type { Hub } from './hub.ts';
import type { Session } from './session.ts';

/** Capabilities natter offers, with their CAP LS 302 values. */
export const IRC_CAPS: ReadonlyMap<string, string> = new Map([
  ['account-notify', ''],
  ['account-tag', ''],
  ['away-notify', ''],
  ['batch', ''],
  ['draft/chathistory', ''],
  ['echo-message', ''],
  ['message-tags', ''],
  ['multi-prefix', ''],
  ['sasl', 'PLAIN'],
  ['server-time', ''],
]);

/** Every IRC user's host part: natter does not show addresses to other users. */
export const IRC_HOST = 'natter';
/** Requests remembered for their refusals; older ones are forgotten first. */
const MAX_CONTEXTS = 32;
/** The longest SASL payload accepted (PLAIN with long names and passwords fits easily). */
export const SASL_MAX_BYTES = 2048;

export type WhoKind = 'names' | 'who';

export class IrcConnection {
  readonly session: Session;
  readonly hub: Hub;
  readonly caps = new Set<string>();
  /** The nick the client knows itself by: requested before registration, shown after. */
  nick: string | null = null;
  username: string | null = null;
  realname = '';
  /** From PASS: the password of the nick's account. */
  password: string | null = null;
  /** Set by a successful SASL exchange. */
  sasl: { account: string; password: string } | null = null;
  saslMechanism: 'PLAIN' | null = null;
  saslBuffer = '';
  /** Registration waits while a CAP negotiation is open. */
  negotiating = false;
  registering = false;
  away: string | null = null;
  /** WHO and NAMES both become the hub's `who`; this says which answer each one wants. */
  readonly pendingWho: WhoKind[] = [];
  /** The channel each `MODE #chan b` list query asked about, in order. */
  readonly pendingBans: string[] = [];
  /** Open history batches by room (or "@name" for a private conversation). */
  readonly batches = new Map<string, string>();
  /** History request ids that came from CHATHISTORY: their answer is always a batch. */
  readonly chathistory = new Map<string, string>();
  /** Ids of messages this connection sent (from their acks): not echoed without echo-message. */
  readonly sent = new Set<number>();
  /** The last QUIT shown, so leaving several shared rooms shows one QUIT. */
  lastQuit = '';
  /** The command being handled, for refusals that carry no request id. */
  current: RefusalContext = { command: 'login' };
  readonly #contexts = new Map<string, RefusalContext>();
  #nextId = 0;
  #nextBatch = 0;

  constructor(session: Session, hub: Hub) {
    this.session = session;
    this.hub = hub;
  }

  get server(): string {
    return this.hub.serverName;
  }

  /** The nick as a numeric's first parameter: `*` until registered. */
  get target(): string {
    return this.session.user?.name ?? '*';
  }

  has(cap: string): boolean {
    return this.caps.has(cap);
  }

  /** A request id that remembers what the request was. */
  idFor(context: RefusalContext): string {
    const id = `i${++this.#nextId}`;
    this.#contexts.set(id, context);
    if (this.#contexts.size > MAX_CONTEXTS) {
      this.#contexts.delete(this.#contexts.keys().next().value!);
    }
    return id;
  }

  contextOf(id: string | undefined): RefusalContext {
    if (id !== undefined) {
      const context = this.#contexts.get(id);
      if (context) {
        this.#contexts.delete(id);
        return context;
      }
    }
    return this.current;
  }

  /** Forgets a request once its answer came. */
  settled(id: string): void {
    this.#contexts.delete(id);
  }

  newBatch(): string {
    return `b${++this.#nextBatch}`;
  }

  /** Queues one line. */
  send(line: string): void {
    this.session.sendLine(ircSafe(line) + '\r'); // sendLine adds the "\n" of IRC's CRLF
  }

  /** A line from the server itself: `:server COMMAND params`. */
  reply(command: string, ...params: string[]): void {
    this.send(formatIrcLine(this.server, command, params));
  }

  pong(token: string | undefined): void {
    this.send(
      formatIrcLine(this.server, 'PONG', [this.server, token ?? this.server], undefined, true),
    );
  }

  /** CAP replies: the capability list is always a trailing parameter, even one word. */
  capReply(...params: string[]): void {
    this.send(formatIrcLine(this.server, 'CAP', params, undefined, true));
  }

  /** A numeric addressed to this client. */
  numeric(numeric: string, ...params: string[]): void {
    this.reply(numeric, this.target, ...params);
  }

  notice(text: string): void {
    this.reply('NOTICE', this.target, text);
  }
}

const connections = new WeakMap<Session, IrcConnection>();

/**
 * What IRC shows about a person, from their sessions (an account may have
 * several, in any dialect): the account, and the away text and real name of
 * their IRC connections.
 */
export interface Presence {
  account: string | null;
  away: string | null;
  realname: string | null;
  dialects: string[];
}

export function presenceOf(hub: Hub, user: ChatUser | undefined): Presence | null {
  if (!user) return null;
  const sessions = hub.sessionsOf(user);
  if (sessions.size === 0) return null;
  const presence: Presence = { account: null, away: null, realname: null, dialects: [] };
  for (const session of sessions) {
    if (session.account !== null) presence.account = user.name;
    if (!presence.dialects.includes(session.dialect)) presence.dialects.push(session.dialect);
    const irc = connections.get(session);
    presence.away ??= irc?.away ?? null;
    if (irc?.realname) presence.realname ??= irc.realname;
  }
  return presence;
}

/** The IRC connections among a user's sessions. */
export function ircSessionsOf(hub: Hub, user: ChatUser): IrcConnection[] {
  const out: IrcConnection[] = [];
  for (const session of hub.sessionsOf(user)) {
    const irc = connections.get(session);
    if (irc) out.push(irc);
  }
  return out;
}

export function attachIrc(session: Session, hub: Hub): IrcConnection {
  const irc = new IrcConnection(session, hub);
  connections.set(session, irc);
  return irc;
}

export function ircOf(session: Session | undefined): IrcConnection | undefined {
  return session === undefined ? undefined : connections.get(session);
}

/** `nick!user@host` for a natter name. */
export function hostmask(name: string): string {
  return `${name}!${name}@${IRC_HOST}`;
}
