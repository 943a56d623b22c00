/**
 * The natter server: one TLS port, the dialect chosen by ALPN
 *   natter/1 -> native NDJSON frames    (native-dialect.ts)
 *   none     -> IRC if the client speaks first with CAP/PASS/NICK/USER
 *               (irc-detect.ts, irc-dialect.ts), else human-readable text
 *               (text-dialect.ts); `ircPort` listens for IRC only
 *   http/1.1 -> the web client, its WebSocket at /ws (a native session
 *               framed as WebSocket messages), /healthz, /metrics
 * Anything else is refused during the handshake.
 */
import { createServer, type TLSSocket } from 'node:tls';
import { hostname } from 'node:os';
import path from 'node:path';
import type { WebSocket } from 'ws';
import { natterError } from '../protocol/errors.ts';
import { ALPN_NATIVE } from '../protocol/frames.ts';
import { KEY_RULES_VERSION, nameKey } from '../core/names.ts';
import { DEFAULT_EXEMPT, DEFAULT_ROOM, type Limits } from '../protocol/limits.ts';
import { roomKey } from '../core/rooms.ts';
import { loadServerCredentials } from '../tls/server-credentials.ts';
import { refuseRenegotiation } from '../tls/server-policy.ts';
import type { RetentionPolicy } from '../store/store.ts';
import { SqliteStore } from '../store/sqlite/sqlite-store.ts';
import { Admission, REFUSAL_TEXT } from './admission.ts';
import { ConnectionLimiter } from './connection-limits.ts';
import { NameBuckets } from './flood-gate.ts';
import { HashSlots, defaultConcurrency } from './hash-slots.ts';
import { createHttpDialect } from './http-dialect.ts';
import { Hub } from './hub.ts';
import { listen } from './listen.ts';
import { Metrics } from './metrics.ts';
import { registerProcessGauges } from './process-gauges.ts';
import { Moderation } from './moderation.ts';
import { createOpsEndpoints, readinessOf, type MetricsAccess } from './ops-endpoints.ts';
import { applyReload, metricsAccessOf, TLS_CONTEXT, type ReloadOptions } from './reload.ts';
import { DEFAULT_SCRYPT } from './passwords.ts';
import { startRetention } from './retention.ts';
import { RoomDirectory } from './room-directory.ts';
import type { Dialect } from './outgoing.ts';
import { Session } from './session.ts';
import type { RunningServer, ServerOptions } from './server-types.ts';
import { sessionEvents } from './session-events.ts';
import { greetTextClient } from './text-dialect.ts';
import { startIrcSession } from './irc-dialect.ts';
import { detectIrc, detectWindowMs } from './irc-detect.ts';
import { IRC_LINE_MAX_BYTES } from '../protocol/irc-message.ts';
import { createWebFront, DEFAULT_WEB_ROOT } from './web-front.ts';
import { wantsHsts } from './web-headers.ts';
import { loadWebAssets } from './web-static.ts';
import { WebSocketLines } from './ws-session.ts';
import { createWebSocketEndpoint } from './ws-upgrade.ts';

// A Map, not an object: `protocols.find((p) => p in {...})` accepted
// `toString`, `__proto__`, `constructor` and every other inherited name.
const DIALECT_BY_ALPN: ReadonlyMap<string, Dialect | 'http'> = new Map([
  [ALPN_NATIVE, 'native'],
  ['http/1.1', 'http'],
]);
/** How often state kept for rate limits is swept of entries that limit nobody. */
const SWEEP_INTERVAL_MS = 60_000;
/** How long a refused HTTP client may take to read its 503. */
const CLOSE_GRACE_MS = 2_000;
/** The `bye` reason of a server that stops: clients reconnect (protocol.md). */
export const SHUTDOWN_REASON = 'shutdown';
/** How long shutdown waits for clients to take their goodbye before cutting them. */
const SHUTDOWN_GRACE_MS = 3_000;

export type { ReloadOptions, RunningServer, ServerOptions };

