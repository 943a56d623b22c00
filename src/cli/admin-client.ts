/**
 * The client side of the admin socket (server/admin-socket.ts): reads the
 * cookie beside the socket, sends one request, returns the reply. Failures
 * say what to do: which user may do this, or that no server is running.
 */
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { ADMIN_COOKIE_FILE } from '../server/admin-socket.ts';
import type { AdminReply } from '../server/admin-commands.ts';
import { UsageError } from './options.ts';

const REPLY_TIMEOUT_MS = 30_000;

export class AdminError extends Error {}

function explain(error: NodeJS.ErrnoException, file: string, what: string): AdminError {
  switch (error.code) {
    case 'EACCES':
    case 'EPERM':
      return new AdminError(
        `permission denied on ${file}: the admin ${what} is for the user the server runs as ` +
          '(mode 0600); run this as that user, or as root (sudo).',
      );
    case 'ENOENT':
    case 'ECONNREFUSED':
      return new AdminError(
        `no server answers at ${file}: is natter serve running with this --data-dir ` +
          '(or --admin-socket)?',
      );
    default:
      return new AdminError(`${file}: ${error.message}`);
  }
}

export async function adminRequest(
  socketPath: string,
  command: string,
  args: Record<string, unknown>,
): Promise<AdminReply> {
  const cookieFile = path.join(path.dirname(socketPath), ADMIN_COOKIE_FILE);
  let cookie: string;
  try {
    cookie = (await readFile(cookieFile, 'utf8')).trim();
  } catch (error) {
    throw explain(error as NodeJS.ErrnoException, cookieFile, 'cookie');
  }
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new AdminError(`no reply from ${socketPath} in ${REPLY_TIMEOUT_MS / 1000} s`));
    }, REPLY_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write(JSON.stringify({ cookie, command, args }) + '\n'));
    socket.on('data', (chunk: string) => (data += chunk));
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(explain(error, socketPath, 'socket'));
    });
    socket.once('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(data) as AdminReply);
      } catch {
        reject(new UsageError(`${socketPath} answered something that is not an admin reply`));
      }
    });
  });
}
