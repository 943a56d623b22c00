/**
 * Helpers for the accounts and moderation suite: a real server started with
 * the account options (operators, registered-only, scrypt cost) that can be
 * restarted on the same data directory, and clients that log in with a
 * password from a chosen loopback address.
 *
 * Addresses: Linux routes all of 127.0.0.0/8 to loopback, so a client can
 * bind 127.0.0.N as its source and the server sees a different "IP" per
 * person. That keeps the per-address password allowance (3 a minute) of one
 * person from limiting another, and lets bans by address hit one client only.
 */
import { rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import path from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import type { TestContext } from 'node:test';
import { DEFAULT_LIMITS, type Limits } from '../../src/protocol/limits.ts';
import { ALPN_NATIVE, type ServerFrame } from '../../src/protocol/frames.ts';
import { createLogger, type LogLevel } from '../../src/server/log.ts';
import { checkName } from '../../src/core/names.ts';
import { hashPassword, type ScryptParams } from '../../src/server/passwords.ts';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import { makeTempDir, NativeClient, TextClient, type LineClient } from '../helpers/server.ts';

/** Cheap scrypt for tests; the stored-hash test uses the real default instead. */
export const FAST_SCRYPT: ScryptParams = { N: 1024, r: 8, p: 1 };
/** Moderation tests send commands back to back; flood control has its own tests. */
export const NO_FLOOD: Partial<Limits> = {
  floodBurst: 10_000,
  floodPerSecond: 10_000,
  loginBurst: 10_000,
};

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const MAIN = path.join(ROOT, 'src', 'cli', 'main.ts');

export interface AccountServerOptions {
  operators?: string[];
  registeredOnly?: boolean;
  /** `default`: the server's own (OWASP) parameters. */
  scrypt?: ScryptParams | 'default';
  dataDir?: string;
  limits?: Partial<Limits>;
  logLevel?: LogLevel;
}

export interface LoginOptions {
  password?: string;
  /** Source address (127.0.0.0/8); by default each name gets its own. */
  from?: string;
}

/** Opens a TLS connection from a chosen loopback source address. */
export function openFrom(port: number, from: string, alpn?: string[]): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const raw = createConnection({ host: '127.0.0.1', port, localAddress: from });
    raw.once('error', reject);
    const socket = connect({
      socket: raw,
      servername: 'localhost',
      rejectUnauthorized: false,
      ALPNProtocols: alpn,
    });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Parses every line a native client has received so far. */
export function framesOf(client: LineClient): ServerFrame[] {
  return client.lines.map((line) => JSON.parse(line) as ServerFrame);
}

/**
 * A server for the suite, closed (clients first) after the test. `restart`
 * stops it and starts a new one on the same data directory: what survives is
 * what the store kept.
 */
export class AccountServer {
  readonly dataDir: string;
  /** Every log line the server wrote (JSON), across restarts. */
  readonly logLines: string[] = [];
  server!: RunningServer;
  readonly #options: AccountServerOptions;
  readonly #clients = new Set<LineClient>();
  readonly #addresses = new Map<string, string>();

  private constructor(dataDir: string, options: AccountServerOptions) {
    this.dataDir = dataDir;
    this.#options = options;
  }

  static async start(t: TestContext, options: AccountServerOptions = {}): Promise<AccountServer> {
    const dataDir = options.dataDir ?? (await makeTempDir('natter-accounts-'));
    const harness = new AccountServer(dataDir, options);
    t.after(async () => {
      harness.closeClients();
      await harness.server.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    });
    await harness.#boot();
    return harness;
  }

  async #boot(): Promise<void> {
    const { scrypt } = this.#options;
    this.server = await startServer({
      host: '127.0.0.1',
      // A restart comes back on the same port, so clients can reconnect to it.
      port: this.server?.port ?? 0,
      dataDir: this.dataDir,
      limits: { ...DEFAULT_LIMITS, ...NO_FLOOD, ...this.#options.limits },
      log: createLogger(this.#options.logLevel ?? 'debug', (line) => {
        this.logLines.push(line);
        if (process.env.NATTER_TEST_LOG === '1') process.stderr.write(line);
      }),
      serverName: 'test',
      operators: this.#options.operators,
      registeredOnly: this.#options.registeredOnly,
      scrypt: scrypt === 'default' ? undefined : (scrypt ?? FAST_SCRYPT),
    });
  }

  get port(): number {
    return this.server.port;
  }

  closeClients(): void {
    for (const client of this.#clients) client.close();
    this.#clients.clear();
  }

  /** Stops the server (clients are told and cut) and starts it again on the same data. */
  async restart(): Promise<void> {
    await this.server.close();
    this.closeClients();
    await this.#boot();
  }

  track<T extends LineClient>(client: T): T {
    this.#clients.add(client);
    return client;
  }

  /** The source address a name connects from unless told otherwise: one per name. */
  addressOf(name: string): string {
    let address = this.#addresses.get(name);
    if (!address) {
      address = `127.0.1.${this.#addresses.size + 1}`;
      this.#addresses.set(name, address);
    }
    return address;
  }

  async nativeConnect(from = '127.0.0.1'): Promise<NativeClient> {
    return this.track(new NativeClient(await openFrom(this.port, from, [ALPN_NATIVE])));
  }

  /** A text-mode client at the username prompt. */
  async textConnect(from = '127.0.0.1'): Promise<TextClient> {
    const client = this.track(new TextClient(await openFrom(this.port, from)));
    await client.waitForLine(/^Choose a username:/u, 'username prompt');
    return client;
  }

  /** Logs in natively and waits until the login is complete (past #lobby's `who`). */
  async native(name: string, options: LoginOptions = {}): Promise<NativeClient> {
    const client = await this.nativeConnect(options.from ?? this.addressOf(name));
    const hello: Record<string, unknown> = { type: 'hello', version: 1, name };
    if (options.password !== undefined) hello.password = options.password;
    client.send(hello);
    await client.waitFor('welcome');
    await client.waitFor('who', { room: '#lobby' });
    return client;
  }

  /** Logs in in text mode (answering the password prompt) and waits for #lobby's who line. */
  async text(name: string, options: LoginOptions = {}): Promise<TextClient> {
    const client = await this.textConnect(options.from ?? this.addressOf(name));
    client.write(name);
    if (options.password !== undefined) {
      await client.waitForLine(new RegExp(`^Password for ${name}:$`, 'u'), 'password prompt');
      client.write(options.password);
    }
    await client.waitForLine(/^-- Welcome, /u, 'welcome line');
    await client.waitForLine(/^-- #lobby: \d+ users?: /u, 'who line');
    return client;
  }

  /** A native guest that registers its name; returns the logged-in client. */
  async registered(name: string, password: string): Promise<NativeClient> {
    const client = await this.native(name);
    client.send({ type: 'register', password });
    await client.waitFor('registered', { name });
    return client;
  }
}

/** Sends a native request and waits for its error (the request carries an id). */
export async function refusal(
  client: NativeClient,
  frame: Record<string, unknown>,
): Promise<Extract<ServerFrame, { type: 'error' }>> {
  const id = client.newId();
  client.send({ ...frame, id });
  return client.waitFor('error', { id });
}

/** A native say in the current (or a named) room; resolves with its ack or error. */
export async function sayAndWait(
  client: NativeClient,
  text: string,
  extra: Record<string, unknown> = {},
): Promise<ServerFrame> {
  const id = client.newId();
  client.send({ type: 'say', id, text, ...extra });
  return client.waitForFrame(
    (f) => (f.type === 'ack' || f.type === 'error') && f.id === id,
    `ack or error for ${id}`,
  );
}

/** Creates an account straight in the running server's store (as `natter account create` does). */
export async function createAccount(
  harness: AccountServer,
  name: string,
  password: string,
): Promise<void> {
  const checked = checkName(name);
  if (!checked.ok) throw new Error(checked.reason);
  const created = await harness.server.hub.store.accounts.createAccount({
    nameKey: checked.key,
    name: checked.display,
    passwordHash: await hashPassword(password, FAST_SCRYPT),
    createdAt: Date.now(),
  });
  if (!created) throw new Error(`${name} exists already`);
}
