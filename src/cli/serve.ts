/** `natter serve`: flags and config to a running server, plus signal handling. */
import path from 'node:path';
import { DEFAULT_EXEMPT, DEFAULT_LIMITS, type Limits } from '../protocol/limits.ts';
import { createLogger, LOG_LEVELS, type LogFormat, type LogLevel } from '../server/log.ts';
import { startServer } from '../server/server.ts';
import { formatOptionsHelp, parseOptions, type OptionSpec } from './options.ts';
import { startOperations } from './serve-operations.ts';
import { OPS_OPTIONS } from './serve-ops-options.ts';
import { configuredOptions } from './server-config.ts';

/** Limit flags and the Limits field each one sets. */
export const LIMIT_OPTIONS: readonly (OptionSpec & { field: keyof Limits })[] = [
  {
    name: 'max-line-bytes',
    field: 'maxLineBytes',
    kind: 'size',
    default: DEFAULT_LIMITS.maxLineBytes,
    description: 'longest line/frame; longer disconnects with too_long',
  },
  {
    name: 'max-message-bytes',
    field: 'maxMessageBytes',
    kind: 'size',
    default: DEFAULT_LIMITS.maxMessageBytes,
    description: 'longest message text (UTF-8 bytes)',
  },
  {
    name: 'login-timeout',
    field: 'loginTimeoutMs',
    kind: 'duration',
    default: DEFAULT_LIMITS.loginTimeoutMs,
    description: 'TLS handshake + login must finish within this',
  },
  {
    name: 'idle-ping',
    field: 'idlePingMs',
    kind: 'duration',
    default: DEFAULT_LIMITS.idlePingMs,
    description: 'ping a silent native client after this',
  },
  {
    name: 'idle-close',
    field: 'idleCloseMs',
    kind: 'duration',
    default: DEFAULT_LIMITS.idleCloseMs,
    description: 'close a silent native client after this (text mode: idle-close-text)',
  },
  {
    name: 'idle-close-text',
    field: 'idleCloseTextMs',
    kind: 'duration',
    default: DEFAULT_LIMITS.idleCloseTextMs,
    description: 'close a text-mode client that sent no line for this long',
  },
  {
    name: 'out-queue-soft',
    field: 'outQueueSoftBytes',
    kind: 'size',
    default: DEFAULT_LIMITS.outQueueSoftBytes,
    description: 'stop reading from a client whose outgoing queue passes this',
  },
  {
    name: 'out-queue-hard',
    field: 'outQueueHardBytes',
    kind: 'size',
    default: DEFAULT_LIMITS.outQueueHardBytes,
    description: 'disconnect a client whose outgoing queue passes this',
  },
  {
    name: 'max-json-depth',
    field: 'maxJsonDepth',
    kind: 'integer',
    default: DEFAULT_LIMITS.maxJsonDepth,
    description: 'deepest JSON nesting accepted in a native frame',
  },
  {
    name: 'history-on-join',
    field: 'historyOnJoin',
    kind: 'integer',
    default: DEFAULT_LIMITS.historyOnJoin,
    description: 'messages replayed when joining a room',
  },
  {
    name: 'history-max',
    field: 'historyMax',
    kind: 'integer',
    default: DEFAULT_LIMITS.historyMax,
    description: 'most messages one history request or resume returns',
  },
  {
    name: 'out-queue-stall',
    field: 'outQueueStallMs',
    kind: 'duration',
    default: DEFAULT_LIMITS.outQueueStallMs,
    description: 'disconnect a client that stays over out-queue-soft this long',
  },
  {
    name: 'flood-burst',
    field: 'floodBurst',
    kind: 'integer',
    default: DEFAULT_LIMITS.floodBurst,
    description: 'messages/commands at once before pacing starts',
  },
  {
    name: 'flood-rate',
    field: 'floodPerSecond',
    kind: 'integer',
    default: DEFAULT_LIMITS.floodPerSecond,
    description: 'sustained messages/commands per second',
  },
  {
    name: 'flood-queue',
    field: 'floodQueue',
    kind: 'integer',
    default: DEFAULT_LIMITS.floodQueue,
    description: 'frames held for pacing before further ones get rate_limited',
  },
  {
    name: 'flood-strikes',
    field: 'floodStrikes',
    kind: 'integer',
    default: DEFAULT_LIMITS.floodStrikes,
    description: 'refusals and malformed lines tolerated in a burst before disconnecting',
  },
  {
    name: 'login-burst',
    field: 'loginBurst',
    kind: 'integer',
    default: DEFAULT_LIMITS.loginBurst,
    description: 'hello frames / text name lines handled at once before login',
  },
  {
    name: 'login-rate',
    field: 'loginPerMinute',
    kind: 'integer',
    default: DEFAULT_LIMITS.loginPerMinute,
    description: 'then this many a minute; 3 refused ones close the connection',
  },
  {
    name: 'max-password-hashes',
    field: 'maxPasswordHashes',
    kind: 'integer',
    default: DEFAULT_LIMITS.maxPasswordHashes,
    description: 'password hashes (128 MiB each) at once; 0: one per GiB of memory, at most 2',
  },
  {
    name: 'password-hash-queue',
    field: 'passwordHashQueue',
    kind: 'integer',
    default: DEFAULT_LIMITS.passwordHashQueue,
    description: 'password checks waiting for a hash before further ones get busy',
  },
  {
    name: 'max-connections-per-ip',
    field: 'maxConnectionsPerAddress',
    kind: 'integer',
    default: DEFAULT_LIMITS.maxConnectionsPerAddress,
    description: 'concurrent connections per address (IPv4 /32, IPv6 /64)',
  },
  {
    name: 'new-connections-per-ip',
    field: 'newConnectionsPerWindow',
    kind: 'integer',
    default: DEFAULT_LIMITS.newConnectionsPerWindow,
    description: 'new connections per address per new-connections-window',
  },
  {
    name: 'new-connections-window',
    field: 'newConnectionsWindowMs',
    kind: 'duration',
    default: DEFAULT_LIMITS.newConnectionsWindowMs,
    description: 'the window for new-connections-per-ip',
  },
  {
    name: 'max-connections',
    field: 'maxConnections',
    kind: 'integer',
    default: DEFAULT_LIMITS.maxConnections,
    description: 'concurrent connections in all',
  },
  {
    name: 'max-rooms-per-user',
    field: 'maxRoomsPerUser',
    kind: 'integer',
    default: DEFAULT_LIMITS.maxRoomsPerUser,
    description: 'most rooms one user can be in at once',
  },
  {
    name: 'max-sessions',
    field: 'maxSessionsPerAccount',
    kind: 'integer',
    default: DEFAULT_LIMITS.maxSessionsPerAccount,
    description: 'sessions (devices) one account may have logged in at once',
  },
  {
    name: 'room-forget-after',
    field: 'roomForgetMs',
    kind: 'duration',
    default: DEFAULT_LIMITS.roomForgetMs,
    description: 'an unregistered room with no members and no history is forgotten after this',
  },
  {
    name: 'max-rooms',
    field: 'maxRooms',
    kind: 'integer',
    default: DEFAULT_LIMITS.maxRooms,
    description: 'rooms the server keeps in all; creating more gets too_many_rooms',
  },
  {
    name: 'room-creations-per-ip',
    field: 'roomCreationsPerAddress',
    kind: 'integer',
    default: DEFAULT_LIMITS.roomCreationsPerAddress,
    description: 'new rooms per address (IPv4 /32, IPv6 /64) per room-creation-window',
  },
  {
    name: 'room-creations-per-user',
    field: 'roomCreationsPerName',
    kind: 'integer',
    default: DEFAULT_LIMITS.roomCreationsPerName,
    description: 'new rooms per name per room-creation-window',
  },
  {
    name: 'room-creation-window',
    field: 'roomCreationWindowMs',
    kind: 'duration',
    default: DEFAULT_LIMITS.roomCreationWindowMs,
    description: 'the window for room-creations-per-ip and room-creations-per-user',
  },
  {
    name: 'room-creation-cost',
    field: 'roomCreationCost',
    kind: 'integer',
    default: DEFAULT_LIMITS.roomCreationCost,
    description: 'flood tokens creating a room costs on top of the join',
  },
];

