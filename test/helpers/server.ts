/**
 * Test harness: real natter servers on port 0 with real TLS, in temporary
 * data directories, and small line-oriented clients for both dialects.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { DEFAULT_LIMITS, type Limits } from '../../src/protocol/limits.ts';
import { ALPN_NATIVE, type ClientFrame, type ServerFrame } from '../../src/protocol/frames.ts';
import { createLogger } from '../../src/server/log.ts';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import { nameKey } from '../../src/core/names.ts';
import { hashPassword, type ScryptParams } from '../../src/server/passwords.ts';

/** Cheap password hashing for tests (the hashing tests use the real cost). */
const TEST_SCRYPT: ScryptParams = { N: 1024, r: 8, p: 1 };
import { LineBuffer, WAIT_MS, type LineMatch } from './line-buffer.ts';

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
  options: {
    limits?: Partial<Limits>;
    dataDir?: string;
    certFile?: string;
    keyFile?: string;
    /** CIDR blocks exempt from per-address connection caps (server default: loopback). */
    exempt?: string[];
    /**
     * Server operators, by name and password: their accounts are created (with
     * cheap scrypt) before anyone connects; they log in with the password.
     */
    operators?: Record<string, string>;
    /** Password hashing for sessions' passwords (cheap unless a test measures the real cost). */
    scrypt?: ScryptParams;
    /** Origins besides the server's own allowed to open the WebSocket. */
    webOrigins?: string[];
    /** Where the built web client is (default: web/dist). */
    webRoot?: string;
    /** Shown to clients (default: test). */
    serverName?: string;
  } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await makeTempDir());
  const operators = Object.entries(options.operators ?? {});
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    certFile: options.certFile,
    keyFile: options.keyFile,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    log: createLogger(process.env.NATTER_TEST_LOG === '1' ? 'debug' : 'silent'),
    serverName: options.serverName ?? 'test',
    exempt: options.exempt,
    operators: operators.map(([name]) => name),
    scrypt: options.scrypt ?? TEST_SCRYPT,
    webOrigins: options.webOrigins,
    webRoot: options.webRoot,
  });
  for (const [name, password] of operators) {
    await server.hub.store.accounts.createAccount({
      nameKey: nameKey(name),
      name,
      passwordHash: await hashPassword(password, TEST_SCRYPT),
      createdAt: Date.now(),
    });
  }
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

/** A TLS connection read as lines, with waiting helpers that fail loudly. */
export class LineClient {
  readonly socket: TLSSocket;
  readonly #buffer = new LineBuffer();

  constructor(socket: TLSSocket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#buffer.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.#buffer.end());
  }

  get lines(): string[] {
    return this.#buffer.lines;
  }

  get closed(): boolean {
    return this.#buffer.ended;
  }

  write(line: string): void {
    this.socket.write(line + '\n');
  }

  /** Waits for the next line (after the cursor) that matches, and moves past it. */
  waitForLine(match: LineMatch, what = String(match)): Promise<string> {
    return this.#buffer.waitFor(
      match,
      what,
      () => `lines: ${JSON.stringify(this.lines.slice(-10))}`,
    );
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
    return this.#buffer.unread();
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

// ---- added for the server integration suite (test/server/) ------------------

/** Where a test registers its clean-up: a TestContext (`t`) or anything with `after`. */
export interface Teardown {
  after(fn: () => unknown): void;
}

/** A test server whose clients are tracked, so one `after` closes them all, then the server. */
export interface Harness extends TestServer {
  /** A text-mode client that has logged in (after its welcome line). */
  text(name: string): Promise<TextClient>;
  /** A native client that has logged in (after its welcome frame). */
  native(name: string): Promise<NativeClient>;
  /** A text-mode client at the username prompt. */
  textConnect(): Promise<TextClient>;
  /** A native client that has not sent hello. */
  nativeConnect(): Promise<NativeClient>;
  /** Registers any client for clean-up. */
  track<T extends LineClient>(client: T): T;
}

/** Starts a test server and registers its clean-up (clients first, then the server) on `t`. */
export async function serverFor(
  t: Teardown,
  options: Parameters<typeof startTestServer>[0] = {},
): Promise<Harness> {
  const server = await startTestServer(options);
  const clients = new Set<LineClient>();
  t.after(async () => {
    for (const client of clients) client.close();
    await server.close();
  });
  const track = <T extends LineClient>(client: T): T => {
    clients.add(client);
    return client;
  };
  return {
    ...server,
    track,
    text: async (name) => track(await TextClient.login(server.port, name)),
    native: async (name) => track(await NativeClient.login(server.port, name)),
    textConnect: async () => track(await TextClient.connect(server.port)),
    nativeConnect: async () => track(await NativeClient.connect(server.port)),
  };
}

/** Writes raw bytes (no newline added); resolves once handed to the socket, even if it fails. */
export function writeRaw(client: LineClient, data: Buffer | string): Promise<void> {
  return new Promise((resolve) => {
    if (client.socket.destroyed) return resolve();
    client.socket.write(data, () => resolve());
  });
}

/** Every line the client received before `line` (which must have been received). */
export function linesBefore(client: LineClient, line: string): string[] {
  const index = client.lines.indexOf(line);
  if (index === -1) throw new Error(`${JSON.stringify(line)} was not received`);
  return client.lines.slice(0, index);
}

/** A native client's say: returns the client id it used. */
export function say(client: NativeClient, text: string, extra: Record<string, unknown> = {}) {
  const id = client.newId();
  client.send({ type: 'say', id, text, ...extra });
  return id;
}

/**
 * A TLS handshake with full control of the client options; resolves with the
 * socket or rejects with the handshake error (e.g. a server alert).
 */
export function tryTls(port: number, options: ConnectionOptions = {}): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      rejectUnauthorized: false,
      ...options,
    });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Whether a program is on PATH (for skipping tests of foreign clients, visibly). */
