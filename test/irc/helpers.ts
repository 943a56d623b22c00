/**
 * IRC test clients: raw IRC lines over real TLS to a real test server, no
 * ALPN (as irssi, weechat and HexChat connect), with helpers to register
 * and to wait for numerics.
 */
import { rm } from 'node:fs/promises';
import { DEFAULT_LIMITS, type Limits } from '../../src/protocol/limits.ts';
import { nameKey } from '../../src/core/names.ts';
import { createLogger } from '../../src/server/log.ts';
import { hashPassword } from '../../src/server/passwords.ts';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import {
  LineClient,
  makeTempDir,
  NativeClient,
  openTls,
  TextClient,
  type Teardown,
} from '../helpers/server.ts';

/** Cheap scrypt for tests (the accounts suite tests the real cost). */
const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

export class IrcClient extends LineClient {
  /** Sends one line with IRC's CRLF. */
  send(line: string): void {
    this.socket.write(line + '\r\n');
  }

  /** Waits for the next line whose command (after tags and source) is `command`. */
  waitForCommand(command: string, rest?: RegExp): Promise<string> {
    return this.waitForLine(
      (line) => {
        const body = line.replace(/^@\S+ /u, '').replace(/^:\S+ /u, '');
        return body.split(' ')[0] === command && (rest === undefined || rest.test(line));
      },
      `${command}${rest ? ` ${rest}` : ''}`,
    );
  }

  static async connect(port: number): Promise<IrcClient> {
    return new IrcClient(await openTls(port));
  }

  /**
   * Registers with NICK/USER (negotiating `caps` first when given) and
   * resolves after the end of the MOTD.
   */
  static async register(
    port: number,
    nick: string,
    options: { caps?: string[]; pass?: string } = {},
  ): Promise<IrcClient> {
    const client = await IrcClient.connect(port);
    if (options.caps) {
      client.send('CAP LS 302');
      await client.waitForCommand('CAP', / LS /u);
      if (options.caps.length > 0) {
        client.send(`CAP REQ :${options.caps.join(' ')}`);
        await client.waitForCommand('CAP', / ACK /u);
      }
    }
    if (options.pass !== undefined) client.send(`PASS :${options.pass}`);
    client.send(`NICK ${nick}`);
    client.send(`USER ${nick} 0 * :${nick} tester`);
    if (options.caps) client.send('CAP END');
    await client.waitForCommand('001');
    await client.waitForLine(/ (376|422) /u, 'end of MOTD');
    return client;
  }
}

export interface IrcHarness {
  server: RunningServer;
  port: number;
  /** A registered IRC client (after the MOTD). */
  irc(nick: string, options?: Parameters<typeof IrcClient.register>[2]): Promise<IrcClient>;
  /** An IRC connection that has sent nothing yet. */
  ircConnect(port?: number): Promise<IrcClient>;
  text(name: string): Promise<TextClient>;
  native(name: string): Promise<NativeClient>;
  track<T extends LineClient>(client: T): T;
  /** Makes a registered account, as `natter account create` would. */
  account(name: string, password: string): Promise<void>;
}

export interface IrcServerOptions {
  limits?: Partial<Limits>;
  operators?: string[];
  ircPort?: number;
}

/** A real server for IRC tests, torn down (clients first) after the test. */
export async function ircServer(t: Teardown, options: IrcServerOptions = {}): Promise<IrcHarness> {
  const dataDir = await makeTempDir('natter-irc-');
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    log: createLogger(process.env.NATTER_TEST_LOG === '1' ? 'debug' : 'silent'),
    serverName: 'test',
    scrypt: FAST_SCRYPT,
    operators: options.operators ?? [],
    ...(options.ircPort === undefined ? {} : { ircPort: options.ircPort }),
  });
  const clients = new Set<LineClient>();
  t.after(async () => {
    for (const client of clients) client.close();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const track = <T extends LineClient>(client: T): T => {
    clients.add(client);
    return client;
  };
  return {
    server,
    port: server.port,
    track,
    irc: async (nick, o) => track(await IrcClient.register(server.port, nick, o)),
    ircConnect: async (port = server.port) => track(await IrcClient.connect(port)),
    text: async (name) => track(await TextClient.login(server.port, name)),
    native: async (name) => track(await NativeClient.login(server.port, name)),
    account: async (name, password) => {
      await server.hub.store.accounts.createAccount({
        nameKey: nameKey(name),
        name,
        passwordHash: await hashPassword(password, FAST_SCRYPT),
        createdAt: Date.now(),
      });
    },
  };
}

/** Joins a channel and waits for the end of its NAMES. */
export async function joinChannel(client: IrcClient, channel: string): Promise<void> {
  client.send(`JOIN ${channel}`);
  await client.waitForCommand('366', new RegExp(` ${channel} `, 'u'));
}
