/**
 * Every room that ever existed, with its canonical name and topic: loaded
 * from the store once at start-up and written through, so joins stay
 * synchronous (no window between reading history and becoming a member).
 */
import type { Store, StoredRoom } from '../store/store.ts';
import type { Logger } from './log.ts';

export class RoomDirectory {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #rooms = new Map<string, StoredRoom>();

  private constructor(store: Store, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  static async load(store: Store, log: Logger): Promise<RoomDirectory> {
    const directory = new RoomDirectory(store, log);
    for (const room of await store.listRooms()) directory.#rooms.set(room.key, room);
    return directory;
  }

  get(key: string): StoredRoom | undefined {
    return this.#rooms.get(key);
  }

  all(): StoredRoom[] {
    return [...this.#rooms.values()];
  }

  /** The room's record, created (and persisted) on first use. */
  ensure(key: string, name: string, now: number): StoredRoom {
    let room = this.#rooms.get(key);
    if (!room) {
      room = { key, name, topic: null, createdAt: now };
      this.#rooms.set(key, room);
      this.#persist(this.#store.ensureRoom(room), 'ensureRoom');
    }
    return room;
  }

  setTopic(key: string, topic: string | null): void {
    const room = this.#rooms.get(key);
    if (!room) return;
    room.topic = topic;
    this.#persist(this.#store.setTopic(key, topic), 'setTopic');
  }

  #persist(write: Promise<unknown>, what: string): void {
    write.catch((error: Error) =>
      this.#log.error('store write failed', { what, error: error.message }),
    );
  }
}
