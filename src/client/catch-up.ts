/**
 * Fetching on after a resume. The server replays at most `historyMax`
 * messages per resumed room (and for "@"); a replay that ends with
 * `more: true` leaves the rest to the client, which asks with
 * `history {after}` page by page until nothing is left. One request is in
 * flight at a time (each costs a flood token on the server), and renderers
 * see a single end frame for the whole run, as if it had been one replay.
 */
import type { HistoryEnd, HistoryRequest, MessageEvent } from '../protocol/frames.ts';
import { roomKey } from '../core/rooms.ts';
import { PRIVATE_RESUME_KEY } from './resume.ts';

/** Where a catch-up reads: a room by name, or all private messages. */
type Target = { room: string } | { with: '' };

interface Run {
  target: Target;
  /** Messages received so far, over every page. */
  count: number;
}

export interface CatchUpHooks {
  /** Most messages one request may ask for (the server's historyMax). */
  pageLimit(): number;
  send(request: HistoryRequest): void;
}

function keyOf(target: Target): string {
  return 'room' in target ? roomKey(target.room) : PRIVATE_RESUME_KEY;
}

export class CatchUp {
  readonly #hooks: CatchUpHooks;
  readonly #newId: () => string;
  /** Resumed rooms (keys, and "@") whose replay end has not arrived yet on this connection. */
  readonly #expected = new Set<string>();
  /** Catch-ups waiting for their turn, then the one in flight (by request id). */
  readonly #waiting: Run[] = [];
  #inFlight: { id: string; run: Run } | null = null;
  /**
   * The last replayed message id per key. Not the last id seen: live
   * messages the server held during the replay follow its end frame and are
   * newer than the gap still to fetch.
   */
  readonly #replayed = new Map<string, number>();

  constructor(hooks: CatchUpHooks, newId: () => string) {
    this.#hooks = hooks;
    this.#newId = newId;
  }

  /** A new connection resumes these rooms (and private messages when `privately`). */
  start(rooms: readonly string[], privately: boolean): void {
    this.#expected.clear();
    this.#waiting.length = 0;
    this.#inFlight = null; // its answer, if any, died with the old connection
    this.#replayed.clear();
    for (const room of rooms) this.#expected.add(roomKey(room));
    if (privately) this.#expected.add(PRIVATE_RESUME_KEY);
  }

  /** Every message, before de-duplication: replayed ones move the cursor. */
  message(frame: MessageEvent): void {
    if (frame.history !== true) return;
    this.#replayed.set(
      frame.room === undefined ? PRIVATE_RESUME_KEY : roomKey(frame.room),
      frame.msg,
    );
  }

  /** Whether an id is one of our requests (its errors are ours to handle). */
  owns(id: string | undefined): boolean {
    return id !== undefined && this.#inFlight?.id === id;
  }

  /**
   * A history end frame: returns what renderers should see — the frame
   * itself, the summary of a finished catch-up, or null while one goes on.
   */
  end(frame: HistoryEnd): HistoryEnd | null {
    if (frame.id !== undefined) {
      const current = this.#inFlight;
      if (current?.id !== frame.id) return frame; // somebody else's request
      current.run.count += frame.count;
      this.#inFlight = null;
      if (frame.more && frame.count > 0) {
        this.#waiting.unshift(current.run); // its next page goes first
        this.#next();
        return null;
      }
      this.#next();
      return { type: 'history', ...current.run.target, count: current.run.count, more: false };
    }
    const target: Target | null =
      frame.room !== undefined ? { room: frame.room } : frame.with === '' ? { with: '' } : null;
    if (target === null || !this.#expected.delete(keyOf(target))) return frame;
    if (!frame.more || frame.count === 0) return frame;
    this.#waiting.push({ target, count: frame.count });
    this.#next();
    return null;
  }

  /** Our request was refused (the room was left meanwhile, say): that catch-up stops. */
  refused(): void {
    this.#inFlight = null;
    this.#next();
  }

  #next(): void {
    if (this.#inFlight !== null) return;
    const run = this.#waiting.shift();
    if (!run) return;
    const id = this.#newId();
    this.#inFlight = { id, run };
    const after = this.#replayed.get(keyOf(run.target)) ?? 0;
    this.#hooks.send({
      type: 'history',
      id,
      ...run.target,
      after,
      limit: this.#hooks.pageLimit(),
    });
  }
}
