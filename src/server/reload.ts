/**
 * Applies a reload (SIGHUP, natter reload) to a running server. Everything
 * is read and checked first — the certificate and key, the address lists —
 * so a bad reload throws before anything changed. Then the new certificate
 * goes to new connections (existing ones keep their TLS session), and the
 * shared settings objects are updated in place, so everything holding them
 * sees the new values without being rebuilt.
 */
import { nameKey } from '../core/names.ts';
import { DEFAULT_EXEMPT, type Limits } from '../protocol/limits.ts';
import type { RetentionPolicy } from '../store/store.ts';
import { loadServerCredentials, type ServerCredentials } from '../tls/server-credentials.ts';
import { SERVER_TLS_POLICY } from '../tls/server-policy.ts';
import type { SecureContextOptions } from 'node:tls';
import { parseExemptList, type ConnectionLimiter } from './connection-limits.ts';
import type { AccountPolicy } from './hub-context.ts';
import type { Logger } from './log.ts';
import type { MetricsAccess } from './ops-endpoints.ts';
import type { ServerOptions } from './server.ts';

/** What a reload may change while everyone stays connected. */
export type ReloadOptions = Pick<
  ServerOptions,
  | 'certFile'
  | 'keyFile'
  | 'certNames'
  | 'limits'
  | 'exempt'
  | 'operators'
  | 'registeredOnly'
  | 'retention'
  | 'metricsAllow'
  | 'metricsToken'
>;

/** TLS settings of every secure context, the first and each reloaded one. */
export const TLS_CONTEXT = {
  ...SERVER_TLS_POLICY, // TLS 1.2+, AEAD suites only
  sessionTimeout: 3600, // resumed TLS sessions skip the full handshake for an hour
} as const satisfies SecureContextOptions;

const LOOPBACK = ['127.0.0.0/8', '::1/128'];

export function metricsAccessOf(
  options: Pick<ServerOptions, 'metricsAllow' | 'metricsToken'>,
): MetricsAccess {
  return { allow: parseExemptList(options.metricsAllow ?? LOOPBACK), token: options.metricsToken };
}

export interface ReloadTarget {
  /** The options the server started with: what a reload does not give stays. */
  base: ServerOptions;
  log: Logger;
  tls: { setSecureContext(options: SecureContextOptions): void };
  limits: Limits;
  floodRate: { capacity: number; perSecond: number };
  limiter: ConnectionLimiter;
  accounts: AccountPolicy;
  retention: RetentionPolicy;
  setMetricsAccess(access: MetricsAccess): void;
  setCredentials(credentials: ServerCredentials): void;
}

export async function applyReload(
  target: ReloadTarget,
  update: ReloadOptions,
): Promise<ServerCredentials> {
  const next = await loadServerCredentials({ ...target.base, ...update });
  const access = metricsAccessOf(update);
  const exempt = update.exempt ?? DEFAULT_EXEMPT;
  parseExemptList(exempt);

  target.tls.setSecureContext({ ...TLS_CONTEXT, cert: next.cert, key: next.key });
  for (const warning of next.warnings) target.log.warn(warning);
  target.setCredentials(next);
  const { limits } = target;
  if (update.limits) Object.assign(limits, update.limits);
  Object.assign(target.floodRate, {
    capacity: limits.floodBurst,
    perSecond: limits.floodPerSecond,
  });
  target.limiter.reconfigure({
    perAddress: limits.maxConnectionsPerAddress,
    newPerWindow: limits.newConnectionsPerWindow,
    newWindowMs: limits.newConnectionsWindowMs,
    global: limits.maxConnections,
    exempt,
  });
  target.accounts.operators = new Set((update.operators ?? []).map(nameKey));
  target.accounts.registeredOnly = update.registeredOnly ?? false;
  Object.assign(target.retention, update.retention ?? { maxAgeMs: 0, maxPerRoom: 0 });
  target.setMetricsAccess(access);
  target.log.info('reloaded', {
    fingerprint: next.fingerprint,
    operators: target.accounts.operators.size,
    registered_only: target.accounts.registeredOnly,
  });
  return next;
}
