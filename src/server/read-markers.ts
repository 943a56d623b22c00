/**
 * Read positions of accounts: how far each account has read in each of its
 * rooms (and in its private messages, "@"). A session that shows messages
 * says so with a `read` frame (text-mode sessions show everything they are
 * sent, so delivery counts); the account's other sessions are told, and the
 * store is written in one batch per second rather than once per frame.
 */
import { NatterError } from '../protocol/errors.ts';
import type { ReadRequest } from '../protocol/frames.ts';
import type { ChatUser } from '../core/chat.ts';
import { PRIVATE_MARKER, type ReadPosition, type Store } from '../store/store.ts';
import type { HubContext } from './hub-context.ts';
import type { Logger } from './log.ts';
import type { Session } from './session.ts';

const FLUSH_INTERVAL_MS = 1_000;

export class ReadMarkers {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #now: () => number;
  /** Known positions of online accounts, by `account \0 room`. */
  readonly #known = new Map<string, number>();
  readonly #dirty = new Map<string, ReadPosition>();
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(store: Store, log: Logger, now: () => number) {
    this.#store = store;
    this.#log = log;
    this.#now = now;
  }

  /** The account's position in a room: what this process knows, else the store's. */
  async get(accountKey: string, room: string): Promise<number> {
    const known = this.#known.get(keyOf(accountKey, room));
    if (known !== undefined) return known;
    const stored = await this.#store.readMarker(accountKey, room);
    const now = this.#known.get(keyOf(accountKey, room)) ?? 0;
    const position = Math.max(stored, now);
    this.#known.set(keyOf(accountKey, room), position);
    return position;
  }

  /** Moves a position forward; true when it moved (then the account's sessions should hear of it). */
  advance(accountKey: string, room: string, msg: number): boolean {
    const key = keyOf(accountKey, room);
    if ((this.#known.get(key) ?? 0) >= msg) return false;
    this.#known.set(key, msg);
    this.#dirty.set(key, { accountKey, roomKey: room, msg });
    this.#timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS).unref();
    return true;
  }

  /** Text-mode sessions show every message they are sent: delivery is reading. */
  shownIfText(session: Session, room: string, msg: number): void {
    if (session.dialect === 'text' && session.account !== null) {
      this.advance(session.account, room, msg);
    }
  }

  /** The account's last session ended: its positions are written and forgotten here. */
  offline(accountKey: string): void {
    void this.flush().then(() => {
      const prefix = `${accountKey}\u0000`;
      for (const key of this.#known.keys()) if (key.startsWith(prefix)) this.#known.delete(key);
    });
  }

  /** Writes what moved; resolves when it is stored. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = [...this.#dirty.values()];
    this.#dirty.clear();
    if (batch.length === 0) return this.#writing;
    this.#writing = this.#writing
      .then(() => this.#store.advanceReadMarkers(batch, this.#now()))
      .catch((error: Error) =>
        this.#log.error('store write failed', { what: 'readMarkers', error: error.message }),
      );
    return this.#writing;
  }
}

function keyOf(accountKey: string, room: string): string {
  return `${accountKey}\u0000${room}`;
}

/** A `read` frame: guests have no positions to keep, so theirs change nothing. */
export function readUpTo(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  request: ReadRequest,
): NatterError | void {
  if (session.account === null) return;
  let key = PRIVATE_MARKER;
  let name = PRIVATE_MARKER;
  if (request.room !== PRIVATE_MARKER) {
    const joined = ctx.chat.roomOf(user, request.room);
    if (joined instanceof NatterError) return joined;
    key = joined.key;
    name = joined.name;
  }
  if (!ctx.markers.advance(session.account, key, request.msg)) return;
  const frame = { type: 'read' as const, room: name, msg: request.msg };
  for (const other of ctx.sessionsOf(user)) if (other !== session) other.sendFrame(frame);
}
