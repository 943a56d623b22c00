/**
 * Turns parsed `natter serve` values into server options. Used at start and
 * again on every reload (SIGHUP, natter reload), so a reload reads exactly
 * what a fresh start would, and refuses what a fresh start would refuse.
 */
import { readFileSync, statSync } from 'node:fs';
import { DEFAULT_LIMITS, type Limits } from '../protocol/limits.ts';
import { parseExemptList } from '../server/connection-limits.ts';
import type { Logger } from '../server/log.ts';
import type { ServerOptions } from '../server/server.ts';
import { parseCertNames } from '../tls/cert-names.ts';
import { normalizeOrigin } from '../server/ws-upgrade.ts';
import { UsageError, type OptionSpec, type OptionValues } from './options.ts';

export type ConfiguredOptions = Omit<ServerOptions, 'log'>;

function cidrList(flag: string, value: string): string[] {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  try {
    parseExemptList(entries);
  } catch (error) {
    throw new UsageError(`--${flag}: ${(error as Error).message}`);
  }
  return entries;
}

function originList(value: string): string[] {
  const origins = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (normalizeOrigin(origin) !== origin.replace(/\/$/, '')) {
      throw new UsageError(
        `--web-origins: ${origin} is not an origin like https://chat.example.org`,
      );
    }
  }
  return origins;
}

function nameList(value: string): string[] {
  return value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

/** Reads the metrics token: one line, at least 16 characters, kept from others. */
export function readTokenFile(file: string, warn: (message: string) => void): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT'
        ? `--metrics-token-file ${file}: no such file; create it with: head -c 32 /dev/urandom | base64 > ${file} && chmod 600 ${file}`
        : `--metrics-token-file ${file}: cannot read it (${code ?? (error as Error).message}); it must be readable by the user natter runs as, mode 0600`,
    );
  }
  const token = text.trim();
  if (token.length < 16 || /\s/u.test(token)) {
    throw new UsageError(
      `--metrics-token-file ${file}: the token must be one word of at least 16 characters`,
    );
  }
  if ((statSync(file).mode & 0o077) !== 0) {
    warn(`${file} is readable by others; run: chmod 600 ${file}`);
  }
  return token;
}

export function configuredOptions(
  values: OptionValues,
  limitOptions: readonly (OptionSpec & { field: keyof Limits })[],
  log: Pick<Logger, 'warn'>,
): ConfiguredOptions {
  const limits = { ...DEFAULT_LIMITS } as Limits;
  for (const option of limitOptions) limits[option.field] = values[option.name] as number;
  let certNames;
  try {
    certNames = parseCertNames(values['cert-names'] as string);
  } catch (error) {
    throw new UsageError(`--cert-names: ${(error as Error).message}`);
  }
  const tokenFile = values['metrics-token-file'] as string | undefined;
  return {
    host: values.host as string,
    port: values.port as number,
    ...(values['irc-port'] === undefined ? {} : { ircPort: values['irc-port'] as number }),
    dataDir: values['data-dir'] as string,
    certFile: values.cert as string | undefined,
    keyFile: values.key as string | undefined,
    certNames,
    serverName: values.name as string | undefined,
    dbSync: values['db-sync'] as 'full' | 'normal',
    exempt: cidrList('limit-exempt', values['limit-exempt'] as string),
    operators: nameList(values.operators as string),
    registeredOnly: values['registered-only'] as boolean,
    webOrigins: originList(values['web-origins'] as string),
    retention: {
      maxAgeMs: values['retention-max-age'] as number,
      maxPerRoom: values['retention-max-per-room'] as number,
    },
    metricsAllow: cidrList('metrics-allow', values['metrics-allow'] as string),
    metricsToken:
      tokenFile === undefined ? undefined : readTokenFile(tokenFile, (m) => log.warn(m)),
    limits,
  };
}
