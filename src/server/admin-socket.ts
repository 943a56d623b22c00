/**
 * The local admin interface: a Unix socket in the data directory, mode 0600,
 * one JSON request per connection and one JSON reply.
 *
 *   -> {"cookie":"…","command":"kick","args":{"name":"mallory"}}
 *   <- {"ok":true,"result":{…}}  or  {"ok":false,"code":"no_such_user","message":"…"}
 *
 * Node cannot read a Unix socket peer's credentials (SO_PEERCRED), so the
 * peer proves it is the server's owner (or root) by reading a cookie file
 * that only they can read (admin.cookie, 0600, new at every start) and
 * sending it. The socket's own mode keeps everyone else from connecting at
 * all; the cookie covers a socket whose mode was loosened, and the moment
 * between creating the socket and restricting it.
 */
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { chmodSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { StartupError } from '../tls/startup-error.ts';
import type { Logger } from './log.ts';
import type { AdminArgs, AdminReply } from './admin-commands.ts';

export const ADMIN_SOCKET_FILE = 'admin.sock';
export const ADMIN_COOKIE_FILE = 'admin.cookie';
const MAX_REQUEST_BYTES = 64 * 1024;
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_CONNECTIONS = 16;

export interface AdminSocket {
  path: string;
  close(): Promise<void>;
}

function same(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Whether something answers on the socket path: another server using this data directory. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

function cannotCreate(file: string, error: NodeJS.ErrnoException): StartupError {
  return new StartupError(
    'admin_socket',
    `cannot create the admin socket ${file} (${error.code ?? error.message}); ` +
      'its directory must exist and be writable by this user; give another with --admin-socket, or "" to turn it off',
  );
}

export async function startAdminSocket(options: {
  path: string;
  cookieFile: string;
  log: Logger;
  run(command: string, args: AdminArgs): Promise<AdminReply>;
}): Promise<AdminSocket> {
  const { path, cookieFile, log } = options;
  if (await answers(path)) {
    throw new StartupError(
      'data_dir_in_use',
      `another natter is running on this data directory (its admin socket ${path} answers); ` +
        'stop it first, or give this one its own --data-dir',
    );
  }
  // sun_path holds 108 bytes with its terminating NUL.
  if (Buffer.byteLength(path) > 107) {
    throw new StartupError(
      'admin_socket',
      `the admin socket path ${path} is longer than a Unix socket allows (107 bytes); ` +
        'give a shorter one with --admin-socket (for example /run/natter/admin.sock), or "" to turn it off',
    );
  }
  rmSync(path, { force: true }); // a socket left by a server that did not exit cleanly
  const cookie = randomBytes(32).toString('base64url');

  const server: Server = createServer((socket: Socket) => {
    socket.setEncoding('utf8');
    let buffer = '';
    let done = false;
    const timer = setTimeout(() => socket.destroy(), REQUEST_TIMEOUT_MS);
    timer.unref();
    socket.on('error', () => {});
    socket.on('close', () => clearTimeout(timer));
    const reply = (answer: AdminReply) => {
      done = true;
      socket.end(JSON.stringify(answer) + '\n');
    };
    socket.on('data', (chunk: string) => {
      if (done) return;
      buffer += chunk;
      if (buffer.length > MAX_REQUEST_BYTES) {
        return reply({ ok: false, code: 'too_long', message: 'request over 64 KiB' });
      }
      const newline = buffer.indexOf('\n');
      if (newline === -1) return;
      void handle(buffer.slice(0, newline)).then(reply);
    });
  });
  server.maxConnections = MAX_CONNECTIONS;

  async function handle(line: string): Promise<AdminReply> {
    let request: { cookie?: unknown; command?: unknown; args?: unknown };
    try {
      request = JSON.parse(line) as typeof request;
    } catch {
      return { ok: false, code: 'bad_json', message: 'a request is one JSON object' };
    }
    if (typeof request !== 'object' || request === null) {
      return { ok: false, code: 'bad_json', message: 'a request is one JSON object' };
    }
    if (typeof request.cookie !== 'string' || !same(request.cookie, cookie)) {
      log.warn('admin request refused', { code: 'unauthorized', reason: 'bad cookie' });
      return {
        ok: false,
        code: 'unauthorized',
        message: `only the user the server runs as (or root) may use the admin socket: read ${cookieFile}`,
      };
    }
    const args = request.args ?? {};
    if (typeof request.command !== 'string' || typeof args !== 'object' || Array.isArray(args)) {
      return { ok: false, code: 'bad_frame', message: 'command must be a string, args an object' };
    }
    log.info('admin command', { command: request.command.slice(0, 40) });
    return options.run(request.command, args as AdminArgs);
  }

  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => reject(cannotCreate(path, error));
    server.once('error', failed);
    server.listen(path, () => {
      server.off('error', failed);
      resolve();
    });
  });
  try {
    chmodSync(path, 0o600);
    const temporary = `${cookieFile}.${process.pid}.tmp`;
    writeFileSync(temporary, cookie + '\n', { mode: 0o600 });
    renameSync(temporary, cookieFile);
  } catch (error) {
    server.close();
    throw cannotCreate(cookieFile, error as NodeJS.ErrnoException);
  }
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        rmSync(cookieFile, { force: true });
      }),
  };
}