const OTHER_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'operators',
    kind: 'string',
    default: '',
    description: 'comma-separated registered names that are server operators',
  },
  {
    name: 'registered-only',
    kind: 'boolean',
    default: false,
    description: 'only registered names may log in (create accounts with natter account)',
  },
  {
    name: 'limit-exempt',
    kind: 'string',
    default: DEFAULT_EXEMPT.join(','),
    description: 'comma-separated CIDR blocks exempt from the per-address caps ("" for none)',
  },
  {
    name: 'db-sync',
    kind: 'string',
    default: 'full',
    choices: ['full', 'normal'],
    description: 'full: acked messages survive power loss; normal: survive crashes only',
  },
  {
    name: 'web-origins',
    kind: 'string',
    default: '',
    description:
      'comma-separated origins (https://chat.example.org) besides the server itself whose pages may open the WebSocket',
  },
  {
    name: 'retention-max-age',
    kind: 'duration',
    default: 0,
    description: 'delete messages older than this (0 keeps them)',
  },
  {
    name: 'retention-max-per-room',
    kind: 'integer',
    default: 0,
    description: 'keep at most this many messages per room (0: no cap)',
  },
];

export const SERVE_OPTIONS: readonly OptionSpec[] = [
  { name: 'host', kind: 'string', default: '127.0.0.1', description: 'address to listen on' },
  { name: 'port', kind: 'port', default: 7447, description: 'TLS port (0 picks a free one)' },
  {
    name: 'irc-port',
    kind: 'port',
    description: 'also listen for IRC only on this TLS port (conventionally 6697; off by default)',
  },
  {
    name: 'data-dir',
    kind: 'string',
    default: './data',
    description: 'where the database (natter.db) and generated certificate live',
  },
  { name: 'cert', kind: 'string', description: 'PEM certificate (chain) to present' },
  { name: 'key', kind: 'string', description: 'PEM private key for --cert' },
  { name: 'config', kind: 'string', description: 'JSON file with any of these options as keys' },
  {
    name: 'name',
    kind: 'string',
    description: 'server name shown to clients (default: host name)',
  },
  {
    name: 'log-level',
    kind: 'string',
    default: 'info',
    choices: LOG_LEVELS,
    description: 'structured log level on stderr',
  },
  ...LIMIT_OPTIONS,
  ...OTHER_OPTIONS,
  ...OPS_OPTIONS,
  { name: 'help', short: 'h', kind: 'boolean', description: 'show this help' },
];

