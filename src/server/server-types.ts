/**
 * What starting a server takes (its options) and what a running one offers
 * (its ports, hub, metrics, reload and close).
 */
import type { ClientFrame } from '../protocol/frames.ts';
import type { Limits } from '../protocol/limits.ts';
import type { CertNames } from '../tls/cert-names.ts';
import type { ServerCredentials } from '../tls/server-credentials.ts';
import type { RetentionPolicy, Store } from '../store/store.ts';
import type { Hub } from './hub.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { ScryptParams } from './passwords.ts';
import type { ReloadOptions } from './reload.ts';

export interface ServerOptions {
  host: string;
  port: number;
  dataDir: string;
  certFile?: string;
  keyFile?: string;
  limits: Limits;
  log: Logger;
  /** Shown to clients; the machine's host name by default. */
  serverName?: string;
  /** `full` (default): an ack means the message survives power loss; `normal`: survives crashes. */
  dbSync?: 'full' | 'normal';
  retention?: RetentionPolicy;
  retentionIntervalMs?: number;
  /** Use this store instead of SQLite in the data directory. */
  store?: Store;
  /** CIDR blocks exempt from per-address connection caps (loopback by default). */
  exempt?: readonly string[];
  /** Names of server operators (they must log in with the registered name's password). */
  operators?: readonly string[];
  /** Only registered names may log in. */
  registeredOnly?: boolean;
  /** Password hashing cost; the default is OWASP's scrypt recommendation. */
  scrypt?: ScryptParams;
  /** Tests only: called before each request is handled, so a test can make a handler throw. */
  testFault?: (frame: ClientFrame) => void;
  /** A second TLS port that speaks only IRC (conventionally 6697); off when absent. */
  ircPort?: number;
  /** Names a generated certificate carries besides the ones natter works out (--cert-names). */
  certNames?: CertNames;
  /** CIDR blocks that may read /metrics without a token (loopback by default). */
  metricsAllow?: readonly string[];
  /** Bearer token that admits anyone else to /metrics. */
  metricsToken?: string;
  /** Origins besides the server's own whose pages may open the WebSocket (`--web-origins`). */
  webOrigins?: readonly string[];
  /** The built web client (`web/dist` by default); without one, / says how to build it. */
  webRoot?: string;
}

export interface RunningServer {
  host: string;
  port: number;
  /** The certificate new connections get; replaced by a reload. */
  credentials: ServerCredentials;
  hub: Hub;
  metrics: Metrics;
  /** The IRC-only port, when one was asked for. */
  ircPort?: number;
  store: Store;
  startedAt: number;
  /**
   * Re-reads certificate and key and applies new settings. Everything is
   * checked before anything changes: on an error (thrown) the old settings
   * all stay. Existing connections keep their TLS session; new ones get the
   * new certificate.
   */
  reload(options: ReloadOptions): Promise<ServerCredentials>;
  /** Tells every client why, flushes, and stops. Resolves when all sockets are closed. */
  close(reason?: string): Promise<void>;
}
