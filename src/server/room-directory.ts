/**
 * Every room that exists, with its canonical name, topic and founder: loaded
 * from the store once at start-up and written through (each write awaited
 * before it is confirmed to anyone), so joins read it without a query.
 * Unregistered rooms that nobody is in and that hold no history are
 * forgotten after a while, so `/rooms` does not list every room ever made.
 *
 * Rooms are stored, so creating one is rationed: a global cap, and buckets
 * per address and per name (a burst, refilled over the window). Listing is
 * paged, in room-key order, so no answer grows with the server.
 */
import { natterError, type NatterError } from '../protocol/errors.ts';
import type { Limits } from '../protocol/limits.ts';
import type { Store, StoredRoom } from '../store/store.ts';
import { NameBuckets } from './flood-gate.ts';
import type { Logger } from './log.ts';

export type RoomCreationLimits = Pick<
  Limits,
  'maxRooms' | 'roomCreationsPerAddress' | 'roomCreationsPerName' | 'roomCreationWindowMs'
>;

/** Who wants to create a room: the rationing keys. */
export interface Creator {
  /** The address key (IPv4 /32, IPv6 /64). */
  address: string;
  nameKey: string;
}

export interface RoomPage {
  rooms: StoredRoom[];
  /** Rooms matching beyond this page. */
  more: boolean;
}

function bucketRate(perWindow: number, windowMs: number) {
  return { capacity: perWindow, perSecond: perWindow / Math.max(1, windowMs / 1000) };
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export class RoomDirectory {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #rooms = new Map<string, StoredRoom>();
  /** When each room was first seen empty (no member online), for forgetting it. */
  readonly #emptySince = new Map<string, number>();
  readonly #keep: ReadonlySet<string>;
  readonly #limits: RoomCreationLimits;
  /** Keys in ascending order, for paging; rebuilt lazily after a change. */
  #sorted: string[] | null = null;
  readonly #byAddress: NameBuckets;
  readonly #byName: NameBuckets;

  private constructor(
    store: Store,
    log: Logger,
    keep: ReadonlySet<string>,
    limits: RoomCreationLimits,
  ) {
    this.#store = store;
    this.#log = log;
    this.#keep = keep;
    this.#limits = limits;
    const window = limits.roomCreationWindowMs;
    this.#byAddress = new NameBuckets(bucketRate(limits.roomCreationsPerAddress, window));
    this.#byName = new NameBuckets(bucketRate(limits.roomCreationsPerName, window));
  }

  /** `keep`: room keys never forgotten (#lobby). */
  static async load(
    store: Store,
    log: Logger,
    keep: readonly string[],
    limits: RoomCreationLimits,
  ): Promise<RoomDirectory> {
    const directory = new RoomDirectory(store, log, new Set(keep), limits);
    for (const room of await store.listRooms()) directory.#rooms.set(room.key, room);
    return directory;
  }

  get(key: string): StoredRoom | undefined {
    return this.#rooms.get(key);
  }

  all(): StoredRoom[] {
    return [...this.#rooms.values()];
  }

  get size(): number {
    return this.#rooms.size;
  }

  /**
   * Up to `limit` rooms in key order after the key `afterKey`, whose key
   * contains `match` (already a room key fragment), and whether more follow.
   * `fits` may stop a page early (a byte budget); it always admits the first.
   */
  page(
    options: { after?: { key: string; name: string }; match?: string; limit: number },
    fits: (room: StoredRoom, taken: number) => boolean = () => true,
  ): RoomPage {
    // In the order people read (by name, case aside), the key breaking ties:
    // keys fold look-alikes (`#a1` and `#al` are one key), names do not.
    const order = (key: string) => sortTuple(key, this.#rooms.get(key)?.name ?? key);
    const sorted = (this.#sorted ??= [...this.#rooms.keys()].sort((a, b) =>
      compareTuples(order(a), order(b)),
    ));
    let start = 0;
    if (options.after !== undefined) {
      // First room after `after` (binary search: the list can be long).
      const after = sortTuple(
        options.after.key,
        this.#rooms.get(options.after.key)?.name ?? options.after.name,
      );
      let high = sorted.length;
      while (start < high) {
        const mid = (start + high) >>> 1;
        if (compareTuples(order(sorted[mid]!), after) <= 0) start = mid + 1;
        else high = mid;
      }
    }
    const rooms: StoredRoom[] = [];
    for (let i = start; i < sorted.length; i++) {
      const key = sorted[i]!;
      const room = this.#rooms.get(key);
      if (!room || (options.match !== undefined && !key.includes(options.match))) continue;
      if (rooms.length >= options.limit || (rooms.length > 0 && !fits(room, rooms.length))) {
        return { rooms, more: true };
      }
      rooms.push(room);
    }
    return { rooms, more: false };
  }

  /**
   * Whether `creator` may create a room now: under the global cap and with
   * a token left in both its address's and its name's bucket. Takes the
   * tokens when allowed (call only when the room is about to be created).
   */
  admitCreation(creator: Creator, now: number): NatterError | null {
    if (this.#rooms.size >= this.#limits.maxRooms) {
      return natterError(
        'too_many_rooms',
        `this server has its maximum of ${this.#limits.maxRooms} rooms; join an existing one`,
      );
    }
    const address = this.#byAddress.get(creator.address, now);
    const name = this.#byName.get(creator.nameKey, now);
    const wait = Math.max(address.waitMs(now), name.waitMs(now));
    if (wait > 0) {
      return natterError(
        'rate_limited',
        `too many new rooms; you can create another in ${seconds(wait)} s (joining existing ones is fine)`,
      );
    }
    address.take(now);
    name.take(now);
    return null;
  }

  /** Forgets full creation buckets. */
  sweepCreations(now: number): void {
    this.#byAddress.sweep(now);
    this.#byName.sweep(now);
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
    this.#sorted = null;
    try {
      await this.#store.ensureRoom(room);
    } catch (error) {
      this.#rooms.delete(key);
      this.#sorted = null;
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
            this.#sorted = null;
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

function sortTuple(key: string, name: string): [string, string] {
  return [name.toLowerCase(), key];
}

function compareTuples(a: [string, string], b: [string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return 0;
}