export function onPath(program: string): boolean {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir !== '' && existsSync(path.join(dir, program)));
}

/**
 * A child process read line by line from stdout, written to line by line on
 * stdin; stderr is kept for failure messages. Waits fail loudly, like LineClient's.
 */
export class ProcessLines {
  readonly child: ChildProcessWithoutNullStreams;
  stderr = '';
  exitCode: number | null = null;
  signal: NodeJS.Signals | null = null;
  readonly exited: Promise<void>;
  readonly #stdout = new LineBuffer();

  constructor(command: string, args: readonly string[], options: { cwd?: string } = {}) {
    this.child = spawn(command, [...args], { cwd: options.cwd, stdio: 'pipe' });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => this.#stdout.push(chunk));
    this.child.stderr.on('data', (chunk: string) => (this.stderr += chunk));
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exitCode = code;
        this.signal = signal;
        this.#stdout.end();
        resolve();
      });
      this.child.once('error', (error) => {
        this.stderr += String(error);
        this.#stdout.end();
        resolve();
      });
    });
  }

  get lines(): string[] {
    return this.#stdout.lines;
  }

  #describe(): string {
    return `stdout: ${JSON.stringify(this.lines.slice(-10))}; stderr: ${JSON.stringify(this.stderr.slice(-600))}`;
  }

  write(line: string): void {
    this.child.stdin.write(line + '\n');
  }

  /** Waits for the next stdout line (after the cursor) that matches, and moves past it. */
  waitForLine(match: LineMatch, what = String(match)): Promise<string> {
    return this.#stdout.waitFor(match, what, () => this.#describe());
  }

  /**
   * Waits for the process to end; rejects with its output if it takes longer
   * than `ms` (the wait limit by default; more for a process that hashes a
   * password at full cost on a busy machine).
   */
  async waitForExit(ms = WAIT_MS): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out waiting for exit; ${this.#describe()}`)),
        ms,
      );
    });
    try {
      await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return { code: this.exitCode, signal: this.signal };
  }

  /** Ends the process (this one, by its pid) if it is still running, and waits for it. */
  async stop(): Promise<void> {
    if (!this.#stdout.ended) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * `natter serve` as a child process on `port` (0: a free one), stopped when
 * the test ends; resolves with its port once it listens. For tests that
 * signal or kill the server.
 */
export async function serveProcess(
  t: Teardown,
  dataDir: string,
  options: { port?: number; args?: readonly string[] } = {},
): Promise<{ server: ProcessLines; port: number }> {
  const server = new ProcessLines(
    process.execPath,
    [
      SERVE_MAIN,
      'serve',
      '--port',
      String(options.port ?? 0),
      '--data-dir',
      dataDir,
      '--log-level',
      'silent',
      ...(options.args ?? []),
    ],
    { cwd: path.resolve(import.meta.dirname, '..', '..') },
  );
  t.after(() => server.stop());
  const line = await server.waitForLine(/^natter listening on /u, 'the listening line');
  const match = /:(\d+) \(TLS/u.exec(line);
  if (!match) throw new Error(`no port in: ${line}`);
  return { server, port: Number(match[1]) };
}

const SERVE_MAIN = path.resolve(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
