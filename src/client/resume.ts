/**
 * The resume seam (ARCHITECTURE.md, "Delivery semantics"): remembers the last
 * server message id seen per room, which a reconnecting client sends in
 * `hello.resume` so the server replays what it missed, and drops any message
 * already shown, so a replay that overlaps what arrived live shows each
 * message exactly once.
 */
import type { MessageEvent, ResumePoint } from '../protocol/frames.ts';
import { roomKey } from '../core/rooms.ts';

/** The resume key for private messages (room names start with #). */
export const PRIVATE_RESUME_KEY = '@';
/** How many message ids are remembered for de-duplication; older ones are forgotten first. */
const SEEN_LIMIT = 10_000;

export class ResumeTracker {
  /** Last id per room key, with the room's name as the server spells it. */
  readonly #last = new Map<string, { room: string; msg: number }>();
  #lastPrivate = 0;
  /** `roomkey msg` of every message shown, oldest first (a Set keeps insertion order). */
  readonly #seen = new Set<string>();

  /** Records a message; false when it was already shown and must be dropped. */
  accept(message: MessageEvent): boolean {
    const room = message.room === undefined ? null : roomKey(message.room);
    const key = `${room ?? PRIVATE_RESUME_KEY} ${message.msg}`;
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    if (this.#seen.size > SEEN_LIMIT) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    if (room === null) {
      this.#lastPrivate = Math.max(this.#lastPrivate, message.msg);
    } else if ((this.#last.get(room)?.msg ?? 0) < message.msg) {
      this.#last.set(room, { room: message.room!, msg: message.msg });
    }
    return true;
  }

  /** Last id seen in a room, 0 when none. */
  lastSeen(room: string): number {
    return this.#last.get(roomKey(room))?.msg ?? 0;
  }

  /**
   * What to send in hello.resume for these rooms (the current one first: the
   * server makes the first room of the resume the welcome room). Rooms with
   * nothing seen yet resume from 0.
   */
  point(rooms: readonly string[]): ResumePoint {
    const point: ResumePoint = {};
    for (const room of rooms) point[room] = this.lastSeen(room);
    if (this.#lastPrivate > 0) point[PRIVATE_RESUME_KEY] = this.#lastPrivate;
    return point;
  }
}
