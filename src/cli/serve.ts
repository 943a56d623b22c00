/** `natter serve`: flags and config to a running server, plus signal handling. */
import path from 'node:path';
import { DEFAULT_EXEMPT } from '../protocol/limits.ts';
import { createLogger, LOG_LEVELS, type LogFormat, type LogLevel } from '../server/log.ts';
import { startServer } from '../server/server.ts';
import { formatOptionsHelp, parseOptions, type OptionSpec } from './options.ts';
import { startOperations } from './serve-operations.ts';
import { OPS_OPTIONS } from './serve-ops-options.ts';
import { configuredOptions } from './server-config.ts';
import { LIMIT_OPTIONS } from './serve-limit-options.ts';

export { LIMIT_OPTIONS };

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
