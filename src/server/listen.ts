/** Starting a TLS listener (natter's port, and the IRC port when asked for). */
import type { Server } from 'node:tls';
import type { Logger } from './log.ts';

/** Listens; resolves with the port (the one picked, for port 0). */
export async function listen(
  server: Server,
  port: number,
  host: string,
  log: Logger,
): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => log.error('server error', { port, error: error.message }));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}
