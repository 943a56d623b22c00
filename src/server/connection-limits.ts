/**
 * Admission of new TCP connections: a cap on concurrent connections per
 * address (IPv4 /32, IPv6 /64 — one host usually owns a whole /64), a cap on
 * new connections per address per time window, and a global cap. Addresses
 * in the exempt list (loopback by default) skip the per-address caps.
 */
import type { BlockList } from 'node:net';
import { TokenBucket } from '../core/token-bucket.ts';
import { addressGroup, blockList, canonicalAddress, familyOf, parseBlock } from './addresses.ts';

export interface ConnectionLimits {
  perAddress: number;
  /** New connections per address per `newWindowMs`. */
  newPerWindow: number;
  newWindowMs: number;
  global: number;
  /** CIDR blocks exempt from the per-address caps, e.g. "127.0.0.0/8", "::1/128". */
  exempt: readonly string[];
}

export type Refusal = 'per_address' | 'rate' | 'global';

/** The key an address is counted under, however it is written (see addresses.ts). */
export function addressKey(address: string): string {
  return addressGroup(canonicalAddress(address) ?? address);
}

export function parseExemptList(entries: readonly string[]): BlockList {
  return blockList(
    entries.map((entry) => {
      const block = parseBlock(entry);
      if (block === null) throw new Error(`"${entry}" is not an address or CIDR block`);
      return block;
    }),
  );
}

export class ConnectionLimiter {
  #limits: ConnectionLimits;
  #exempt: BlockList;
  readonly #open = new Map<string, number>();
  readonly #newBuckets = new Map<string, TokenBucket>();
  #total = 0;

  constructor(limits: ConnectionLimits) {
    this.#limits = limits;
    this.#exempt = parseExemptList(limits.exempt);
  }

  get total(): number {
    return this.#total;
  }

  /** New caps (a reload): open connections stay counted; rate buckets made from now use them. */
  reconfigure(limits: ConnectionLimits): void {
    this.#exempt = parseExemptList(limits.exempt);
    this.#limits = limits;
    this.#newBuckets.clear();
  }

  isExempt(address: string): boolean {
    const plain = canonicalAddress(address);
    return plain !== null && this.#exempt.check(plain, familyOf(plain));
  }

  /** Counts the connection in, or says why not. Every admitted one must be released. */
  admit(address: string, now: number): Refusal | null {
    if (this.#total >= this.#limits.global) return 'global';
    const key = addressKey(address);
    if (!this.isExempt(address)) {
      if ((this.#open.get(key) ?? 0) >= this.#limits.perAddress) return 'per_address';
      let bucket = this.#newBuckets.get(key);
      if (!bucket) {
        const perSecond = this.#limits.newPerWindow / (this.#limits.newWindowMs / 1000);
        bucket = new TokenBucket({ capacity: this.#limits.newPerWindow, perSecond }, now);
        this.#newBuckets.set(key, bucket);
      }
      if (!bucket.take(now)) return 'rate';
    }
    this.#open.set(key, (this.#open.get(key) ?? 0) + 1);
    this.#total++;
    return null;
  }

  release(address: string): void {
    const key = addressKey(address);
    const count = (this.#open.get(key) ?? 1) - 1;
    if (count <= 0) this.#open.delete(key);
    else this.#open.set(key, count);
    this.#total--;
  }

  /** Drops rate state that no longer limits anyone. */
  sweep(now: number): void {
    for (const [key, bucket] of this.#newBuckets)
      if (bucket.isFull(now)) this.#newBuckets.delete(key);
  }
}
