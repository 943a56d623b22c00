/**
 * Decides which certificate the server presents, in this order:
 *   1. --cert/--key (or their config keys);
 *   2. the classic layout, certs/server.crt + certs/server.key in the
 *      working directory, used as is;
 *   3. <data-dir>/certs/server.{crt,key}, generated on first start.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { fingerprintOf } from './fingerprint.ts';

export interface ServerCredentials {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  fingerprint: string;
  source: 'configured' | 'classic' | 'generated' | 'data-dir';
  /** Human-readable warnings, e.g. a key readable by others. */
  warnings: string[];
}

export interface CredentialOptions {
  certFile?: string;
  keyFile?: string;
  dataDir: string;
  cwd?: string;
}

export async function loadServerCredentials(
  options: CredentialOptions,
): Promise<ServerCredentials> {
  const { certFile, keyFile } = options;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new Error('--cert and --key go together: give both or neither');
  }
  if (certFile !== undefined && keyFile !== undefined) {
    return readPair(certFile, keyFile, 'configured');
  }
  const cwd = options.cwd ?? process.cwd();
  const classicCert = path.join(cwd, 'certs', 'server.crt');
  const classicKey = path.join(cwd, 'certs', 'server.key');
  if (existsSync(classicCert) && existsSync(classicKey)) {
    return readPair(classicCert, classicKey, 'classic');
  }
  const dir = path.join(options.dataDir, 'certs');
  const generatedCert = path.join(dir, 'server.crt');
  const generatedKey = path.join(dir, 'server.key');
  if (existsSync(generatedCert) && existsSync(generatedKey)) {
    return readPair(generatedCert, generatedKey, 'data-dir');
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Loaded only here: the X.509 library is needed once per data directory.
  const { generateSelfSignedCert } = await import('./dev-cert.ts');
  const { certPem, keyPem } = await generateSelfSignedCert([hostname()]);
  // Key first, so a crash never leaves a certificate without its key.
  await writeAtomically(generatedKey, keyPem, 0o600);
  await writeAtomically(generatedCert, certPem, 0o644);
  return readPair(generatedCert, generatedKey, 'generated');
}

async function writeAtomically(file: string, data: string, mode: number): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, data, { mode, flag: 'wx' });
  await rename(temporary, file);
}

async function readPair(
  certFile: string,
  keyFile: string,
  source: ServerCredentials['source'],
): Promise<ServerCredentials> {
  const [cert, key, keyStat] = await Promise.all([
    readFile(certFile, 'utf8'),
    readFile(keyFile, 'utf8'),
    stat(keyFile),
  ]);
  const warnings: string[] = [];
  if ((keyStat.mode & 0o077) !== 0) {
    const mode = (keyStat.mode & 0o777).toString(8);
    warnings.push(`${keyFile} is readable by others (mode ${mode}); run: chmod 600 ${keyFile}`);
  }
  let fingerprint: string;
  try {
    fingerprint = fingerprintOf(cert);
  } catch (error) {
    throw new Error(`${certFile} is not a PEM certificate: ${(error as Error).message}`);
  }
  return { cert, key, certFile, keyFile, fingerprint, source, warnings };
}
