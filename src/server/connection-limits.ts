/**
 * Admission of new TCP connections: a cap on concurrent connections per
 * address (IPv4 /32, IPv6 /64 — one host usually owns a whole /64), a cap on
 * new connections per address per time window, and a global cap. Addresses
 * in the exempt list (loopback by default) skip the per-address caps.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { TokenBucket } from '../core/token-bucket.ts';

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

/** The key an address is counted under. */
export function addressKey(address: string): string {
  const plain =
    address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (!isIPv6(plain)) return plain;
  const [head = '', tail = ''] = plain.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = plain.includes('::') ? 8 - headParts.length - tailParts.length : 0;
  const groups = [...headParts, ...Array<string>(missing).fill('0'), ...tailParts];
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/u, ''))
    .join(':')}::/64`;
}

export function parseExemptList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits, ...extra] = entry.trim().split('/');
    const type = isIPv6(address) ? 'ipv6' : isIPv4(address) ? 'ipv4' : undefined;
    if (!type) throw new Error(`"${entry}" is not an address or CIDR block`);
    // Digits only: Number('') is 0, and "10.0.0.0/" must not exempt every address.
    const prefix =
      bits === undefined
        ? type === 'ipv4'
          ? 32
          : 128
        : /^\d{1,3}$/u.test(bits)
          ? Number(bits)
          : NaN;
    if (extra.length > 0 || !Number.isInteger(prefix) || prefix > (type === 'ipv4' ? 32 : 128)) {
      throw new Error(`"${entry}" has a bad prefix length`);
    }
    list.addSubnet(address, prefix, type);
  }
  return list;
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
    const plain =
      address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
    return this.#exempt.check(plain, isIPv6(plain) ? 'ipv6' : 'ipv4');
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
