/**
 * What the server needs from durable storage. The server sees only this
 * interface; which implementation runs is decided once at start-up. Methods
 * return promises so a networked store (PostgreSQL) fits the same shape; the
 * SQL lives in the implementation, never in the server.
 */
import type { MessageKind } from '../protocol/frames.ts';
import type { AccountStore, ModerationStore } from './moderation.ts';

export type { Account, Ban, Mute, RoomOperator, Scope } from './moderation.ts';

export interface NewMessage {
  ts: number;
  /** Room key for room messages; null for private messages. */
  roomKey: string | null;
  roomName: string | null;
  fromKey: string;
  fromName: string;
  /** Recipient for private messages. */
  toKey: string | null;
  toName: string | null;
  kind: MessageKind;
  text: string;
  /** The sender's client id: re-sending it must not store the message twice. */
  clientId: string;
  /**
   * Where the sender's client ids are unique: one holding of a guest name,
   * or one device of an account. A later holder of a free guest name (or
   * another device) reusing an id sends a new message rather than getting
   * the old one's ack; the same device re-sending after a reconnect does not.
   */
  senderScope: string;
}

export interface StoredMessage extends NewMessage {
  /** Server message id: increasing, never reused. */
  id: number;
}

export interface AppendResult {
  message: StoredMessage;
  /** True when this client id had been stored before; nothing new was written. */
  duplicate: boolean;
}

export interface StoredRoom {
  key: string;
  name: string;
  topic: string | null;
  createdAt: number;
  /** The account that registered the room (its creator, when logged in); null: unregistered. */
  founder: string | null;
}

/** A room an account is in, with how far it has read. */
export interface Membership {
  roomKey: string;
  roomName: string;
  /** The last message id the account has seen there (0: none). */
  lastRead: number;
}

export interface ReadPosition {
  accountKey: string;
  roomKey: string;
  msg: number;
}

/** The read position of an account's private messages, kept beside its rooms. */
export const PRIVATE_MARKER = '@';

export interface HistoryQuery {
  /** Only ids above this. */
  after?: number;
  /** Only ids below this. */
  before?: number;
  /** At most this many, the newest ones unless `after` is given. */
  limit: number;
}

export interface Identity {
  nameKey: string;
  /** When this identity began: private messages before it belong to someone else. */
  since: number;
}

export interface RetentionPolicy {
  /** Delete messages older than this many milliseconds (0: keep). */
  maxAgeMs: number;
  /** Keep at most this many messages per room (0: no cap). */
  maxPerRoom: number;
}

/** How names and rooms are turned into keys (core/names, core/rooms), and which rules those are. */
export interface KeyRules {
  version: number;
  name(display: string): string;
  room(name: string): string;
}

/** What re-keying changed, for the log. */
export interface RekeyReport {
  accounts: number;
  rooms: number;
  /** Names or rooms whose new key another one had already: left under their old key. */
  conflicts: string[];
}

export interface Store {
  readonly accounts: AccountStore;
  readonly moderation: ModerationStore;

  /**
   * Stores messages in one transaction, in order. A message whose
   * (fromKey, clientId) was stored before is not stored again; its original
   * is returned with `duplicate: true`.
   */
  appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]>;
  /** Room messages in ascending id order. */
  roomHistory(roomKey: string, query: HistoryQuery): Promise<StoredMessage[]>;
  /** Private messages between two people since `since`, ascending. */
  privateHistory(
    userKey: string,
    peerKey: string | null,
    since: number,
    query: HistoryQuery,
  ): Promise<StoredMessage[]>;

  /** How many messages there are after `after`, counting at most `cap`. */
  countRoomMessages(roomKey: string, after: number, cap: number): Promise<number>;
  countPrivateMessages(userKey: string, since: number, after: number, cap: number): Promise<number>;

  ensureRoom(
    room: Omit<StoredRoom, 'topic' | 'founder'> & { founder?: string | null },
  ): Promise<StoredRoom>;
  getRoom(key: string): Promise<StoredRoom | undefined>;
  listRooms(): Promise<StoredRoom[]>;
  setTopic(key: string, topic: string | null): Promise<void>;
  /**
   * Forgets a room that nobody needs: unregistered, no messages, no account
   * has it among its rooms. False (and nothing changed) otherwise.
   */
  forgetRoom(key: string): Promise<boolean>;

  /** The rooms an account is in (its private-message marker excluded). */
  listMemberships(accountKey: string): Promise<Membership[]>;
  /** Adds a room to an account's rooms (kept as is when it is there already). */
  addMembership(accountKey: string, membership: Membership, now: number): Promise<void>;
  removeMembership(accountKey: string, roomKey: string): Promise<void>;
  /** The account's read position in a room (or PRIVATE_MARKER); 0 when none. */
  readMarker(accountKey: string, roomKey: string): Promise<number>;
  /** Moves read positions forward (never back), in one transaction. */
  advanceReadMarkers(markers: readonly ReadPosition[], now: number): Promise<void>;

  /** Remembers a resume token (stored hashed) for an identity, or re-points it to a new one. */
  saveResumeToken(tokenHash: string, identity: Identity, expiresAt: number): Promise<void>;
  findResumeToken(tokenHash: string, now: number): Promise<Identity | undefined>;
  /**
   * Ends every other holding's tokens for a name: called when a new holding
   * of it begins, so a token never spans two people who held the same name.
   */
  revokeResumeTokens(nameKey: string, exceptTokenHash: string | null): Promise<void>;

  /** Deletes at most `maxRows` messages beyond the policy; returns how many. */
  enforceRetention(policy: RetentionPolicy, now: number, maxRows: number): Promise<number>;

  /**
   * Brings stored keys up to the current key rules (an upgrade that changed
   * how look-alikes fold): accounts, rooms and everything naming them are
   * re-keyed from their display names. Null when the data already follows
   * these rules.
   */
  rekey(rules: KeyRules): Promise<RekeyReport | null>;

  /** Resolves when the store can serve (for /readyz); rejects when it cannot. */
  ping?(): Promise<void>;

  close(): Promise<void>;
}
