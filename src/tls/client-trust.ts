/**
 * Whether the client trusts the server it just shook hands with
 * (ARCHITECTURE.md, "TLS and trust"), in this order:
 *   1. --ca FILE: the chain must end in that CA or certificate; nothing else;
 *   2. the system CAs: real certificates just work;
 *   3. trust on first use: the certificate's SHA-256 fingerprint, remembered
 *      per host:port in known_hosts; a new server is accepted by a person
 *      (or --accept-new-host), a changed one is refused.
 * The host name is verified in every case, self-signed certificates included.
 *
 * The socket is connected with rejectUnauthorized:false and a no-op
 * checkServerIdentity so that `socket.authorized` reports the chain alone and
 * every decision, with a message a person can act on, is made here.
 */
import { homedir } from 'node:os';
import { checkServerIdentity, type PeerCertificate, type TLSSocket } from 'node:tls';
import { addKnownHost, formatKnownHostLine, hostPortKey, readKnownHosts } from './known-hosts.ts';

export type TrustFailure = 'ca' | 'hostname' | 'changed' | 'unknown' | 'declined' | 'no_cert';

/** A refusal to talk to this server. Never retried: reconnecting would not change it. */
export class TrustError extends Error {
  readonly fatal = true;
  readonly failure: TrustFailure;

  constructor(failure: TrustFailure, message: string) {
    super(message);
    this.name = 'TrustError';
    this.failure = failure;
  }
}

export interface NewHostQuestion {
  hostPort: string;
  fingerprint: string;
  /** Why no CA vouches for the certificate, in words. */
  reason: string;
  /** The known_hosts file, as a person would type it (`~/…`). */
  knownHosts: string;
}

export interface TrustOptions {
  host: string;
  port: number;
  /** The name the certificate must carry: --tls-name, else the host. */
  tlsName: string;
  /** Set when --ca pinned a CA or certificate; the file name is used in messages. */
  caFile?: string;
  knownHostsFile: string;
  acceptNewHost: boolean;
  /** Asks a person whether to trust a new server; absent when nobody can answer. */
  ask?: (question: NewHostQuestion) => Promise<boolean>;
  /** Diagnostics for stderr (bad known_hosts lines, a server newly remembered). */
  note: (message: string) => void;
}

export type TrustedVia = 'ca' | 'system' | 'known_hosts' | 'new_host';

export interface TrustDecision {
  via: TrustedVia;
  fingerprint: string;
}

const CHAIN_ERRORS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its chain ends in a self-signed CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its issuer is not a trusted CA',
  UNABLE_TO_GET_ISSUER_CERT: 'its issuer is not a trusted CA',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its issuer is not a trusted CA',
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet',
};

/** Chain errors about dates: said plainly, whatever else is wrong. */
const DATE_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'has expired',
  CERT_NOT_YET_VALID: 'is not valid yet',
};

function chainReason(code: unknown): string {
  const text = String(code ?? 'unknown error');
  return CHAIN_ERRORS[text] ? `${CHAIN_ERRORS[text]}: ${text}` : text;
}

/** A path as a person types it: the home directory as `~`. */
export function displayPath(file: string, home = process.env.HOME || homedir()): string {
  return home && file.startsWith(`${home}/`) ? `~${file.slice(home.length)}` : file;
}

export function describeNewHost(q: NewHostQuestion): string {
  return [
    `${q.hostPort} is a server you have not trusted before, and no CA vouches for it`,
    `  (${q.reason}).`,
    `  certificate fingerprint: SHA256 ${q.fingerprint}`,
    '  Compare it with the fingerprint the server printed at start-up ("fingerprint SHA256 …").',
  ].join('\n');
}

function hostNameError(options: TrustOptions, cert: PeerCertificate): TrustError | null {
  const error = checkServerIdentity(options.tlsName, cert);
  if (!error) return null;
  return new TrustError(
    'hostname',
    [
      `the certificate of ${hostPortKey(options.host, options.port)} is not valid for the name "${options.tlsName}".`,
      `  ${error.message}`,
      `  the certificate lists: ${cert.subjectaltname?.replace(/IP Address:/gu, 'IP:') || '(no names)'}`,
      `  certificate fingerprint: SHA256 ${cert.fingerprint256}`,
      '  Connect with a name the certificate lists (--host, or --tls-name NAME when connecting',
      '  by address or through a tunnel). If you run the server: add the name with',
      `  natter serve --cert-names ${options.tlsName} (a generated certificate is made anew),`,
      '  or get a certificate that covers it. Refusing to connect.',
    ].join('\n'),
  );
}

