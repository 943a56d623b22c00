/**
 * `natter admin COMMAND`: acts on a running server through its admin socket
 * (<data-dir>/admin.sock), as its operators, without logging in to the chat.
 */
import { parseDuration } from '../core/units.ts';
import { ADMIN_SOCKET_FILE } from '../server/admin-socket.ts';
import { AdminError, adminRequest } from './admin-client.ts';
import {
  formatOptionsHelp,
  parseOptions,
  UsageError,
  type OptionSpec,
  DATA_DIR_OPTION,
  HELP_OPTION,
} from './options.ts';
import path from 'node:path';

const OPTIONS: readonly OptionSpec[] = [
  DATA_DIR_OPTION,
  { name: 'socket', kind: 'string', description: 'admin socket (default <data-dir>/admin.sock)' },
  { name: 'room', kind: 'string', description: 'kick, ban, say: this room only' },
  { name: 'reason', kind: 'string', description: 'kick, ban: shown to the people concerned' },
  {
    name: 'duration',
    kind: 'string',
    description: 'ban: for this long (30m, 2h, 7d); default until lifted',
  },
  { name: 'unlock', kind: 'boolean', description: 'accounts lock: unlock instead' },
  { name: 'json', kind: 'boolean', description: 'print the reply as JSON' },
  HELP_OPTION,
];

const USAGE = `usage: natter admin COMMAND [options]

commands:
  status                    version, uptime, sessions, rooms, store and bus health, certificate
  reload                    re-read the config file and certificate/key (as SIGHUP does)
  kick NAME [--room #r]     disconnect NAME (or remove from one room) [--reason TEXT]
  ban TARGET [--room #r]    ban a name or address/CIDR [--duration 2h] [--reason TEXT]
  say [--room #r] TEXT      a server notice to a room, or to everyone
  rooms                     rooms with member counts and topics
  sessions                  who is connected, from where, idle for how long
  accounts list             registered names, locked or not
  accounts delete NAME      delete an account (its sessions are disconnected)
  accounts lock NAME        lock an account (it cannot log in; --unlock undoes it)

${formatOptionsHelp(OPTIONS)}
`;

/** The command name and its arguments, from positionals and flags. */
function request(
  positionals: string[],
  values: Record<string, unknown>,
): { command: string; args: Record<string, unknown> } {
  const [first, ...rest] = positionals;
  const common: Record<string, unknown> = {};
  if (values.room !== undefined) common.room = values.room;
  if (values.reason !== undefined) common.reason = values.reason;
  const need = (what: string, value: string | undefined): string => {
    if (!value) throw new UsageError(`admin ${first}: ${what} is required\n\n${USAGE}`);
    return value;
  };
  switch (first) {
    case 'status':
    case 'reload':
    case 'rooms':
    case 'sessions':
      return { command: first, args: {} };
    case 'kick':
      return { command: 'kick', args: { ...common, name: need('NAME', rest[0]) } };
    case 'ban': {
      const args: Record<string, unknown> = { ...common, target: need('TARGET', rest[0]) };
      if (values.duration !== undefined) {
        try {
          args.duration = parseDuration(values.duration as string);
        } catch (error) {
          throw new UsageError(`--duration: ${(error as Error).message}`);
        }
      }
      return { command: 'ban', args };
    }
    case 'say':
      return { command: 'say', args: { ...common, text: need('TEXT', rest.join(' ')) } };
    case 'accounts': {
      const [action, name] = rest;
      if (action === 'list') return { command: 'accounts list', args: {} };
      if (action === 'delete' || action === 'lock') {
        return {
          command: `accounts ${action}`,
          args: { name: need('NAME', name), ...(values.unlock ? { unlock: true } : {}) },
        };
      }
      if (action === 'unlock') {
        return { command: 'accounts lock', args: { name: need('NAME', name), unlock: true } };
      }
      throw new UsageError(`admin accounts: list, delete NAME or lock NAME\n\n${USAGE}`);
    }
    default:
      throw new UsageError(first ? `unknown admin command: ${first}\n\n${USAGE}` : USAGE);
  }
}

function line(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return value.map(line).join(', ');
  return Object.entries(value)
    .map(([k, v]) => `${k}=${line(v)}`)
    .join(' ');
}

/** Objects as `key: value` lines, lists as one line per entry. */
export function formatReply(result: unknown): string {
  if (Array.isArray(result)) {
    return result.length === 0 ? '(none)\n' : result.map((entry) => line(entry) + '\n').join('');
  }
  if (result !== null && typeof result === 'object') {
    return Object.entries(result)
      .map(([k, v]) => `${k}: ${line(v)}\n`)
      .join('');
  }
  return `${String(result)}\n`;
}

export async function admin(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  if (values.help || positionals.length === 0) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const { command, args } = request(positionals, values);
  const socket =
    (values.socket as string | undefined) ??
    path.join(values['data-dir'] as string, ADMIN_SOCKET_FILE);
  try {
    const reply = await adminRequest(socket, command, args);
    if (values.json) process.stdout.write(JSON.stringify(reply) + '\n');
    if (!reply.ok) {
      if (!values.json)
        process.stderr.write(`natter admin ${command}: ${reply.code}: ${reply.message}\n`);
      return 1;
    }
    if (!values.json) process.stdout.write(formatReply(reply.result));
    return 0;
  } catch (error) {
    if (error instanceof AdminError) {
      process.stderr.write(`natter admin ${command}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
