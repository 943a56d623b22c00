/**
 * `natter chat`: flags and config to a connection manager, a TLS transport
 * with the client's trust policy, and a renderer: line mode for pipes,
 * scripts and bots (or --line / --json), the full-screen client on a
 * terminal (client/tui), or a readline prompt there with --plain.
 */
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { Connection } from '../client/connection.ts';
import type { TuiSession } from '../client/tui/run-tui.ts';
import { InteractiveUi } from '../client/line/interactive.ts';
import { runLineMode } from '../client/line/line-mode.ts';
import { tlsConnector } from '../client/tls-transport.ts';
import { verifyServer } from '../tls/client-trust.ts';
import { defaultKnownHostsFile, hostPortKey, natterConfigDir } from '../tls/known-hosts.ts';
import { UsageError, formatOptionsHelp, parseOptions, type OptionSpec } from './options.ts';

export const CHAT_OPTIONS: readonly OptionSpec[] = [
  { name: 'host', kind: 'string', default: 'localhost', description: 'server to connect to' },
  { name: 'port', kind: 'port', default: 7447, description: 'server port' },
  { name: 'user', short: 'u', kind: 'string', description: 'your name (default: your login name)' },
  {
    name: 'ca',
    kind: 'string',
    description: 'trust only this CA or certificate (PEM), e.g. certs/server.crt',
  },
  {
    name: 'accept-new-host',
    kind: 'boolean',
    description: 'trust an unknown server on first use without asking, and remember it',
  },
  {
    name: 'known-hosts',
    kind: 'string',
    description: 'trust-on-first-use file (default: $XDG_CONFIG_HOME/natter/known_hosts)',
  },
  {
    name: 'tls-name',
    kind: 'string',
    description: 'name the certificate must carry (default: --host), for tunnels and addresses',
  },
  { name: 'line', kind: 'boolean', description: 'line mode even on a terminal' },
  { name: 'json', kind: 'boolean', description: 'line mode, printing server frames as NDJSON' },
  {
    name: 'plain',
    kind: 'boolean',
    description: 'on a terminal, a simple prompt instead of the full-screen client',
  },
  {
    name: 'password-file',
    kind: 'string',
    description:
      'file whose first line is the password of your registered name (or set NATTER_PASSWORD); on a terminal you are asked',
  },
  {
    name: 'no-bell',
    kind: 'boolean',
    description: 'full-screen client: no terminal bell for mentions and private messages',
  },
  {
    name: 'paste-as-one',
    kind: 'boolean',
    description: 'full-screen client: send a multi-line paste as one message, not one per line',
  },
  {
    name: 'ack-timeout',
    kind: 'duration',
    default: 10_000,
    description: 'at end of input, give up when no acknowledgement comes for this long',
  },
  {
    name: 'reconnect-for',
    kind: 'duration',
    default: 300_000,
    description:
      'line mode: after losing the server (a restart, say), keep reconnecting this long, then exit 1',
  },
  {
    name: 'keepalive',
    kind: 'duration',
    default: 30_000,
    description: 'ping a silent server after this; 0 never pings',
  },
  {
    name: 'config',
    kind: 'string',
    description:
      'JSON file with any of these options as keys (default: chat.json beside known_hosts)',
  },
  { name: 'help', short: 'h', kind: 'boolean', description: 'show this help' },
];

export function chatUsage(): string {
  return [
    'usage: natter chat [options]',
    '',
    'Connects to a natter server. On a terminal: a full-screen client (--plain: a prompt).',
    'Otherwise (or with --line/--json):',
    'each stdin line is sent (/commands as in text mode), each event is one stdout line, status',
    'goes to stderr, and end of input waits for every message to be acknowledged.',
    '',
    formatOptionsHelp(CHAT_OPTIONS),
    '',
    'exit codes: 0 all acknowledged, 1 something refused or unacknowledged, 2 usage,',
    '            3 server not trusted, 4 could not connect / log in, or the server ended the session',
    '',
  ].join('\n');
}

function loginName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'guest';
  }
}

