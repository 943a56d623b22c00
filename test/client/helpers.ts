/**
 * Helpers for the client tests: the real `natter chat` CLI as a child process
 * with its own HOME (so known_hosts is private to the test), and a TCP proxy
 * that can cut, refuse and stall connections to test reconnects.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const MAIN = path.resolve(import.meta.dirname, '../../src/cli/main.ts');
const WAIT_MS = 8_000;

/** A fresh HOME with XDG_CONFIG_HOME inside it; removed by `cleanup`. */
export async function tempHome(t: { after(fn: () => unknown): void }): Promise<string> {
  const home = await mkdtemp(path.join(tmpdir(), 'natter-client-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  return home;
}

export function knownHostsIn(home: string): string {
  return path.join(home, '.config', 'natter', 'known_hosts');
}

/** Collects a stream as lines and lets a test wait for one, failing loudly. */
class Lines {
  readonly lines: string[] = [];
  #partial = '';
  #waiters = new Set<() => void>();
  ended = false;

  push(chunk: string): void {
    this.#partial += chunk;
    const parts = this.#partial.split('\n');
    this.#partial = parts.pop() ?? '';
    this.lines.push(...parts);
    this.wake();
  }

  wake(): void {
    for (const waiter of this.#waiters) waiter();
  }

  get text(): string {
    return this.lines.join('\n') + (this.#partial ? `\n${this.#partial}` : '');
  }

  /** Resolves with the first line (from index `from`) that matches. */
  async waitFor(match: RegExp, describe: () => string, from = 0): Promise<string> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = this.lines.slice(from).find((line) => match.test(line));
      if (found !== undefined) return found;
      if (this.ended) throw new Error(`ended while waiting for ${match}; ${describe()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${match}; ${describe()}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#waiters.add(wake);
      });
    }
  }
}

/** `node src/cli/main.ts chat …` with piped stdio. */
export class ChatProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout = new Lines();
  readonly stderr = new Lines();
  readonly exit: Promise<number | null>;

  constructor(args: readonly string[], home: string) {
    this.child = spawn(process.execPath, [MAIN, 'chat', ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        XDG_CONFIG_HOME: path.join(home, '.config'),
        TZ: process.env.TZ ?? 'UTC',
      },
      stdio: 'pipe',
    });
    this.child.stdout.setEncoding('utf8').on('data', (c: string) => this.stdout.push(c));
    this.child.stderr.setEncoding('utf8').on('data', (c: string) => this.stderr.push(c));
    this.child.stdin.on('error', () => {}); // the client may exit before reading everything
    this.exit = new Promise((resolve) => {
      this.child.once('close', (code) => {
        this.stdout.ended = this.stderr.ended = true;
        this.stdout.wake();
        this.stderr.wake();
        resolve(code);
      });
    });
  }

  describe = (): string =>
    `stdout: ${JSON.stringify(this.stdout.text.slice(-1500))}; stderr: ${JSON.stringify(this.stderr.text.slice(-1500))}`;

  write(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  end(): void {
    this.child.stdin.end();
  }

  waitForStdout(match: RegExp, from = 0): Promise<string> {
    return this.stdout.waitFor(match, this.describe, from);
  }

  waitForStderr(match: RegExp, from = 0): Promise<string> {
    return this.stderr.waitFor(match, this.describe, from);
  }

  /** The exit code; fails (with the output) if the process does not end in time. */
  async exitCode(): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no exit; ${this.describe()}`)), WAIT_MS);
    });
    try {
      return await Promise.race([this.exit, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills this child (by its own handle) if it still runs. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exit;
  }
}

/** Runs the CLI with all of stdin given at once; resolves when it exits. */
export async function runChat(
  args: readonly string[],
  home: string,
  input: string[] = [],
): Promise<{ code: number | null; stdout: string[]; stderr: string; process: ChatProcess }> {
  const chat = new ChatProcess(args, home);
  for (const line of input) chat.write(line);
  chat.end();
  try {
    const code = await chat.exitCode();
    return { code, stdout: chat.stdout.lines, stderr: chat.stderr.text, process: chat };
  } finally {
    await chat.stop();
  }
}

/**
 * A TCP proxy in front of a server. `dropAll` cuts every proxied connection
 * (as a network failure would), `refuse` makes new connections fail at once,
 * `stallReplies` stops forwarding what the server sends (acks get lost).
 */
export class Proxy {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  #refusing = false;
  #stalled = false;
  connections = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(target: number): Promise<Proxy> {
    const server = createServer();
    const proxy = new Proxy(server);
    server.on('connection', (client) => proxy.#accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  #accept(client: Socket, target: number): void {
    client.on('error', () => {});
    if (this.#refusing) {
      client.destroy();
      return;
    }
    this.connections += 1;
    const upstream = createConnection({ host: '127.0.0.1', port: target });
    upstream.on('error', () => {});
    const pair: [Socket, Socket] = [client, upstream];
    this.#pairs.add(pair);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (!this.#stalled) client.write(chunk);
    });
    const close = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.once('close', close);
    upstream.once('close', close);
  }

  dropAll(): void {
    for (const [client, upstream] of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
  }

  refuse(on: boolean): void {
    this.#refusing = on;
  }

  stallReplies(on: boolean): void {
    this.#stalled = on;
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
