/**
 * What the server accepts from TLS itself: versions, cipher suites and
 * renegotiation. One place, so a reloaded certificate (a new secure
 * context) keeps the same policy.
 */
import type { TLSSocket, TlsOptions } from 'node:tls';

/**
 * AEAD suites only, with forward secrecy: ECDHE with AES-GCM or
 * ChaCha20-Poly1305 for TLS 1.2 (ECDSA first: the generated certificate is
 * ECDSA; RSA for operators who bring an RSA one), and TLS 1.3's three. No
 * CBC (Lucky 13, padding oracles), no SHA-1 MACs, no static RSA key exchange.
 * Node takes both lists in one string: names starting `TLS_` are TLS 1.3
 * suites, and leaving them out would switch TLS 1.3 off.
 */
export const SERVER_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export const SERVER_TLS_POLICY = {
  minVersion: 'TLSv1.2',
  ciphers: SERVER_CIPHERS,
  honorCipherOrder: true,
} as const satisfies TlsOptions;

/** Node's error codes for a renegotiation it refused or found excessive. */
const RENEGOTIATION_ERRORS = new Set(['ERR_TLS_RENEGOTIATION_DISABLED', 'ERR_TLS_SESSION_ATTACK']);

/**
 * Refuses TLS 1.2 renegotiation on an accepted socket (TLS 1.3 has none):
 * natter never needs it, and each one is a full handshake's CPU that the
 * connection caps do not see. Node only emits an 'error' for the attempt, so
 * the socket is destroyed here, and `onRefused` can count and log it.
 */
export function refuseRenegotiation(socket: TLSSocket, onRefused: (code: string) => void): void {
  socket.disableRenegotiation();
  socket.on('error', (error: Error & { code?: string }) => {
    if (error.code === undefined || !RENEGOTIATION_ERRORS.has(error.code)) return;
    onRefused(error.code);
    socket.destroy();
  });
}
