/**
 * The names a generated server certificate must carry so that clients can
 * reach the server the ways it listens: always localhost and the loopback
 * addresses, the machine's host name, the address given to --host, every
 * non-loopback address of the machine when listening on all of them
 * (0.0.0.0 or ::), and whatever --cert-names adds.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname, networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export interface CertNames {
  dns: string[];
  ips: string[];
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);
const LOOPBACK = ['127.0.0.1', '::1'];

/** IPv6 addresses have many spellings; the URL parser writes the one canonical form. */
export function canonicalIp(address: string): string {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIP(bare) !== 6) return bare;
  return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
}

/** Splits comma-separated --cert-names into DNS names and IP addresses; throws on junk. */
export function parseCertNames(value: string): CertNames {
  const names: CertNames = { dns: [], ips: [] };
  for (const raw of value.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
    if (isIP(bare) !== 0) names.ips.push(canonicalIp(bare));
    else if (/^(\*\.)?[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*\.?$/iu.test(name))
      names.dns.push(name.toLowerCase().replace(/\.$/u, ''));
    else throw new Error(`"${name.slice(0, 80)}" is neither a DNS name nor an IP address`);
  }
  return names;
}

/** Addresses of this machine other than loopback and link-local ones (no use in a certificate). */
export function machineAddresses(
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string[] {
  const out: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const info of list ?? []) {
      if (info.internal) continue;
      if (info.family === 'IPv6' && /^fe[89ab]/iu.test(info.address)) continue;
      out.push(canonicalIp(info.address));
    }
  }
  return out;
}

export function wantedCertNames(
  listenHost: string,
  extra: CertNames = { dns: [], ips: [] },
  machine: { hostName: string; addresses: () => string[] } = {
    hostName: hostname(),
    addresses: () => machineAddresses(),
  },
): CertNames {
  const dns = ['localhost', machine.hostName.toLowerCase(), ...extra.dns];
  const ips = [...LOOPBACK, ...extra.ips];
  const host = canonicalIp(listenHost);
  if (WILDCARD_HOSTS.has(host)) ips.push(...machine.addresses());
  else if (isIP(host) !== 0) ips.push(host);
  else dns.push(host.toLowerCase());
  return { dns: unique(dns), ips: unique(ips.map(canonicalIp)) };
}

/** The names a certificate carries in its subjectAltName. */
export function namesOfCert(pem: string): CertNames {
  const names: CertNames = { dns: [], ips: [] };
  const san = new X509Certificate(pem).subjectAltName ?? '';
  for (const entry of san.split(', ')) {
    if (entry.startsWith('DNS:')) names.dns.push(entry.slice(4).toLowerCase());
    else if (entry.startsWith('IP Address:')) names.ips.push(canonicalIp(entry.slice(11)));
  }
  return names;
}

/** Names wanted that the certificate lacks (names it has beyond those do no harm). */
export function missingNames(have: CertNames, want: CertNames): string[] {
  return [
    ...want.dns.filter((name) => !have.dns.includes(name)),
    ...want.ips.filter((ip) => !have.ips.includes(ip)),
  ];
}

export function sameNames(a: CertNames, b: CertNames): boolean {
  return missingNames(a, b).length === 0 && missingNames(b, a).length === 0;
}

export function formatNames(names: CertNames): string {
  return [...names.dns, ...names.ips].join(', ');
}

function unique(values: string[]): string[] {
  return [...new Set(values.filter(Boolean))];
}
