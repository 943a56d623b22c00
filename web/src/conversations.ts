/**
 * Every conversation on the page, by key (`#room` lower-cased, `@peer` for
 * private messages), seeded from what an earlier page saved: where the
 * reader was, and the last message received, which resume continues from.
 */
import { Conversation } from './conversation.ts';
import type { Saved } from './storage.ts';

/** The resume and read key of private messages. */
export const PRIVATE = '@';

export function roomKey(room: string): string {
  return room.toLowerCase();
}

export function privateKey(peer: string): string {
  return `@${peer.toLowerCase()}`;
}

function savedSeen(saved: Saved | null, key: string): number {
  if (!saved) return 0;
  for (const [room, msg] of Object.entries(saved.seen)) if (roomKey(room) === key) return msg;
  return 0;
}

export class Conversations extends Map<string, Conversation> {
  readonly #saved: () => Saved | null;

  constructor(saved: () => Saved | null) {
    super();
    this.#saved = saved;
  }

  /** Rooms first, in the order joined, then private conversations. */
  get list(): Conversation[] {
    const all = [...this.values()];
    return [...all.filter((c) => c.room !== null), ...all.filter((c) => c.room === null)];
  }

  get privates(): Conversation[] {
    return [...this.values()].filter((c) => c.room === null);
  }

  room(room: string): Conversation {
    const key = roomKey(room);
    let c = this.get(key);
    if (!c) {
      const saved = this.#saved();
      c = new Conversation(key, room, room, null);
      c.readUpTo = saved?.read[key] ?? 0;
      // What an earlier page received: resume continues after it, scroll-back starts there.
      c.newest = savedSeen(saved, key);
      c.marker = c.readUpTo;
      this.set(key, c);
    }
    return c;
  }

  private(peer: string): Conversation {
    const key = privateKey(peer);
    let c = this.get(key);
    if (!c) {
      c = new Conversation(key, peer, null, peer);
      c.readUpTo = this.#saved()?.read[key] ?? 0;
      c.marker = c.readUpTo;
      // Nothing older to fetch for a conversation that starts now.
      c.backfilled = true;
      this.set(key, c);
    }
    return c;
  }

  /** What a hello resumes: each room's last message, and the private one's. */
  resumePoints(): Record<string, number> {
    const saved = this.#saved();
    if (this.size === 0 && saved) return { ...saved.seen }; // a fresh page
    const resume: Record<string, number> = {};
    let privateNewest = 0;
    for (const c of this.values()) {
      if (c.room !== null) resume[c.room] = c.newest;
      else privateNewest = Math.max(privateNewest, c.newest);
    }
    if (privateNewest > 0 || saved?.seen[PRIVATE] !== undefined) {
      resume[PRIVATE] = Math.max(privateNewest, saved?.seen[PRIVATE] ?? 0);
    }
    return resume;
  }

  /** The last message received and the read position of each, to save. */
  positions(): Pick<Saved, 'seen' | 'read'> {
    const saved = this.#saved();
    // Before the resumed rooms are back, keep the saved points rather than forget them.
    const seen: Record<string, number> = this.size === 0 ? { ...saved?.seen } : {};
    const read: Record<string, number> = { ...saved?.read };
    let privateNewest = saved?.seen[PRIVATE] ?? 0;
    for (const c of this.values()) {
      if (c.room !== null) seen[c.room] = c.newest;
      else privateNewest = Math.max(privateNewest, c.newest);
      read[c.key] = c.readUpTo;
    }
    if (privateNewest > 0) seen[PRIVATE] = privateNewest;
    return { seen, read };
  }

  /** A read position from the server (another device read on). */
  readTo(room: string, msg: number): void {
    const targets = room === PRIVATE ? this.privates : [this.get(roomKey(room))];
    for (const c of targets) {
      if (!c || msg <= c.readUpTo) continue;
      c.readUpTo = msg;
      c.recount();
    }
  }
}
