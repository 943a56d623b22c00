/**
 * Security headers for everything the HTTP dialect serves. The policy allows
 * only the server's own files: no inline script or style (the client sets no
 * style attributes), no framing, WebSocket and fetch to this origin only.
 */
import { X509Certificate } from 'node:crypto';
import type { ServerResponse } from 'node:http';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Two years, the preload lists' minimum; only ever sent with a certificate browsers trust. */
const HSTS = 'max-age=63072000';

/**
 * HSTS only for a certificate someone chose (--cert/--key, certs/) and a CA
 * issued. Never for natter's generated one, whose CA only those who imported
 * it trust, nor a self-signed one: pinning a browser to HTTPS would lock its
 * users out of the "accept the warning" path for two years.
 */
export function wantsHsts(certPem: string, source: string): boolean {
  if (source === 'generated' || source === 'data-dir') return false;
  try {
    const cert = new X509Certificate(certPem);
    return !cert.checkIssued(cert);
  } catch {
    return false;
  }
}

export function setSecurityHeaders(response: ServerResponse, hsts: boolean): void {
  response.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
  response.setHeader('x-content-type-options', 'nosniff');
  response.setHeader('referrer-policy', 'no-referrer');
  response.setHeader('x-frame-options', 'DENY');
  response.setHeader('cross-origin-opener-policy', 'same-origin');
  response.setHeader('cross-origin-resource-policy', 'same-origin');
  if (hsts) response.setHeader('strict-transport-security', HSTS);
}
