/**
 * Bans, mutes and room operators in memory, loaded from the store at start
 * and written through — each change is stored before it takes effect or is
 * confirmed — so checks on every login, join and message cost a map lookup.
 * Expired entries simply stop matching.
 */
import type { Ban, Mute, RoomOperator, Scope, Store } from '../store/store.ts';
import { SERVER_SCOPE } from '../store/moderation.ts';
import { blockContains, canonicalAddress, formatBlock, parseBlock } from './addresses.ts';

/** An address in its canonical form (see addresses.ts); unparseable text unchanged. */
export function plainAddress(address: string): string {
  return canonicalAddress(address) ?? address;
}

/**
 * An address or CIDR block as a ban value, canonical — `0:0:0:0:0:0:0:1`,
 * `::0001` and `::1` are one ban — or null when it is neither.
 */
export function parseAddressTarget(text: string): string | null {
  const block = parseBlock(text);
  return block === null ? null : formatBlock(block);
}

/** Whether an address is the banned address or in the banned block, however either is written. */
export function addressMatches(ban: string, address: string): boolean {
  const block = parseBlock(ban);
  const plain = canonicalAddress(address);
  return block !== null && plain !== null && blockContains(block, plain);
}

export class Moderation {
  readonly #store: Store;
  readonly #bans = new Map<string, Ban>();
  readonly #mutes = new Map<string, Mute>();
  readonly #operators = new Set<string>();

  private constructor(store: Store) {
    this.#store = store;
  }

  static async load(store: Store, now: number): Promise<Moderation> {
    const moderation = new Moderation(store);
    for (const ban of await store.moderation.listBans(now)) moderation.#bans.set(banKey(ban), ban);
    for (const mute of await store.moderation.listMutes(now))
      moderation.#mutes.set(muteKey(mute), mute);
    for (const op of await store.moderation.listRoomOperators())
      moderation.#operators.add(opKey(op));
    return moderation;
  }

  /** The ban that keeps this name or address out of a scope, if any. */
  banFor(scope: Scope, nameKey: string | null, address: string, now: number): Ban | undefined {
    const plain = plainAddress(address);
    for (const ban of this.#bans.values()) {
      if (ban.scope !== scope || (ban.until !== null && ban.until <= now)) continue;
      if (ban.kind === 'name' ? ban.value === nameKey : addressMatches(ban.value, plain))
        return ban;
    }
    return undefined;
  }

  bans(scope: Scope | null, now: number): Ban[] {
    return [...this.#bans.values()].filter(
      (b) => (scope === null || b.scope === scope) && (b.until === null || b.until > now),
    );
  }

  async ban(ban: Ban): Promise<void> {
    await this.#store.moderation.addBan(ban);
    this.#bans.set(banKey(ban), ban);
  }

  async unban(scope: Scope, kind: Ban['kind'], value: string): Promise<boolean> {
    if (!this.#bans.has(banKey({ scope, kind, value }))) return false;
    await this.#store.moderation.removeBan(scope, kind, value);
    return this.#bans.delete(banKey({ scope, kind, value }));
  }

  /** The mute in force for this name in a room (or server-wide), if any. */
  muteFor(roomKey: string | null, nameKey: string, now: number): Mute | undefined {
    for (const scope of roomKey === null ? [SERVER_SCOPE] : [roomKey, SERVER_SCOPE]) {
      const mute = this.#mutes.get(muteKey({ scope, nameKey }));
      if (mute && (mute.until === null || mute.until > now)) return mute;
    }
    return undefined;
  }

  async mute(mute: Mute): Promise<void> {
    await this.#store.moderation.addMute(mute);
    this.#mutes.set(muteKey(mute), mute);
  }

  async unmute(scope: Scope, nameKey: string): Promise<boolean> {
    if (!this.#mutes.has(muteKey({ scope, nameKey }))) return false;
    await this.#store.moderation.removeMute(scope, nameKey);
    return this.#mutes.delete(muteKey({ scope, nameKey }));
  }

  /** Any mute in force for this name, in any room or server-wide. */
  anyMuteFor(nameKey: string, now: number): Mute | undefined {
    for (const mute of this.#mutes.values()) {
      if (mute.nameKey === nameKey && (mute.until === null || mute.until > now)) return mute;
    }
    return undefined;
  }

  mutes(now: number): Mute[] {
    return [...this.#mutes.values()].filter((m) => m.until === null || m.until > now);
  }

  isRoomOperator(roomKey: string, nameKey: string): boolean {
    return this.#operators.has(opKey({ roomKey, nameKey }));
  }

  async grant(op: RoomOperator): Promise<void> {
    await this.#store.moderation.addRoomOperator(op);
    this.#operators.add(opKey(op));
  }

  async revoke(roomKey: string, nameKey: string): Promise<boolean> {
    if (!this.#operators.has(opKey({ roomKey, nameKey }))) return false;
    await this.#store.moderation.removeRoomOperator(roomKey, nameKey);
    return this.#operators.delete(opKey({ roomKey, nameKey }));
  }

  /** A room was forgotten: its operators go with it. */
  forgetRoom(roomKey: string): void {
    for (const key of [...this.#operators]) {
      if (key.startsWith(`${roomKey}\u0000`)) this.#operators.delete(key);
    }
  }
}

function banKey(ban: Pick<Ban, 'scope' | 'kind' | 'value'>): string {
  return `${ban.scope}\u0000${ban.kind}\u0000${ban.value}`;
}
function muteKey(mute: Pick<Mute, 'scope' | 'nameKey'>): string {
  return `${mute.scope}\u0000${mute.nameKey}`;
}
function opKey(op: Pick<RoomOperator, 'roomKey' | 'nameKey'>): string {
  return `${op.roomKey}\u0000${op.nameKey}`;
}
