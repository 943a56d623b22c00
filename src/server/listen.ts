/**
 * Starting a TLS listener (natter's port, and the IRC port when asked for),
 * turning the operating system's refusals into messages that say what to do
 * (troubleshooting.md lists them).
 */
import type { Server } from 'node:tls';
import { StartupError } from '../tls/startup-error.ts';
import type { Logger } from './log.ts';

export function explainListenError(error: NodeJS.ErrnoException, host: string, port: number) {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new StartupError(
        'port_in_use',
        `port ${port} on ${host} is already in use by another program (${where}). ` +
          `See which one with: ss -ltnp 'sport = :${port}' (or lsof -iTCP:${port} -sTCP:LISTEN); ` +
          'stop it (perhaps another natter), or pick another port with --port.',
      );
    case 'EACCES':
      return new StartupError(
        'port_privileged',
        `not allowed to listen on ${where}: ports below 1024 need privilege. ` +
          'Use a port above 1023 (the default is 7447), or grant CAP_NET_BIND_SERVICE ' +
          '(AmbientCapabilities=CAP_NET_BIND_SERVICE in the systemd unit).',
      );
    case 'EADDRNOTAVAIL':
      return new StartupError(
        'address_unavailable',
        `cannot listen on ${where}: ${host} is not an address of this machine. ` +
          'Use one of its addresses (ip -brief address), 0.0.0.0 or :: for all of them, or 127.0.0.1.',
      );
    default:
      return error;
  }
}

/** Listens; resolves with the port (the one picked, for port 0). */
export async function listen(
  server: Server,
  port: number,
  host: string,
  log: Logger,
): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(explainListenError(error, host, port));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  server.on('error', (error) => log.error('server error', { port, error: error.message }));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}
