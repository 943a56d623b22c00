/**
 * What the request handlers (login, messaging, rooms, accounts, moderation)
 * need from the hub: state, the store, and delivery. Handlers are plain
 * functions over this, so each stays small and testable on its own.
 */
import type { NatterError } from '../protocol/errors.ts';
import type { ServerFrame } from '../protocol/frames.ts';
import type { Limits } from '../protocol/limits.ts';
import type { Chat, ChatUser, Room } from '../core/chat.ts';
import type { Store } from '../store/store.ts';
import type { NameBuckets } from './flood-gate.ts';
import type { HashSlots } from './hash-slots.ts';
import type { Logger } from './log.ts';
import type { MessageWriter } from './message-writer.ts';
import type { Metrics } from './metrics.ts';
import type { Moderation } from './moderation.ts';
import type { ScryptParams } from './passwords.ts';
import type { ReadMarkers } from './read-markers.ts';
import type { RoomDirectory } from './room-directory.ts';
import type { Session } from './session.ts';

export interface AccountPolicy {
  /** Name keys of server operators (effective only when logged in with the account's password). */
  operators: ReadonlySet<string>;
  /** Refuse guests: only registered names may log in. */
  registeredOnly: boolean;
  scrypt: ScryptParams;
  /** Where every password hash waits for its slot (hash-slots.ts). */
  hashing: HashSlots;
}

export interface HubContext {
  readonly chat: Chat;
  readonly store: Store;
  readonly rooms: RoomDirectory;
  readonly moderation: Moderation;
  readonly writer: MessageWriter;
  readonly limits: Limits;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly accounts: AccountPolicy;
  /** Password attempts, per (account, address) and per address: never per account alone. */
  readonly loginAttempts: { byNameAtAddress: NameBuckets; byAddress: NameBuckets };
  readonly serverName: string;
  now(): number;
  readonly markers: ReadMarkers;
  /** The live sessions of a user: one for a guest, up to the session cap for an account. */
  sessionsOf(user: ChatUser): ReadonlySet<Session>;
  sessions(): Iterable<Session>;
  /** Registers a logged-in session under its user. */
  adopt(session: Session, user: ChatUser): void;
  /**
   * Takes a session off its user without the user leaving anything: the
   * same device logged in again, and the new session takes its place.
   */
  detach(session: Session): void;
  /** Called when a session ends: when it was its user's last, frees the name and tells the rooms. */
  disconnected(session: Session): void;
  deliver(users: Iterable<ChatUser>, frame: ServerFrame, holdKey?: string): void;
  deliverToRoom(room: Room, frame: ServerFrame): void;
  reportError(session: Session, error: NatterError, id?: string): void;
  /** The room a request addresses: the named one (must be a member), else the current room. */
  targetRoom(session: Session, user: ChatUser, named: string | undefined): Room | NatterError;
}

/** Whether the session is logged in to an account that is a server operator. */
export function isServerOperator(ctx: HubContext, session: Session): boolean {
  return session.account !== null && ctx.accounts.operators.has(session.account);
}

/**
 * Room rights follow the account, never the nick; an operator banned from
 * the room (by name or address) has none there until the ban is lifted.
 */
export function isRoomOperator(ctx: HubContext, session: Session, roomKey: string): boolean {
  if (isServerOperator(ctx, session)) return true;
  if (session.account === null || !ctx.moderation.isRoomOperator(roomKey, session.account)) {
    return false;
  }
  return !ctx.moderation.banFor(roomKey, session.account, session.remoteAddress, ctx.now());
}

/** The request's client id, for echoing in its answer, when it had one. */
export function idOf(request: { id?: string }): { id?: string } {
  return request.id === undefined ? {} : { id: request.id };
}