function readCa(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--ca ${file}: ${(error as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`--ca ${file}: no PEM certificate in it`);
  }
  return pem;
}

export async function chat(argv: readonly string[]): Promise<number> {
  // A config file in the usual place gives defaults; a --config flag later in
  // argv wins over it, and flags win over both.
  const defaultConfig = path.join(natterConfigDir(), 'chat.json');
  const args = existsSync(defaultConfig) ? ['--config', defaultConfig, ...argv] : [...argv];
  const { values, positionals } = parseOptions(args, CHAT_OPTIONS);
  if (values.help) {
    process.stdout.write(chatUsage());
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);

  const host = values.host as string;
  const port = values.port as number;
  const tlsName = (values['tls-name'] as string | undefined) ?? host;
  const caFile = values.ca as string | undefined;
  const caPem = caFile === undefined ? undefined : readCa(caFile);
  const knownHostsFile = (values['known-hosts'] as string | undefined) ?? defaultKnownHostsFile();
  const peer = hostPortKey(host, port);
  const lineMode =
    values.line === true || values.json === true || !process.stdin.isTTY || !process.stdout.isTTY;
  const ackTimeoutMs = values['ack-timeout'] as number;
  const name = (values.user as string | undefined) ?? loginName();
  // Ink and React load only when the full-screen client is used.
  const tui: TuiSession | null =
    lineMode || values.plain === true
      ? null
      : new (await import('../client/tui/run-tui.ts')).TuiSession({
          name,
          peer,
          stdin: process.stdin,
          stdout: process.stdout,
          stderr: process.stderr,
          bell: values['no-bell'] !== true,
          pasteAsOne: values['paste-as-one'] === true,
          ackTimeoutMs,
        });
  const ui =
    lineMode || tui
      ? null
      : new InteractiveUi({
          input: process.stdin,
          output: process.stdout,
          errors: process.stderr,
          ackTimeoutMs,
        });
  // Whoever can ask a person at the terminal: the full-screen client or the prompt.
  const person = tui ?? ui;
  const status = person
    ? (line: string) => person.status(line)
    : (line: string) => {
        // Continuation lines of a long message are indented already.
        process.stderr.write(`natter: ${line}\n`);
      };

  const connector = tlsConnector({
    host,
    port,
    tlsName,
    ca: caPem,
    verify: async (socket) => {
      const trust = await verifyServer(socket, {
        host,
        port,
        tlsName,
        caFile,
        knownHostsFile,
        acceptNewHost: values['accept-new-host'] === true,
        // Only a person at a terminal can answer; scripts need --accept-new-host.
        ask: person ? (question) => person.askTrust(question) : undefined,
        note: status,
      });
      tui?.setFingerprint(trust.fingerprint); // for the status bar, on demand
      return trust;
    },
  });
  const connection = new Connection({
    name,
    connector,
    client: 'natter-chat/0.1',
    keepaliveMs: values.keepalive as number,
    chooseName: person ? (refusal) => person.chooseName(refusal) : undefined,
    password: readPassword(values['password-file'] as string | undefined),
    askPassword: person ? (refusal) => person.askPassword(refusal) : undefined,
    // A person can /reconnect or leave; a script needs an end.
    ...(person ? {} : { reconnectForMs: values['reconnect-for'] as number }),
  });

  if (tui) return tui.run(connection);
  if (ui) return ui.run(connection, peer);
  return runLineMode({
    connection,
    peer,
    input: process.stdin,
    out: (line) => process.stdout.write(`${line}\n`),
    status,
    json: values.json === true,
    ackTimeoutMs,
  });
}

/**
 * The password of a registered name, for scripts: from --password-file (its
 * first line) or NATTER_PASSWORD — never a flag, which would show in process
 * lists and shell history.
 */
function readPassword(file: string | undefined): string | undefined {
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`--password-file: ${(error as Error).message}`);
    }
    return text.split(/\r?\n/u)[0] ?? '';
  }
  return process.env.NATTER_PASSWORD || undefined;
}