/** Decides whether to talk to the server on `socket`; throws TrustError when not. */
export async function verifyServer(
  socket: TLSSocket,
  options: TrustOptions,
): Promise<TrustDecision> {
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.raw) {
    throw new TrustError('no_cert', 'the server presented no certificate');
  }
  const fingerprint = cert.fingerprint256;
  const hostPort = hostPortKey(options.host, options.port);

  // Pinned with --ca: "not signed by" would mislead when only the dates are wrong.
  const dates = DATE_ERRORS[String(socket.authorizationError)];
  if (dates && !socket.authorized && options.caFile !== undefined) {
    throw new TrustError(
      'ca',
      [
        `the certificate of ${hostPort} ${dates}: valid from ${cert.valid_from} to ${cert.valid_to}.`,
        `  certificate fingerprint: SHA256 ${fingerprint}`,
        "  If this machine's clock is right (date), the server's operator must renew the certificate",
        '  and reload the server (natter reload). Refusing to connect.',
      ].join('\n'),
    );
  }
  if (socket.authorized) {
    const mismatch = hostNameError(options, cert);
    if (mismatch) throw mismatch;
    return { via: options.caFile === undefined ? 'system' : 'ca', fingerprint };
  }
  if (options.caFile !== undefined) {
    throw new TrustError(
      'ca',
      [
        `the certificate of ${hostPort} is not signed by --ca ${options.caFile} (${String(socket.authorizationError)}).`,
        `  certificate fingerprint: SHA256 ${fingerprint}`,
        `  Check that ${options.caFile} is this server's certificate or the CA that signed it`,
        '  (a generated one is signed by <data-dir>/certs/ca.crt on the server, which',
        '  natter cert ca prints). Refusing to connect.',
      ].join('\n'),
    );
  }
  // Trust on first use still demands the right name: a fingerprint proves
  // which certificate this is, not that it belongs to the host asked for.
  const mismatch = hostNameError(options, cert);
  if (mismatch) throw mismatch;

  const knownHosts = displayPath(options.knownHostsFile);
  const known = await readKnownHosts(options.knownHostsFile, knownHosts);
  for (const warning of known.warnings) options.note(warning);
  const entries = known.entries.filter((e) => e.hostPort === hostPort);
  if (entries.some((e) => e.fingerprint === fingerprint)) {
    return { via: 'known_hosts', fingerprint };
  }
  const remembered = entries[0];
  if (remembered) {
    throw new TrustError(
      'changed',
      [
        `WARNING: the certificate of ${hostPort} has CHANGED since you trusted it.`,
        `  remembered: SHA256 ${remembered.fingerprint}  (${knownHosts} line ${remembered.line})`,
        `  presented:  SHA256 ${fingerprint}`,
        '  Someone may be intercepting the connection, or the server got a new certificate',
        '  (for instance a new data directory). Ask its operator for the fingerprint it printed',
        `  at start-up. If the new one is genuine, delete line ${remembered.line} of ${knownHosts}`,
        '  and connect again. Refusing to connect.',
      ].join('\n'),
    );
  }

  const question: NewHostQuestion = {
    hostPort,
    fingerprint,
    reason: chainReason(socket.authorizationError),
    knownHosts,
  };
  if (!options.acceptNewHost) {
    if (!options.ask) {
      throw new TrustError(
        'unknown',
        [
          describeNewHost(question),
          `  If it matches, run again with --accept-new-host to trust it and remember it in`,
          `  ${knownHosts}, or pin the certificate with --ca FILE. Refusing to connect.`,
        ].join('\n'),
      );
    }
    if (!(await options.ask(question))) {
      throw new TrustError('declined', `not trusting ${hostPort}; nothing was remembered`);
    }
  }
  try {
    await addKnownHost(options.knownHostsFile, hostPort, fingerprint);
    options.note(
      `trusting ${hostPort} from now on; added to ${knownHosts}:\n  ${formatKnownHostLine(hostPort, fingerprint)}`,
    );
  } catch (error) {
    // The person decided to trust it; failing to remember only costs a question next time.
    options.note(`could not write ${knownHosts}: ${(error as Error).message}`);
  }
  return { via: 'new_host', fingerprint };
}
