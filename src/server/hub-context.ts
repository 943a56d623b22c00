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
import type { Logger } from './log.ts';
import type { MessageWriter } from './message-writer.ts';
import type { Metrics } from './metrics.ts';
import type { Moderation } from './moderation.ts';
import type { ScryptParams } from './passwords.ts';
import type { RoomDirectory } from './room-directory.ts';
import type { Session } from './session.ts';

export interface AccountPolicy {
  /** Name keys of server operators (effective only when logged in with the account's password). */
  operators: ReadonlySet<string>;
  /** Refuse guests: only registered names may log in. */
  registeredOnly: boolean;
  scrypt: ScryptParams;
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
  /** Password attempts, per account and per address. */
  readonly loginAttempts: { byName: NameBuckets; byAddress: NameBuckets };
  readonly serverName: string;
  now(): number;
  sessionOf(user: ChatUser): Session | undefined;
  sessions(): Iterable<Session>;
  /** Registers a logged-in session under its user. */
  adopt(session: Session, user: ChatUser): void;
  /** Frees a session's name and tells its rooms it left. */
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

export function isRoomOperator(ctx: HubContext, session: Session, roomKey: string): boolean {
  if (isServerOperator(ctx, session)) return true;
  return session.account !== null && ctx.moderation.isRoomOperator(roomKey, session.account);
}

/** The request's client id, for echoing in its answer, when it had one. */
export function idOf(request: { id?: string }): { id?: string } {
  return request.id === undefined ? {} : { id: request.id };
}
