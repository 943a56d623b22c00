/**
 * IP addresses in one canonical form, parsed once where they enter (a
 * socket's peer, a ban target, an exempt block): lower-case, zeros
 * compressed (`0:0:0:0:0:0:0:1`, `::0001` and `::1` are one address),
 * IPv4-mapped IPv6 (`::ffff:192.0.2.1`) as plain IPv4, no zone id. Bans,
 * per-address caps, password-attempt limits and exemptions all compare
 * these, never the text someone typed.
 */
import { BlockList, isIPv4, isIPv6, SocketAddress } from 'node:net';

export type Family = 'ipv4' | 'ipv6';

export interface Block {
  /** Canonical network address as given (host bits are not cleared). */
  address: string;
  family: Family;
  prefix: number;
}

const MAPPED_PREFIX = '::ffff:';

/** The canonical form of an address, or null when `text` is not one. */
export function canonicalAddress(text: string): string | null {
  const bare = text.replace(/%.*$/su, ''); // a zone id names an interface, not a host
  const family: Family | null = isIPv4(bare) ? 'ipv4' : isIPv6(bare) ? 'ipv6' : null;
  if (family === null) return null;
  let canonical: string;
  try {
    canonical = new SocketAddress({ address: bare, family }).address;
  } catch {
    return null;
  }
  if (family === 'ipv6' && canonical.startsWith(MAPPED_PREFIX)) {
    const v4 = canonical.slice(MAPPED_PREFIX.length);
    if (isIPv4(v4)) return v4;
  }
  return canonical;
}

export function familyOf(address: string): Family {
  return isIPv4(address) ? 'ipv4' : 'ipv6';
}

/** A socket's peer address, canonical; `unknown` when the socket has none (already closed). */
export function peerAddress(remote: string | undefined): string {
  return (remote !== undefined && canonicalAddress(remote)) || 'unknown';
}

/** `address` or `address/prefix`, canonical; null when it is neither. */
export function parseBlock(text: string): Block | null {
  const [head = '', bits, ...extra] = text.trim().split('/');
  const address = canonicalAddress(head);
  if (address === null || extra.length > 0) return null;
  const family = familyOf(address);
  const max = family === 'ipv4' ? 32 : 128;
  if (bits === undefined) return { address, family, prefix: max };
  // Digits only: Number('') is 0, and "10.0.0.0/" must not mean every address.
  if (!/^\d{1,3}$/u.test(bits)) return null;
  // An IPv4-mapped block (::ffff:10.0.0.0/104) is the IPv4 block it maps.
  const mapped = family === 'ipv4' && isIPv6(head.replace(/%.*$/su, ''));
  const prefix = Number(bits) - (mapped ? 96 : 0);
  if (prefix < 0 || prefix > max) return null;
  return { address, family, prefix };
}

/** The written form of a block: a lone address for a full-length prefix. */
export function formatBlock(block: Block): string {
  const max = block.family === 'ipv4' ? 32 : 128;
  return block.prefix === max ? block.address : `${block.address}/${block.prefix}`;
}

export function blockList(blocks: readonly Block[]): BlockList {
  const list = new BlockList();
  for (const block of blocks) list.addSubnet(block.address, block.prefix, block.family);
  return list;
}

/** Whether a canonical address is inside a block. */
export function blockContains(block: Block, address: string): boolean {
  const family = familyOf(address);
  if (family !== block.family) return false;
  const max = family === 'ipv4' ? 32 : 128;
  if (block.prefix === max) return block.address === address;
  return blockList([block]).check(address, family);
}

/**
 * The group a canonical address is counted under for per-address limits:
 * an IPv4 address itself, an IPv6 address's /64 (one host usually owns a
 * whole /64, so counting single IPv6 addresses would count nothing).
 */
export function addressGroup(address: string): string {
  if (familyOf(address) === 'ipv4' || address === 'unknown') return address;
  const [head = '', tail = ''] = address.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = address.includes('::') ? 8 - headParts.length - tailParts.length : 0;
  const groups = [...headParts, ...Array<string>(missing).fill('0'), ...tailParts];
  return `${groups.slice(0, 4).join(':')}::/64`;
}
