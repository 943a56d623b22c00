/**
 * The natter server: one TLS port, the dialect chosen by ALPN
 *   natter/1 -> native NDJSON frames    (native-dialect.ts)
 *   none     -> human-readable text     (text-dialect.ts)
 *   http/1.1 -> the web client, later: add it to DIALECT_BY_ALPN.
 */
import { createServer, type TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { hostname } from 'node:os';
import path from 'node:path';
import { natterError } from '../protocol/errors.ts';
import { ALPN_NATIVE } from '../protocol/frames.ts';
import type { Limits } from '../protocol/limits.ts';
import { loadServerCredentials, type ServerCredentials } from '../tls/server-credentials.ts';
import type { RetentionPolicy, Store } from '../store/store.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { Hub } from './hub.ts';
import { startRetention } from './retention.ts';
import { RoomDirectory } from './room-directory.ts';
import type { Logger } from './log.ts';
import { handleNativeLine } from './native-dialect.ts';
import type { Dialect } from './outgoing.ts';
import { Session, type SessionEvents } from './session.ts';
import { greetTextClient, handleTextLine } from './text-dialect.ts';

const DIALECT_BY_ALPN: Record<string, Dialect> = { [ALPN_NATIVE]: 'native' };
/** How long shutdown waits for clients to take their goodbye before cutting them. */
const SHUTDOWN_GRACE_MS = 3_000;

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
}

export const DATABASE_FILE = 'natter.db';

export interface RunningServer {
  host: string;
  port: number;
  credentials: ServerCredentials;
  hub: Hub;
  /** Tells every client why, flushes, and stops. Resolves when all sockets are closed. */
  close(reason?: string): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { limits, log } = options;
  const credentials = await loadServerCredentials(options);
  for (const warning of credentials.warnings) log.warn(warning);
  const serverName = options.serverName ?? hostname();
  const store =
    options.store ??
    new SqliteStore(path.join(options.dataDir, DATABASE_FILE), { synchronous: options.dbSync });
  const rooms = await RoomDirectory.load(store, log);
  const hub = new Hub({ limits, log, serverName, store, rooms });
  const retention = startRetention(
    store,
    options.retention ?? { maxAgeMs: 0, maxPerRoom: 0 },
    options.retentionIntervalMs ?? 60_000,
    log,
  );
  const sessions = new Set<Session>();
  const acceptedAt = new Map<string, number>();

  const events: SessionEvents = {
    line: (session, line) =>
      session.dialect === 'native'
        ? handleNativeLine(hub, session, line, limits)
        : handleTextLine(hub, session, line),
    decodeError: (session, error) => hub.reportError(session, error),
    loginTimeout: (session) => {
      log.info('login timeout', { session: session.id, address: session.remoteAddress });
      session.fail(
        natterError('login_timeout', `no login within ${limits.loginTimeoutMs / 1000} s`),
      );
    },
    idle: (session, silentMs) => {
      if (session.dialect !== 'native') return; // humans idle; TCP keepalive finds dead peers
      if (silentMs >= limits.idleCloseMs) {
        session.fail(
          natterError('idle_timeout', `nothing heard for ${Math.round(silentMs / 1000)} s`),
        );
      } else if (silentMs >= limits.idlePingMs) {
        session.sendFrame({ type: 'ping', token: String(Date.now()) });
      }
    },
    overflow: (session, queued) => {
      log.warn('slow consumer disconnected', {
        session: session.id,
        address: session.remoteAddress,
        queued,
        code: 'slow_consumer',
      });
      session.destroy('slow_consumer');
    },
    closed: (session) => {
      sessions.delete(session);
      hub.disconnected(session);
    },
  };

  const server = createServer({
    sessionTimeout: 3600, // resumed TLS sessions skip the full handshake for an hour
    cert: credentials.cert,
    key: credentials.key,
    minVersion: 'TLSv1.2',
    handshakeTimeout: limits.loginTimeoutMs,
    // No ALPN offered -> text mode; natter/1 -> native; anything else is refused
    // with a no_application_protocol alert rather than misread.
    ALPNCallback: ({ protocols }) => protocols.find((p) => p in DIALECT_BY_ALPN),
  });

  server.on('connection', (raw: Socket) => {
    const key = `${raw.remoteAddress}|${raw.remotePort}`;
    acceptedAt.set(key, Date.now());
    raw.once('close', () => acceptedAt.delete(key));
  });

  server.on('secureConnection', (socket: TLSSocket) => {
    const key = `${socket.remoteAddress}|${socket.remotePort}`;
    const elapsed = Date.now() - (acceptedAt.get(key) ?? Date.now());
    acceptedAt.delete(key);
    const dialect: Dialect =
      (typeof socket.alpnProtocol === 'string' && DIALECT_BY_ALPN[socket.alpnProtocol]) || 'text';
    const session = new Session(socket, dialect, limits, events, limits.loginTimeoutMs - elapsed);
    sessions.add(session);
    if (dialect === 'text') {
      socket.setKeepAlive(true, limits.idlePingMs);
      greetTextClient(session, serverName);
    }
    log.debug('connected', { session: session.id, address: session.remoteAddress, dialect });
  });

  server.on('tlsClientError', (error: Error & { code?: string }, socket: TLSSocket) => {
    log.debug('tls handshake failed', {
      address: socket.remoteAddress,
      code: error.code ?? 'tls_error',
      error: error.message,
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => log.error('server error', { error: error.message }));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  let closing: Promise<void> | undefined;
  const close = (reason = 'server shutting down') =>
    (closing ??= (async () => {
      log.info('shutting down', { reason, sessions: sessions.size });
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      const farewell = { type: 'bye' as const, reason };
      for (const session of sessions) session.close('server shutting down', farewell);
      const deadline = setTimeout(() => {
        for (const session of sessions) session.destroy('server shutting down');
      }, SHUTDOWN_GRACE_MS);
      await stopped;
      clearTimeout(deadline);
      // Whatever was accepted before the sockets closed is committed before the file closes.
      await hub.writer.drain();
      await retention.stop();
      await store.close();
    })());

  return { host: options.host, port, credentials, hub, close };
}
