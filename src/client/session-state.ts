/**
 * What the client knows about its own session, rebuilt from server frames:
 * its name (after /nick), the rooms it is in, the room plain messages go to,
 * and what the server said in its welcome. Kept on the client so that it
 * survives reconnects: the rooms are resumed and the current room stays
 * current even though the server rejoins them in its own order.
 */
import type { ServerFrame, WelcomeFrame } from '../protocol/frames.ts';
import { roomKey } from '../core/rooms.ts';

export class SessionState {
  name: string;
  /** From the last welcome; proves in the next hello that we are the same person. */
  token: string | undefined;
  server: string | null = null;
  limits: WelcomeFrame['limits'] | null = null;
  /** What the server supports (welcome.features); empty for older servers. */
  features: ReadonlySet<string> = new Set();
  #rooms: string[] = [];
  #current: string | null = null;
  /** Keys of rooms being rejoined by the server after a resume: their joins change nothing. */
  readonly #restoring = new Set<string>();
  /** Keys of rooms this client asked to join: their joins make them current. */
  readonly #asked = new Set<string>();

  constructor(name: string) {
    this.name = name;
  }

  /** Rooms we are in, in the order we joined them. */
  get rooms(): readonly string[] {
    return this.#rooms;
  }

  /** Where plain messages go; null before the first welcome or after leaving every room. */
  get room(): string | null {
    return this.#current;
  }

  /** Rooms still expected back after a resume. */
  get restoring(): number {
    return this.#restoring.size;
  }

  /** The rooms to resume, the current one first (the server welcomes us into the first). */
  resumeOrder(): string[] {
    const current = this.#current;
    return current === null
      ? [...this.#rooms]
      : [current, ...this.#rooms.filter((r) => roomKey(r) !== roomKey(current))];
  }

  /** A welcome; `resumed` lists the rooms asked back in hello.resume (none on a first login). */
  welcome(frame: WelcomeFrame, resumed: readonly string[]): void {
    this.name = frame.name;
    this.token = frame.token;
    this.server = frame.server;
    this.limits = frame.limits;
    this.features = new Set(frame.features ?? []);
    this.#restoring.clear();
    // An account's rooms come back too (welcome.rooms): joining them changes nothing either.
    for (const room of [frame.room, ...resumed, ...(frame.rooms ?? [])]) {
      this.#restoring.add(roomKey(room));
    }
    if (resumed.length === 0) {
      this.#rooms = [];
      this.#current = frame.room;
    }
  }

  /** Makes a room we are in current; false when we are not in it. */
  switchTo(room: string): boolean {
    const key = roomKey(room.startsWith('#') ? room : `#${room}`);
    const found = this.#rooms.find((r) => roomKey(r) === key);
    if (found === undefined) return false;
    this.#current = found;
    return true;
  }

  /** This client asked to join a room: when the server confirms it, it becomes current. */
  asked(room: string): void {
    this.#asked.add(roomKey(room.startsWith('#') ? room : `#${room}`));
  }

  /** An id-less error during a resume: one rejoin failed; stop waiting for everything. */
  restoreFailed(): void {
    this.#restoring.clear();
  }

  /** Updates the state from an event; returns nothing, the frame goes on to renderers. */
  apply(frame: ServerFrame): void {
    switch (frame.type) {
      case 'join': {
        if (frame.name !== this.name) return;
        const key = roomKey(frame.room);
        if (!this.#rooms.some((r) => roomKey(r) === key)) this.#rooms.push(frame.room);
        // A join we asked for makes the room current; a rejoin by resume does not,
        // nor does a join another device of our account asked for.
        if (this.#restoring.delete(key)) return;
        if (this.#asked.delete(key) || this.#current === null) this.#current = frame.room;
        return;
      }
      case 'leave': {
        if (frame.name !== this.name) return;
        const key = roomKey(frame.room);
        this.#rooms = this.#rooms.filter((r) => roomKey(r) !== key);
        this.#restoring.delete(key);
        if (this.#current !== null && roomKey(this.#current) === key) {
          this.#current = this.#rooms.at(-1) ?? null; // the server's rule too
        }
        return;
      }
      case 'nick':
        if (frame.old === this.name) this.name = frame.name;
        return;
      default:
        return;
    }
  }
}