export const DATABASE_FILE = 'natter.db';

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { log } = options;
  // Copies that a reload updates in place: everything holding them sees the new values.
  const limits: Limits = { ...options.limits };
  const retentionPolicy: RetentionPolicy = {
    ...(options.retention ?? { maxAgeMs: 0, maxPerRoom: 0 }),
  };
  const floodRate = { capacity: limits.floodBurst, perSecond: limits.floodPerSecond };
  let metricsAccess: MetricsAccess = metricsAccessOf(options);
  const credentials = await loadServerCredentials(options);
  for (const warning of credentials.warnings) log.warn(warning);
  const serverName = options.serverName ?? hostname();
  const store =
    options.store ??
    new SqliteStore(path.join(options.dataDir, DATABASE_FILE), { synchronous: options.dbSync });
  const rekeyed = await store.rekey({ version: KEY_RULES_VERSION, name: nameKey, room: roomKey });
  if (rekeyed) {
    log.info('stored names re-keyed for the current rules', {
      accounts: rekeyed.accounts,
      rooms: rekeyed.rooms,
      conflicts: rekeyed.conflicts.length,
    });
  }
  for (const conflict of rekeyed?.conflicts ?? []) {
    log.warn('a stored name now collides with an older one and keeps its old key', { conflict });
  }
  const rooms = await RoomDirectory.load(store, log, [roomKey(DEFAULT_ROOM)], limits);
  const metrics = new Metrics();
  const scrypt = options.scrypt ?? DEFAULT_SCRYPT;
  const moderation = await Moderation.load(store, Date.now());
  const hub = new Hub({
    limits,
    log,
    serverName,
    store,
    rooms,
    moderation,
    metrics,
    accounts: {
      operators: new Set((options.operators ?? []).map(nameKey)),
      registeredOnly: options.registeredOnly ?? false,
      scrypt,
      hashing: new HashSlots({
        concurrent: limits.maxPasswordHashes || defaultConcurrency(scrypt),
        queue: limits.passwordHashQueue,
      }),
    },
    testFault: options.testFault,
  });
  const nameBuckets = new NameBuckets(floodRate);
  const limiter = new ConnectionLimiter({
    perAddress: limits.maxConnectionsPerAddress,
    newPerWindow: limits.newConnectionsPerWindow,
    newWindowMs: limits.newConnectionsWindowMs,
    global: limits.maxConnections,
    exempt: options.exempt ?? DEFAULT_EXEMPT,
  });
  let closing: Promise<void> | undefined;
  const ops = createOpsEndpoints({
    metrics,
    access: () => metricsAccess,
    readiness: () => readinessOf(store, closing !== undefined),
  });
  const webAssets = await loadWebAssets(options.webRoot ?? DEFAULT_WEB_ROOT);
  if (!webAssets) log.warn('the web client is not built (npm run build:web); / says so');
  const webSockets = createWebSocketEndpoint({
    maxPayload: limits.maxLineBytes,
    origins: options.webOrigins ?? [],
    metrics,
    log,
    accepted: (ws, socket) => openWebSocketSession(ws, socket),
  });
  const http = createHttpDialect(
    ops,
    limits.loginTimeoutMs,
    createWebFront({
      assets: webAssets,
      hsts: wantsHsts(credentials.cert, credentials.source),
      upgrade: webSockets.upgrade,
    }),
  );
  metrics.gauge('connections', 'open connections', () => limiter.total);
  metrics.gauge('users_online', 'logged-in users', () => hub.sessionCount);
  const processGauges = registerProcessGauges(metrics);
  metrics.gauge(
    'password_hashes_running',
    'password hashes running now',
    () => hub.accounts.hashing.running,
  );
  metrics.gauge(
    'password_hashes_waiting',
    'password hashes waiting for a slot',
    () => hub.accounts.hashing.waiting,
  );
  const sweeper = setInterval(() => {
    const now = Date.now();
    nameBuckets.sweep(now);
    limiter.sweep(now);
    hub.sweep(now);
    void hub.forgetEmptyRooms(now);
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();
  const retention = startRetention(
    store,
    retentionPolicy,
    options.retentionIntervalMs ?? 60_000,
    log,
  );
  const sessions = new Set<Session>();

  const events = sessionEvents(hub, limits, metrics, log, sessions);

  /** A WebSocket is a native session whose lines are messages (ws-session.ts). */
  function openWebSocketSession(ws: WebSocket, socket: TLSSocket): void {
    const input = new WebSocketLines(ws, (code, detail) => {
      metrics.increment(code === 'too_long' ? 'oversize_lines' : 'protocol_errors');
      log.info('closing connection', { session: session.id, code, error: detail });
      session.closeReason = code;
    });
    const session = new Session(
      socket,
      'native',
      limits,
      events,
      limits.loginTimeoutMs,
      nameBuckets,
      input,
    );
    sessions.add(session);
    log.debug('connected', { session: session.id, address: session.remoteAddress, ws: true });
  }

  const tlsOptions = {
    ...TLS_CONTEXT,
    cert: credentials.cert,
    key: credentials.key,
    handshakeTimeout: limits.loginTimeoutMs,
  };
  const server = createServer({
    ...tlsOptions,
    // No ALPN offered -> text mode; natter/1 -> native; anything else is refused
    // with a no_application_protocol alert rather than misread.
    ALPNCallback: ({ protocols }) => protocols.find((p) => DIALECT_BY_ALPN.has(p)),
  });

  const admission = new Admission(limiter, metrics, log);
  server.on('connection', admission.accept);

  // IRC has its own line limit: 512 bytes plus 8191 of tags.
  const ircLimits: Limits = { ...limits, maxLineBytes: IRC_LINE_MAX_BYTES };
  const onSecureConnection = (socket: TLSSocket, ircOnly: boolean) => {
    refuseRenegotiation(socket, (code) => {
      metrics.increment('tls_renegotiations_refused');
      log.warn('tls renegotiation refused', { address: socket.remoteAddress, code });
    });
    const { acceptedAt: accepted, refusal } = admission.take(socket);
    const chosen =
      typeof socket.alpnProtocol === 'string'
        ? DIALECT_BY_ALPN.get(socket.alpnProtocol)
        : undefined;
    if (chosen === 'http' && !ircOnly) {
      if (refusal) {
        // Read (and discard) so the client's close is seen and the slot freed.
        socket.resume();
        socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\n\r\n');
        setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
      } else http.emit('connection', socket);
      return;
    }
    const open = (dialect: Dialect, first: Buffer | null) => {
      if (closing) return void socket.destroy(); // detected after shutdown began
      const session = new Session(
        socket,
        dialect,
        dialect === 'irc' ? ircLimits : limits,
        events,
        limits.loginTimeoutMs - (Date.now() - accepted),
        nameBuckets,
      );
      sessions.add(session);
      if (dialect === 'irc') startIrcSession(hub, session);
      if (refusal) {
        session.fail(natterError('too_many_connections', REFUSAL_TEXT[refusal]));
        return;
      }
      if (dialect === 'text') {
        socket.setKeepAlive(true, limits.idlePingMs);
        greetTextClient(session, serverName);
      }
      log.debug('connected', { session: session.id, address: session.remoteAddress, dialect });
      if (first) session.feed(first);
      socket.resume();
    };
    if (ircOnly) open('irc', null);
    else if (chosen !== undefined && chosen !== 'http') open(chosen, null);
    else detectIrc(socket, detectWindowMs(limits.loginTimeoutMs), open);
  };
  server.on('secureConnection', (socket: TLSSocket) => onSecureConnection(socket, false));

  const onTlsClientError = (error: Error & { code?: string }, socket: TLSSocket) => {
    metrics.increment('tls_handshake_failures');
    log.debug('tls handshake failed', {
      address: socket.remoteAddress,
      code: error.code ?? 'tls_error',
      error: error.message,
    });
    // Node reports a handshake timeout without closing the socket.
    socket.destroy();
  };
  server.on('tlsClientError', onTlsClientError);

  // The conventional IRC port (6697 in the docs): same TLS, same limits, IRC only.
  const ircServer = options.ircPort === undefined ? null : createServer(tlsOptions);
  ircServer?.on('connection', admission.accept);
  ircServer?.on('secureConnection', (socket: TLSSocket) => onSecureConnection(socket, true));
  ircServer?.on('tlsClientError', onTlsClientError);

  let port: number;
  let ircPort: number | undefined;
  try {
    port = await listen(server, options.port, options.host, log);
    ircPort = ircServer ? await listen(ircServer, options.ircPort!, options.host, log) : undefined;
  } catch (error) {
    // Nothing is served: give back what start-up took before saying why.
    server.close();
    clearInterval(sweeper);
    processGauges.stop();
    await retention.stop();
    await store.close();
    throw error;
  }

  const close = (reason = SHUTDOWN_REASON) =>
    (closing ??= (async () => {
      log.info('shutting down', { reason, sessions: sessions.size });
      const stopped = Promise.all(
        [server, ...(ircServer ? [ircServer] : [])].map(
          (listener) => new Promise<void>((resolve) => listener.close(() => resolve())),
        ),
      );
      // "shutdown" tells clients the server is restarting: they come back with backoff.
      const farewell = { type: 'bye' as const, reason };
      for (const session of sessions) session.close('server shutting down', farewell);
      const deadline = setTimeout(() => {
        for (const session of sessions) session.destroy('server shutting down');
      }, SHUTDOWN_GRACE_MS);
      await stopped;
      clearTimeout(deadline);
      // Whatever was accepted before the sockets closed is committed before the file closes.
      await hub.writer.drain();
      await hub.markers.flush();
      clearInterval(sweeper);
      http.close();
      processGauges.stop();
      webSockets.close();
      await retention.stop();
      await store.close();
    })());

  const reload = (update: ReloadOptions) =>
    applyReload(
      {
        base: options,
        log,
        tls: {
          setSecureContext: (context) => {
            server.setSecureContext(context);
            ircServer?.setSecureContext(context);
          },
        },
        limits,
        floodRate,
        limiter,
        accounts: hub.accounts,
        retention: retentionPolicy,
        setMetricsAccess: (access) => (metricsAccess = access),
        setCredentials: (next) => (running.credentials = next),
      },
      update,
    );

  const running: RunningServer = {
    host: options.host,
    port,
    credentials,
    hub,
    metrics,
    store,
    startedAt: Date.now(),
    reload,
    close,
    ...(ircPort === undefined ? {} : { ircPort }),
  };
  return running;
}
