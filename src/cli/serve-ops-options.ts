/** `natter serve` options for running it for real: certificate names, metrics access, logs, admin. */
import { LOG_FORMATS } from '../server/log.ts';
import type { OptionSpec } from './options.ts';

export const OPS_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'cert-names',
    kind: 'string',
    default: '',
    description:
      'comma-separated DNS names and IP addresses the generated certificate also covers (changing them makes a new one)',
  },
  {
    name: 'log-format',
    kind: 'string',
    default: 'json',
    choices: LOG_FORMATS,
    description: 'json: one object per line, for machines; pretty: for a person at a terminal',
  },
  {
    name: 'metrics-allow',
    kind: 'string',
    default: '127.0.0.0/8,::1/128',
    description: 'comma-separated CIDR blocks that may read /metrics without a token ("" for none)',
  },
  {
    name: 'metrics-token-file',
    kind: 'string',
    description: 'file holding a bearer token that lets anyone else read /metrics',
  },
  {
    name: 'watch-certs',
    kind: 'boolean',
    default: false,
    description: 'reload by itself when the --cert or --key file changes',
  },
  {
    name: 'admin-socket',
    kind: 'string',
    description: 'Unix socket for natter admin (default <data-dir>/admin.sock; "" disables it)',
  },
];

/** Options a reload cannot change: where the server lives, and its logger. */
export const RESTART_ONLY = [
  'host',
  'port',
  'irc-port',
  'data-dir',
  'db-sync',
  'name',
  'admin-socket',
  'log-level',
  'log-format',
] as const;
