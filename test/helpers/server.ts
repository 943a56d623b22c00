/**
 * Test harness: real natter servers on port 0 with real TLS, in temporary
 * data directories, and small line-oriented clients for both dialects.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { DEFAULT_LIMITS, type Limits } from '../../src/protocol/limits.ts';
import { ALPN_NATIVE, type ClientFrame, type ServerFrame } from '../../src/protocol/frames.ts';
import { createLogger } from '../../src/server/log.ts';
import { startServer, type RunningServer } from '../../src/server/server.ts';

export interface TestServer {
  server: RunningServer;
  port: number;
  dataDir: string;
  certPem: string;
  close(): Promise<void>;
}

export async function makeTempDir(prefix = 'natter-test-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export async function startTestServer(
  options: { limits?: Partial<Limits>; dataDir?: string; certFile?: string; keyFile?: string } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await makeTempDir());
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    certFile: options.certFile,
    keyFile: options.keyFile,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    log: createLogger(process.env.NATTER_TEST_LOG === '1' ? 'debug' : 'silent'),
    serverName: 'test',
  });
  return {
    server,
    port: server.port,
    dataDir,
    certPem: server.credentials.cert,
    async close() {
      await server.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const WAIT_MS = 5_000;

/** A TLS connection read as lines, with waiting helpers that fail loudly. */
export class LineClient {
  readonly socket: TLSSocket;
  readonly lines: string[] = [];
  #cursor = 0;
  #buffer = '';
  #waiters: (() => void)[] = [];
  closed = false;

  constructor(socket: TLSSocket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let newline;
      while ((newline = this.#buffer.indexOf('\n')) !== -1) {
        this.lines.push(this.#buffer.slice(0, newline));
        this.#buffer = this.#buffer.slice(newline + 1);
      }
      this.#wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  write(line: string): void {
    this.socket.write(line + '\n');
  }

  /** Waits for the next line (after the cursor) that matches, and moves past it. */
  async waitForLine(
    match: RegExp | ((line: string) => boolean),
    what = String(match),
  ): Promise<string> {
    const test = typeof match === 'function' ? match : (line: string) => match.test(line);
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      while (this.#cursor < this.lines.length) {
        const line = this.lines[this.#cursor++]!;
        if (test(line)) return line;
      }
      if (this.closed)
        throw new Error(
          `closed while waiting for ${what}; lines: ${JSON.stringify(this.lines.slice(-10))}`,
        );
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${what}; lines: ${JSON.stringify(this.lines.slice(-10))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitForClose(): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for close')), WAIT_MS);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Lines received so far that have not been waited past. */
  unread(): string[] {
    return this.lines.slice(this.#cursor);
  }

  close(): void {
    this.socket.destroy();
  }
}

export async function openTls(
  port: number,
  options: {
    alpn?: string[];
    minVersion?: 'TLSv1.2' | 'TLSv1.3';
    maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  } = {},
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      rejectUnauthorized: false, // trust is the client's subject, tested in test/client
      ALPNProtocols: options.alpn,
      ...(options.maxVersion
        ? { maxVersion: options.maxVersion, minVersion: 'TLSv1' as const }
        : {}),
    });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

export class TextClient extends LineClient {
  static async connect(port: number): Promise<TextClient> {
    const client = new TextClient(await openTls(port));
    await client.waitForLine(/^Choose a username:/u, 'username prompt');
    return client;
  }

  /** Connects and logs in; resolves after the welcome line. */
  static async login(port: number, name: string): Promise<TextClient> {
    const client = await TextClient.connect(port);
    client.write(name);
    await client.waitForLine(/^-- Welcome, /u, 'welcome line');
    return client;
  }
}

export class NativeClient extends LineClient {
  #nextId = 0;

  static async connect(port: number): Promise<NativeClient> {
    return new NativeClient(await openTls(port, { alpn: [ALPN_NATIVE] }));
  }

  static async login(port: number, name: string): Promise<NativeClient> {
    const client = await NativeClient.connect(port);
    client.send({ type: 'hello', version: 1, name });
    await client.waitForFrame((f) => f.type === 'welcome', 'welcome');
    return client;
  }

  send(frame: ClientFrame | Record<string, unknown>): void {
    this.write(JSON.stringify(frame));
  }

  newId(): string {
    return `c${++this.#nextId}`;
  }

  async waitForFrame(
    match: (frame: ServerFrame) => boolean,
    what = 'a frame',
  ): Promise<ServerFrame> {
    const line = await this.waitForLine((l) => match(JSON.parse(l) as ServerFrame), what);
    return JSON.parse(line) as ServerFrame;
  }

  /** Waits for a frame of one type, optionally matching more fields. */
  async waitFor<T extends ServerFrame['type']>(
    type: T,
    fields: Partial<Extract<ServerFrame, { type: T }>> = {},
  ): Promise<Extract<ServerFrame, { type: T }>> {
    const entries = Object.entries(fields);
    return (await this.waitForFrame(
      (f) =>
        f.type === type &&
        entries.every(([k, v]) => (f as unknown as Record<string, unknown>)[k] === v),
      `${type} ${JSON.stringify(fields)}`,
    )) as Extract<ServerFrame, { type: T }>;
  }
}
