/**
 * What a running `natter serve` does besides serving: reloads on SIGHUP or
 * `natter reload` (the config file and the certificate files read again, as
 * a fresh start would read them; anything wrong is refused and the old
 * settings keep running), and the local admin socket.
 */
import path from 'node:path';
import { runAdminCommand } from '../server/admin-commands.ts';
import { watchCertificates, type CertWatch } from './cert-watch.ts';
import { ADMIN_COOKIE_FILE, ADMIN_SOCKET_FILE, startAdminSocket } from '../server/admin-socket.ts';
import type { Logger } from '../server/log.ts';
import type { RunningServer } from '../server/server.ts';
import { parseOptions, type OptionValues } from './options.ts';
import { RESTART_ONLY } from './serve-ops-options.ts';
import { configuredOptions } from './server-config.ts';

export interface Operations {
  /** Where the admin socket listens; null when turned off. */
  adminSocket: string | null;
  reload(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export function adminSocketPath(values: OptionValues): string | null {
  const configured = values['admin-socket'];
  if (configured === '') return null;
  return typeof configured === 'string'
    ? configured
    : path.join(values['data-dir'] as string, ADMIN_SOCKET_FILE);
}

export async function startOperations(options: {
  argv: readonly string[];
  values: OptionValues;
  server: RunningServer;
  log: Logger;
}): Promise<Operations> {
  const { argv, server, log } = options;
  let current = options.values;
  let queue: Promise<unknown> = Promise.resolve();

  const reloadOnce = async (): Promise<Record<string, unknown>> => {
    const before = server.credentials.fingerprint;
    try {
      // Late import: serve.ts imports this module, and the table lives there.
      const { LIMIT_OPTIONS, SERVE_OPTIONS } = await import('./serve.ts');
      const { values } = parseOptions(argv, SERVE_OPTIONS);
      const configured = configuredOptions(values, LIMIT_OPTIONS, log);
      const ignored = RESTART_ONLY.filter((name) => values[name] !== current[name]);
      const credentials = await server.reload(configured);
      current = { ...values, ...Object.fromEntries(ignored.map((n) => [n, current[n]])) };
      rewatch();
      for (const name of ignored) {
        log.warn('reload: this option needs a restart; the old value stays', { option: name });
      }
      const changed = credentials.fingerprint !== before;
      process.stdout.write(
        changed
          ? `reloaded: new certificate, fingerprint SHA256 ${credentials.fingerprint} (was ${before})\n`
          : 'reloaded: same certificate\n',
      );
      return {
        fingerprint: credentials.fingerprint,
        ...(changed ? { previous_fingerprint: before } : {}),
        needs_restart: ignored,
      };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      log.error('reload refused; the old configuration keeps running', {
        code: typeof code === 'string' ? code : 'bad_config',
        error: (error as Error).message,
      });
      throw error;
    }
  };
  // One reload at a time: a second SIGHUP waits for the first.
  const reload = () => {
    const next = queue.then(reloadOnce);
    queue = next.catch(() => {});
    return next;
  };
  const onHangup = () => void reload().catch(() => {});
  process.on('SIGHUP', onHangup);

  let watching: CertWatch | null = null;
  function rewatch() {
    watching?.close();
    watching = null;
    const files = [current.cert, current.key].filter((f): f is string => typeof f === 'string');
    if (current['watch-certs'] !== true || files.length === 0) return;
    watching = watchCertificates(
      files,
      () => {
        log.info('certificate files changed; reloading');
        onHangup();
      },
      (error) => log.warn('cannot watch the certificate files', { error: error.message }),
    );
  }
  rewatch();

  const socketPath = adminSocketPath(options.values);
  const admin =
    socketPath === null
      ? null
      : await startAdminSocket({
          path: socketPath,
          cookieFile: path.join(path.dirname(socketPath), ADMIN_COOKIE_FILE),
          log,
          run: (command, args) => runAdminCommand({ server, reload }, command, args),
        });
  return {
    adminSocket: socketPath,
    reload,
    async close() {
      process.off('SIGHUP', onHangup);
      watching?.close();
      await admin?.close();
    },
  };
}