export function serveUsage(): string {
  return `usage: natter serve [options]\n\n${formatOptionsHelp(SERVE_OPTIONS)}\n`;
}

export async function serve(argv: readonly string[]): Promise<number> {
  const { values } = parseOptions(argv, SERVE_OPTIONS);
  if (values.help) {
    process.stdout.write(serveUsage());
    return 0;
  }
  const log = createLogger(
    values['log-level'] as LogLevel,
    undefined,
    values['log-format'] as LogFormat,
  );
  const configured = configuredOptions(values, LIMIT_OPTIONS, log);
  const server = await startServer({ ...configured, log });
  const { credentials } = server;
  const shownHost = server.host.includes(':') ? `[${server.host}]` : server.host;
  const connectHost = ['127.0.0.1', '::1', '0.0.0.0', '::'].includes(server.host)
    ? 'localhost'
    : server.host;
  const relative = (file: string) => path.relative(process.cwd(), file) || file;
  const relativeCert = relative(credentials.certFile);
  const pinned = credentials.caFile ? relative(credentials.caFile) : relativeCert;
  const note = {
    configured: '',
    classic: ' (classic certs/ layout)',
    'data-dir': '',
    generated: ' (generated now)',
  };
  process.stdout.write(
    [
      `natter listening on ${shownHost}:${server.port} (TLS 1.2+)`,
      `certificate ${relativeCert}${note[credentials.source]}`,
      ...(credentials.names
        ? [`  valid for ${[...credentials.names.dns, ...credentials.names.ips].join(', ')}`]
        : []),
      ...(credentials.caFile
        ? [`  signed by the local CA ${pinned} (natter cert ca prints it)`]
        : []),
      ...(credentials.previousFingerprint
        ? [
            `previous fingerprint SHA256 ${credentials.previousFingerprint} (names changed; tell clients)`,
          ]
        : []),
      `fingerprint SHA256 ${credentials.fingerprint}`,
      `open in a browser: https://${connectHost}:${server.port}/`,
      `connect with: openssl s_client -quiet -connect ${connectHost}:${server.port}`,
      `          or: npm run client -- --host ${connectHost} --port ${server.port} --ca ${pinned}`,
      ...(server.ircPort === undefined
        ? []
        : [
            `IRC (TLS) also on ${shownHost}:${server.ircPort}; IRC clients may use ${server.port} too`,
          ]),
      '',
    ].join('\n'),
  );
  let operations;
  try {
    operations = await startOperations({ argv, values, server, log });
  } catch (error) {
    await server.close('server failed to start');
    throw error;
  }
  process.stdout.write(
    operations.adminSocket === null
      ? 'admin socket off\n'
      : `admin socket ${relative(operations.adminSocket)} (natter admin status; SIGHUP or natter reload re-reads config and certificate)\n`,
  );

  // Every connection has its own error boundary; anything reaching these is a
  // bug outside them. Logged with context, never swallowed: an uncaught
  // exception leaves the process in an unknown state, so it exits (and a
  // supervisor restarts it); a stray rejection is logged and counted.
  process.on('unhandledRejection', (reason) => {
    log.error('unhandled rejection', {
      error: reason instanceof Error ? reason.message : String(reason),
      stack: reason instanceof Error ? reason.stack : undefined,
    });
  });
  process.on('uncaughtException', (error) => {
    log.error('uncaught exception', { error: error.message, stack: error.stack });
    process.exitCode = 70;
    void server.close().finally(() => process.exit(70));
  });

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.stdout.write(`${signal}: telling clients and shutting down\n`);
      process.once(signal, () => process.exit(130)); // a second signal does not wait
      void operations
        .close()
        .then(() => server.close())
        .then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
