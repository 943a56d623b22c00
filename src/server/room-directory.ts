/**
 * Every room that exists, with its canonical name, topic and founder: loaded
 * from the store once at start-up and written through (each write awaited
 * before it is confirmed to anyone), so joins read it without a query.
 * Unregistered rooms that nobody is in and that hold no history are
 * forgotten after a while, so `/rooms` does not list every room ever made.
 */
import type { Store, StoredRoom } from '../store/store.ts';
import type { Logger } from './log.ts';

export class RoomDirectory {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #rooms = new Map<string, StoredRoom>();
  /** When each room was first seen empty (no member online), for forgetting it. */
  readonly #emptySince = new Map<string, number>();
  readonly #keep: ReadonlySet<string>;

  private constructor(store: Store, log: Logger, keep: ReadonlySet<string>) {
    this.#store = store;
    this.#log = log;
    this.#keep = keep;
  }

  /** `keep`: room keys never forgotten (#lobby). */
  static async load(store: Store, log: Logger, keep: readonly string[]): Promise<RoomDirectory> {
    const directory = new RoomDirectory(store, log, new Set(keep));
    for (const room of await store.listRooms()) directory.#rooms.set(room.key, room);
    return directory;
  }

  get(key: string): StoredRoom | undefined {
    return this.#rooms.get(key);
  }

  all(): StoredRoom[] {
    return [...this.#rooms.values()];
  }

  /** Creates (and stores) a room; an existing one is returned as it is. */
  async create(
    key: string,
    name: string,
    now: number,
    founder: string | null,
  ): Promise<StoredRoom> {
    const existing = this.#rooms.get(key);
    if (existing) return existing;
    const room: StoredRoom = { key, name, topic: null, createdAt: now, founder };
    this.#rooms.set(key, room);
    try {
      await this.#store.ensureRoom(room);
    } catch (error) {
      this.#rooms.delete(key);
      throw error;
    }
    return room;
  }

  async setTopic(key: string, topic: string | null): Promise<void> {
    const room = this.#rooms.get(key);
    if (!room) return;
    await this.#store.setTopic(key, topic);
    room.topic = topic;
  }

  /**
   * Forgets unregistered rooms that have been empty for `forgetMs` and hold
   * no history (the store checks that, and that no account keeps the room).
   */
  async sweep(now: number, forgetMs: number, isEmpty: (key: string) => boolean): Promise<string[]> {
    const forgotten: string[] = [];
    for (const room of [...this.#rooms.values()]) {
      if (room.founder !== null || this.#keep.has(room.key) || !isEmpty(room.key)) {
        this.#emptySince.delete(room.key);
        continue;
      }
      const since = this.#emptySince.get(room.key);
      if (since === undefined) {
        this.#emptySince.set(room.key, now);
        continue;
      }
      if (now - since < forgetMs) continue;
      try {
        if (await this.#store.forgetRoom(room.key)) {
          if (isEmpty(room.key)) {
            this.#rooms.delete(room.key);
            forgotten.push(room.key);
          } else await this.#store.ensureRoom(room); // someone came in meanwhile
        }
      } catch (error) {
        this.#log.error('store write failed', {
          what: 'forgetRoom',
          error: (error as Error).message,
        });
      }
      this.#emptySince.delete(room.key);
    }
    if (forgotten.length > 0) this.#log.info('rooms forgotten', { count: forgotten.length });
    return forgotten;
  }
}
