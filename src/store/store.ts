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
}

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

  ensureRoom(room: { key: string; name: string; createdAt: number }): Promise<StoredRoom>;
  getRoom(key: string): Promise<StoredRoom | undefined>;
  listRooms(): Promise<StoredRoom[]>;
  setTopic(key: string, topic: string | null): Promise<void>;

  /** Remembers a resume token (stored hashed) for an identity. */
  saveResumeToken(tokenHash: string, identity: Identity, expiresAt: number): Promise<void>;
  findResumeToken(tokenHash: string, now: number): Promise<Identity | undefined>;

  /** Deletes at most `maxRows` messages beyond the policy; returns how many. */
  enforceRetention(policy: RetentionPolicy, now: number, maxRows: number): Promise<number>;

  close(): Promise<void>;
}
