/**
 * Reads a certificate and key and checks they can serve: the files exist and
 * are readable, the certificate parses and is within its validity, the key
 * belongs to it. Each failure says which flag, which path, and the fix.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { StartupError } from './startup-error.ts';

/** How a file was chosen, for messages: `--key /etc/natter/key.pem`. */
export interface FileRef {
  role: 'cert' | 'key';
  path: string;
  /** `--cert`, or a description such as `the classic certs/server.crt`. */
  label: string;
}

const DAY_MS = 86_400_000;
/** Warn this long before a certificate expires. */
export const EXPIRY_WARNING_DAYS = 14;

function whoAmI(): string {
  try {
    const me = userInfo();
    return `${me.username} (uid ${me.uid})`;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

export async function readPem(ref: FileRef): Promise<string> {
  const what = ref.role === 'cert' ? 'certificate' : 'private key';
  try {
    return await readFile(ref.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new StartupError(
        ref.role === 'cert' ? 'cert_missing' : 'key_missing',
        `${ref.label} ${ref.path}: no such file. Give the path of the PEM ${what} ` +
          `(or leave out --cert and --key to use a generated certificate).`,
      );
    }
    if (code === 'EACCES' || code === 'EPERM') {
      const info = await stat(ref.path).catch(() => undefined);
      const mode = info ? ` (mode ${(info.mode & 0o777).toString(8)}, owner uid ${info.uid})` : '';
      const wanted = ref.role === 'key' ? '600' : '644';
      throw new StartupError(
        ref.role === 'cert' ? 'cert_unreadable' : 'key_unreadable',
        `${ref.label} ${ref.path}: permission denied${mode}; natter runs as ${whoAmI()}. ` +
          `Make the ${what} readable by that user, e.g. chown ${userInfo().username} ${ref.path} && chmod ${wanted} ${ref.path}` +
          (ref.role === 'key' ? ' (0600: only its owner may read a key).' : '.'),
      );
    }
    if (code === 'EISDIR') {
      throw new StartupError(
        ref.role === 'cert' ? 'cert_invalid' : 'key_invalid',
        `${ref.label} ${ref.path} is a directory; give the PEM ${what} file inside it.`,
      );
    }
    throw error;
  }
}

export interface CheckedPair {
  fingerprint: string;
  validTo: Date;
  warnings: string[];
}

/** Checks that the key belongs to the certificate and the certificate is valid now. */
export function checkPair(
  certPem: string,
  keyPem: string,
  cert: FileRef,
  key: FileRef,
  now = Date.now(),
): CheckedPair {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certPem);
  } catch (error) {
    throw new StartupError(
      'cert_invalid',
      `${cert.label} ${cert.path} is not a PEM certificate (${(error as Error).message}); ` +
        'it should start with -----BEGIN CERTIFICATE-----.',
    );
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch {
    throw new StartupError(
      'key_invalid',
      `${key.label} ${key.path} is not a PEM private key (or it is encrypted); ` +
        'it should start with -----BEGIN PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----. ' +
        `Is ${key.path} perhaps the certificate?`,
    );
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new StartupError(
      'key_mismatch',
      `${key.label} ${key.path} does not belong to the certificate ${cert.label} ${cert.path}. ` +
        'Give the key made together with this certificate (with certbot: privkey.pem beside fullchain.pem); ' +
        `compare: openssl x509 -noout -pubkey -in ${cert.path} and openssl pkey -pubout -in ${key.path} must print the same.`,
    );
  }
  const validFrom = new Date(x509.validFrom);
  const validTo = new Date(x509.validTo);
  if (validTo.getTime() <= now) {
    const days = Math.floor((now - validTo.getTime()) / DAY_MS);
    throw new StartupError(
      'cert_expired',
      `${cert.label} ${cert.path} expired on ${validTo.toISOString()} (${days} day${days === 1 ? '' : 's'} ago). ` +
        'Renew it (for example certbot renew) and start again, or reload a running server with natter reload; ' +
        'a generated certificate is made anew when you delete it from <data-dir>/certs/.',
    );
  }
  if (validFrom.getTime() > now) {
    throw new StartupError(
      'cert_not_yet_valid',
      `${cert.label} ${cert.path} is not valid before ${validFrom.toISOString()}. ` +
        "Check this machine's clock (timedatectl) or the certificate's dates.",
    );
  }
  const warnings: string[] = [];
  const daysLeft = Math.floor((validTo.getTime() - now) / DAY_MS);
  if (daysLeft < EXPIRY_WARNING_DAYS) {
    warnings.push(
      `${cert.label} ${cert.path} expires in ${daysLeft} day${daysLeft === 1 ? '' : 's'} (${validTo.toISOString()}); renew it and run natter reload`,
    );
  }
  return { fingerprint: x509.fingerprint256, validTo, warnings };
}
