/**
 * Decides which certificate the server presents, in this order:
 *   1. --cert/--key (or their config keys);
 *   2. the classic layout, certs/server.crt + certs/server.key in the
 *      working directory, used as is;
 *   3. <data-dir>/certs/server.{crt,key}, signed by the data directory's
 *      local CA (<data-dir>/certs/ca.{crt,key}), both generated on first
 *      start; the server certificate is made anew whenever the names it
 *      must carry change (see cert-names.ts).
 */
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { namesOfCert, sameNames, wantedCertNames, type CertNames } from './cert-names.ts';
import { checkPair, EXPIRY_WARNING_DAYS, readPem, type FileRef } from './credential-checks.ts';
import type { GeneratedCert } from './dev-cert.ts';
import { StartupError } from './startup-error.ts';

export interface ServerCredentials {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  fingerprint: string;
  source: 'configured' | 'classic' | 'generated' | 'data-dir';
  /** The local CA that signed a generated certificate: what clients pin with --ca. */
  caFile?: string;
  /** Set when the generated certificate was just made anew: the one it replaced. */
  previousFingerprint?: string;
  /** The names a generated certificate carries. */
  names?: CertNames;
  validTo: Date;
  /** Human-readable warnings, e.g. a key readable by others. */
  warnings: string[];
}

export interface CredentialOptions {
  certFile?: string;
  keyFile?: string;
  dataDir: string;
  cwd?: string;
  /** The address the server listens on: a generated certificate covers it. */
  host?: string;
  /** Names added to a generated certificate (--cert-names). */
  certNames?: CertNames;
}

const DAY_MS = 86_400_000;

export const CA_CERT_FILE = 'ca.crt';
export const CA_KEY_FILE = 'ca.key';

export function certsDir(dataDir: string): string {
  return path.join(dataDir, 'certs');
}

export async function loadServerCredentials(
  options: CredentialOptions,
): Promise<ServerCredentials> {
  const { certFile, keyFile } = options;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new StartupError(
      'cert_flags',
      `--cert and --key go together: ${certFile === undefined ? '--key' : '--cert'} was given alone. Give both, or neither for a generated certificate.`,
    );
  }
  if (certFile !== undefined && keyFile !== undefined) {
    return readPair(
      { role: 'cert', path: certFile, label: '--cert' },
      { role: 'key', path: keyFile, label: '--key' },
      'configured',
    );
  }
  const cwd = options.cwd ?? process.cwd();
  const classicCert = path.join(cwd, 'certs', 'server.crt');
  const classicKey = path.join(cwd, 'certs', 'server.key');
  if (existsSync(classicCert) && existsSync(classicKey)) {
    return readPair(
      { role: 'cert', path: classicCert, label: 'the classic certificate' },
      { role: 'key', path: classicKey, label: 'the classic key' },
      'classic',
    );
  }
  return generatedCredentials(options);
}

async function generatedCredentials(options: CredentialOptions): Promise<ServerCredentials> {
  const dir = certsDir(options.dataDir);
  const certFile = path.join(dir, 'server.crt');
  const keyFile = path.join(dir, 'server.key');
  const want = wantedCertNames(options.host ?? '127.0.0.1', options.certNames);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await ensureLocalCa(dir);
  let previousFingerprint: string | undefined;
  if (existsSync(certFile) && existsSync(keyFile)) {
    const current = await readFile(certFile, 'utf8');
    if (await stillFits(current, want, ca)) {
      return { ...(await readGenerated(certFile, keyFile, 'data-dir')), names: want };
    }
    previousFingerprint = fingerprintOr(current);
  }
  // Loaded only here: the X.509 library is needed only when a certificate is made.
  const { generateServerCert } = await import('./dev-cert.ts');
  const { certPem, keyPem } = await generateServerCert(want, ca);
  // Key first, so a crash never leaves a certificate without its key.
  await writeAtomically(keyFile, keyPem, 0o600);
  await writeAtomically(certFile, certPem, 0o644);
  const credentials = await readGenerated(certFile, keyFile, 'generated');
  return previousFingerprint === undefined
    ? { ...credentials, names: want }
    : { ...credentials, names: want, previousFingerprint };

  async function readGenerated(cert: string, key: string, source: ServerCredentials['source']) {
    const loaded = await readPair(
      { role: 'cert', path: cert, label: 'the generated certificate' },
      { role: 'key', path: key, label: 'the generated key' },
      source,
    );
    return { ...loaded, caFile: path.join(dir, CA_CERT_FILE) };
  }
}

/** Whether a generated certificate can stay: same names, signed by this CA, not near expiry. */
async function stillFits(pem: string, want: CertNames, ca: GeneratedCert): Promise<boolean> {
  try {
    const cert = new X509Certificate(pem);
    const caCert = new X509Certificate(ca.certPem);
    if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return false;
    if (new Date(cert.validTo).getTime() - Date.now() < EXPIRY_WARNING_DAYS * DAY_MS) return false;
    return sameNames(namesOfCert(pem), want);
  } catch {
    return false; // unreadable: make a new one
  }
}

function fingerprintOr(pem: string): string | undefined {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch {
    return undefined;
  }
}

/** The data directory's CA, made on first use; its key never leaves the directory. */
export async function ensureLocalCa(dir: string): Promise<GeneratedCert> {
  const certFile = path.join(dir, CA_CERT_FILE);
  const keyFile = path.join(dir, CA_KEY_FILE);
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = { role: 'cert' as const, path: certFile, label: 'the local CA certificate' };
    const key = { role: 'key' as const, path: keyFile, label: 'the local CA key' };
    const [certPem, keyPem] = await Promise.all([readPem(cert), readPem(key)]);
    checkPair(certPem, keyPem, cert, key);
    return { certPem, keyPem };
  }
  const { generateLocalCa } = await import('./dev-cert.ts');
  const ca = await generateLocalCa();
  await writeAtomically(keyFile, ca.keyPem, 0o600);
  await writeAtomically(certFile, ca.certPem, 0o644);
  return ca;
}

async function writeAtomically(file: string, data: string, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, data, { mode, flag: 'w' });
  await rename(temporary, file);
}

async function readPair(
  cert: FileRef,
  key: FileRef,
  source: ServerCredentials['source'],
): Promise<ServerCredentials> {
  const [certPem, keyPem] = await Promise.all([readPem(cert), readPem(key)]);
  const checked = checkPair(certPem, keyPem, cert, key);
  const warnings = [...checked.warnings];
  const keyStat = await stat(key.path);
  if ((keyStat.mode & 0o077) !== 0) {
    const mode = (keyStat.mode & 0o777).toString(8);
    warnings.push(`${key.path} is readable by others (mode ${mode}); run: chmod 600 ${key.path}`);
  }
  return {
    cert: certPem,
    key: keyPem,
    certFile: cert.path,
    keyFile: key.path,
    fingerprint: checked.fingerprint,
    source,
    validTo: checked.validTo,
    warnings,
  };
}
