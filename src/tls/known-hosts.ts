/**
 * known_hosts: the servers a client trusts on first use, as SSH does. One
 * server per line, readable and editable by a person:
 *
 *   # comment
 *   localhost:7447 SHA256 AB:CD:…:EF
 *   [::1]:7447 SHA256 12:34:…:56
 *
 * Reading never fails on a bad line: it is skipped with a warning, so one
 * hand-edit typo does not lock a person out of every other server.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import path from 'node:path';

export interface KnownHost {
  /** `host:port`, or `[v6]:port`; see hostPortKey. */
  hostPort: string;
  /** SHA-256 fingerprint, upper-case hex pairs joined by colons. */
  fingerprint: string;
  /** 1-based line number in the file, for messages that tell a person what to edit. */
  line: number;
}

export interface KnownHosts {
  entries: KnownHost[];
  warnings: string[];
}

export const KNOWN_HOSTS_HEADER = [
  '# natter known_hosts: servers trusted on first use, one per line:',
  '#   host:port SHA256 fingerprint',
  '# Delete a line to forget that server (for instance after it got a new certificate).',
].join('\n');

const FINGERPRINT = /^(?:[0-9A-F]{2}:){31}[0-9A-F]{2}$/u;
const HOST_PORT = /^(?:\[([0-9a-f:.]+)\]|([^\s:\[\]]+)):(\d{1,5})$/iu;

/** `$XDG_CONFIG_HOME/natter`, or `~/.config/natter` (the XDG base directory rules). */
export function natterConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  // The spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || homedir(), '.config');
  return path.join(base, 'natter');
}

export function defaultKnownHostsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(natterConfigDir(env), 'known_hosts');
}

/**
 * The key a server is remembered under. Host names are case-insensitive and
 * IPv6 addresses have many spellings, so both are canonicalised; IPv6 gets
 * brackets so the port stays unambiguous.
 */
export function hostPortKey(host: string, port: number): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIPv6(bare)) {
    // The URL parser writes IPv6 addresses in their one canonical (RFC 5952) form.
    return `${new URL(`http://[${bare}]/`).hostname}:${port}`;
  }
  return `${bare.toLowerCase()}:${port}`;
}

export function normalizeFingerprint(raw: string): string | null {
  const upper = raw.trim().toUpperCase();
  return FINGERPRINT.test(upper) ? upper : null;
}

function canonicalHostPort(raw: string): string | null {
  const match = HOST_PORT.exec(raw);
  if (!match) return null;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return null;
  const v6 = match[1];
  if (v6 !== undefined && !isIPv6(v6)) return null;
  return hostPortKey(v6 ?? match[2] ?? '', port);
}

/** Parses the file's text; `label` names the file in warnings. */
export function parseKnownHosts(text: string, label = 'known_hosts'): KnownHosts {
  const entries: KnownHost[] = [];
  const warnings: string[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${label} line ${index + 1}`;
    const fields = line.split(/\s+/u);
    if (fields.length !== 3 || fields[1]?.toUpperCase() !== 'SHA256') {
      warnings.push(`${where}: expected "host:port SHA256 fingerprint"; line ignored`);
      return;
    }
    const hostPort = canonicalHostPort(fields[0] ?? '');
    if (hostPort === null) {
      warnings.push(`${where}: "${fields[0]}" is not host:port (IPv6 as [addr]:port); ignored`);
      return;
    }
    const fingerprint = normalizeFingerprint(fields[2] ?? '');
    if (fingerprint === null) {
      warnings.push(`${where}: not a SHA-256 fingerprint (32 hex pairs with colons); ignored`);
      return;
    }
    entries.push({ hostPort, fingerprint, line: index + 1 });
  });
  return { entries, warnings };
}

export function formatKnownHostLine(hostPort: string, fingerprint: string): string {
  return `${hostPort} SHA256 ${fingerprint}`;
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Reads and parses the file; a missing file is an empty list. */
export async function readKnownHosts(file: string, label = file): Promise<KnownHosts> {
  const text = await readIfExists(file);
  return text === null ? { entries: [], warnings: [] } : parseKnownHosts(text, label);
}

/**
 * Appends one server. Every other line, including comments and lines this
 * version cannot read, is kept as it was. The new file is written beside the
 * old one and renamed over it, so a crash or a full disk never leaves a
 * half-written trust store; the directory is private (0700), the file 0600.
 */
export async function addKnownHost(
  file: string,
  hostPort: string,
  fingerprint: string,
): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let text = (await readIfExists(file)) ?? `${KNOWN_HOSTS_HEADER}\n`;
  if (text.length > 0 && !text.endsWith('\n')) text += '\n';
  text += `${formatKnownHostLine(hostPort, fingerprint)}\n`;
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
