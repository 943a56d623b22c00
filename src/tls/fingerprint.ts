import { X509Certificate } from 'node:crypto';

/**
 * SHA-256 fingerprint of a certificate as colon-separated hex, the form
 * `openssl x509 -noout -fingerprint -sha256` prints, so people can compare.
 */
export function fingerprintOf(cert: string | Buffer): string {
  return new X509Certificate(cert).fingerprint256;
}
