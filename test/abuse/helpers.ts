/**
 * Helpers for the abuse tests: waiting on a condition (never asserting a
 * duration), raw sockets, a captured TLS ClientHello, and HTTP over the
 * server's ALPN http/1.1 dialect.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { get as httpsGet, type RequestOptions } from 'node:https';
import net from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { ALPN_NATIVE, type ServerFrame } from '../../src/protocol/frames.ts';
import { fileURLToPath } from 'node:url';
import type { Limits } from '../../src/protocol/limits.ts';
import type { ScryptParams } from '../../src/server/passwords.ts';
import { ProcessLines, tryTls, type NativeClient } from '../helpers/server.ts';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `condition` holds; fails naming `what` if it never does. */
export async function waitUntil(
  condition: () => boolean,
  what: string,
  limitMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(10);
  }
}

/** Every frame a native client has received so far. */
export function frames(client: NativeClient): ServerFrame[] {
  return client.lines.map((line) => JSON.parse(line) as ServerFrame);
}

/** Waits for a frame and returns it with its raw line (for linesBefore). */
export async function waitForFrameLine(
  client: NativeClient,
  match: (frame: ServerFrame) => boolean,
  what: string,
): Promise<{ line: string; frame: ServerFrame }> {
  const line = await client.waitForLine((l) => match(JSON.parse(l) as ServerFrame), what);
  return { line, frame: JSON.parse(line) as ServerFrame };
}

/** The first bytes a real TLS client sends: its ClientHello, captured from node:tls. */
export async function captureClientHello(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const capture = net.createServer((socket) => {
      socket.once('data', (data) => {
        resolve(data);
        socket.destroy();
        capture.close();
      });
    });
    capture.on('error', reject);
    capture.listen(0, '127.0.0.1', () => {
      const { port } = capture.address() as net.AddressInfo;
      const client = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost' });
      client.on('error', () => {}); // the capture server hangs up on it
    });
  });
}

/** A plain TCP connection (no TLS): resolves once connected. */
export function rawConnect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

export function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed && socket.closed) return resolve();
    socket.once('close', () => resolve());
  });
}

/**
 * Writes `data` one byte every `intervalMs` until the peer closes or `maxBytes`
 * have gone. Returns how many bytes were written before the close was seen.
 */
export async function trickle(
  socket: net.Socket,
  data: Buffer,
  intervalMs: number,
  maxBytes = data.length,
): Promise<{ written: number; closed: boolean }> {
  let isClosed = socket.destroyed;
  socket.once('close', () => (isClosed = true));
  let written = 0;
  while (!isClosed && written < Math.min(maxBytes, data.length)) {
    socket.write(data.subarray(written, written + 1));
    written++;
    await sleep(intervalMs);
  }
  return { written, closed: isClosed };
}

/** One HTTP/1.1 GET over the server's TLS port (ALPN http/1.1), read to the end. */
export function httpGet(
  port: number,
  path: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  // https passes the TLS options through to tls.connect; its type leaves ALPN out.
  const options: RequestOptions & { ALPNProtocols: string[] } = {
    host: '127.0.0.1',
    port,
    path,
    servername: 'localhost',
    rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'],
    agent: false,
  };
  return new Promise((resolve, reject) => {
    const request = httpsGet(options, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/**
 * A native client that logs in and then never reads again: a raw TLS socket,
 * paused, so the server's writes pile up in the kernel and then in its queue.
 */
export async function loginThenStopReading(port: number, name: string): Promise<TLSSocket> {
  const socket = await tryTls(port, { ALPNProtocols: [ALPN_NATIVE] });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      if (buffer.includes('"type":"welcome"')) {
        socket.off('data', onData);
        socket.pause();
        resolve();
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`${name} closed before welcome: ${buffer}`)));
    socket.write(JSON.stringify({ type: 'hello', version: 1, name }) + '\n');
  });
  return socket;
}

/** A test server in a child process (test/abuse/server-process.ts). */
export interface ServerProcess {
  port: number;
  process: ProcessLines;
  /** The server's RSS, after a full GC when the child runs with --expose-gc. */
  rss(): Promise<number>;
  /** The server's JS heap in use, after a full GC when the child runs with --expose-gc. */
  heapUsed(): Promise<number>;
  /** The server's peak RSS so far. */
  maxRss(): Promise<number>;
  /** Ends the child (SIGKILL: its clean-up is not under test). */
  stop(): Promise<void>;
}

const SERVER_PROCESS = fileURLToPath(new URL('./server-process.ts', import.meta.url));

export async function spawnServer(
  options: { limits?: Partial<Limits>; exempt?: string[]; scrypt?: ScryptParams } = {},
  nodeFlags: string[] = [],
): Promise<ServerProcess> {
  const child = new ProcessLines(process.execPath, [
    ...nodeFlags,
    SERVER_PROCESS,
    JSON.stringify(options),
  ]);
  const { port } = JSON.parse(await child.waitForLine(/^\{"port":/u, 'the server port')) as {
    port: number;
  };
  return {
    port,
    process: child,
    async rss() {
      child.write('rss');
      return (JSON.parse(await child.waitForLine(/^\{"rss":/u, 'rss')) as { rss: number }).rss;
    },
    async heapUsed() {
      child.write('rss');
      const line = await child.waitForLine(/^\{"rss":/u, 'rss');
      return (JSON.parse(line) as { heapUsed: number }).heapUsed;
    },
    async maxRss() {
      child.write('maxrss');
      const line = await child.waitForLine(/^\{"maxrss":/u, 'maxrss');
      return (JSON.parse(line) as { maxrss: number }).maxrss;
    },
    stop: () => child.stop(),
  };
}
