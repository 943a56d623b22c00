/**
 * The attacks of issue 11 that cost the server memory or CPU, each run for
 * a few seconds against a server in its own process while a healthy,
 * logged-in client measures its ping round trip (bench/abuse-memory.ts
 * prints the figures):
 *   hello-flood    4 connections pipelining hellos for a 32-letter Sunuwar
 *                  name (refused: the dearest name to explain), reconnecting
 *                  whenever closed (item 5);
 *   quit-flood     one connection: a paste the flood gate paces, then
 *                  `quit` lines as fast as they go (item 6);
 *   register-flood 16 connections from one address, each a burst of says
 *                  then registers (scrypt, 128 MiB each), over and over
 *                  (item 8); the owner of a registered name logs in
 *                  meanwhile, and how long that takes is reported.
 */
import type { TLSSocket } from 'node:tls';
import { ALPN_NATIVE } from '../src/protocol/frames.ts';
import { DEFAULT_LIMITS } from '../src/protocol/limits.ts';
import { fileURLToPath } from 'node:url';
import { ProcessLines, tryTls } from '../test/helpers/server.ts';
import { sleep } from '../test/abuse/helpers.ts';

export type AttackName = 'hello-flood' | 'quit-flood' | 'register-flood';
export const ATTACKS: readonly AttackName[] = ['hello-flood', 'quit-flood', 'register-flood'];

const SUNUWAR = String.fromCodePoint(...Array.from({ length: 32 }, (_, i) => 0x11bc0 + i));
const OWNER = 'owner';
const OWNER_PASSWORD = 'correct-horse-battery';

/** A native connection read as lines. */
class Line {
  readonly socket: TLSSocket;
  readonly #waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  #buffer = '';
  closed = false;

  constructor(socket: TLSSocket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    socket.on('close', () => (this.closed = true));
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let end;
      while ((end = this.#buffer.indexOf('\n')) !== -1) {
        const line = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 1);
        const i = this.#waiters.findIndex((w) => w.match(line));
        if (i !== -1) this.#waiters.splice(i, 1)[0]!.resolve(line);
      }
    });
  }

  static async open(port: number, localAddress?: string): Promise<Line> {
    const options = localAddress ? { ALPNProtocols: [ALPN_NATIVE], localAddress } : {};
    return new Line(await tryTls(port, { ALPNProtocols: [ALPN_NATIVE], ...options }));
  }

  next(match: (line: string) => boolean): Promise<string> {
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  send(frame: Record<string, unknown>): void {
    this.socket.write(JSON.stringify(frame) + '\n');
  }

  async login(name: string, password?: string): Promise<void> {
    const answer = this.next((l) => l.includes('"type":"welcome"') || l.includes('"error"'));
    this.send({ type: 'hello', version: 1, name, ...(password ? { password } : {}) });
    const line = await answer;
    if (!line.includes('welcome')) throw new Error(`${name}: ${line}`);
  }
}

const HEALTHY = fileURLToPath(new URL('./abuse-healthy.ts', import.meta.url));

/** Pings every 100 ms from a process of its own (abuse-healthy.ts) and records each round trip. */
export function healthyClient(port: number) {
  const child = new ProcessLines(process.execPath, [HEALTHY, String(port)]);
  return {
    /** Round trips so far, in ms. */
    get trips(): number[] {
      return child.lines.map(Number);
    },
    async stop() {
      child.child.stdin.end();
      await child.waitForExit();
    },
  };
}

/** Writes `chunk` over and over while the socket takes it, until `until` or the close; returns how many times. */
async function pipe(line: Line, chunk: string, until: number): Promise<number> {
  let writes = 0;
  while (!line.closed && performance.now() < until) {
    writes++;
    if (!line.socket.write(chunk)) {
      await new Promise<void>((resolve) => {
        const go = () => {
          line.socket.off('drain', go);
          line.socket.off('close', go);
          resolve();
        };
        line.socket.on('drain', go);
        line.socket.on('close', go);
      });
    }
  }
  return writes;
}

async function helloFlood(port: number, until: number): Promise<string> {
  const hello = JSON.stringify({ type: 'hello', version: 1, name: SUNUWAR }) + '\n';
  const chunk = hello.repeat(200);
  let connections = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (performance.now() < until) {
        const attacker = await Line.open(port);
        connections++;
        await pipe(attacker, chunk, until);
        attacker.socket.destroy();
      }
    }),
  );
  return `${connections} attacking connections`;
}

async function quitFlood(port: number, until: number): Promise<string> {
  const quitter = await Line.open(port);
  await quitter.login('quitter');
  let paste = '';
  for (let i = 0; i <= DEFAULT_LIMITS.floodBurst + DEFAULT_LIMITS.floodQueue; i++) {
    paste += JSON.stringify({ type: 'say', id: `p${i}`, text: `paste ${i}` }) + '\n';
  }
  quitter.socket.write(paste);
  const quit = JSON.stringify({ type: 'quit' }) + '\n';
  const chunk = quit.repeat(4096);
  const written = (await pipe(quitter, chunk, until)) * 4096;
  const closedEarly = quitter.closed;
  quitter.socket.destroy();
  return `~${written.toLocaleString('en')} quit lines written; ${closedEarly ? 'closed by the server after the paste' : 'still open at the end'}`;
}

async function registerFlood(port: number, attackUntil: number): Promise<string> {
  const setup = performance.now();
  const owner = await Line.open(port);
  await owner.login(OWNER);
  const registered = owner.next((l) => l.includes('"registered"'));
  owner.send({ type: 'register', password: OWNER_PASSWORD });
  await registered;
  owner.socket.destroy();

  const ownerLogins: string[] = [];
  const ownerLogin = async () => {
    const started = performance.now();
    const real = await Line.open(port, '127.0.0.10');
    const answer = real.next((l) => l.includes('"welcome"') || l.includes('"error"'));
    real.send({ type: 'hello', version: 1, name: OWNER, password: OWNER_PASSWORD });
    const line = await Promise.race([answer, sleep(35_000).then(() => 'no answer')]);
    const code = /"code":"(\w+)"/u.exec(line)?.[1] ?? (line.includes('welcome') ? 'welcome' : line);
    real.socket.destroy();
    return `${code} ${((performance.now() - started) / 1000).toFixed(2)} s`;
  };
  const atRest = await ownerLogin();
  // The attack gets its full time after the set-up above.
  const until = attackUntil + (performance.now() - setup);
  let round = 0;
  const attack = Promise.all(
    Array.from({ length: 16 }, async (_, i) => {
      while (performance.now() < until) {
        const attacker = await Line.open(port, '127.0.0.9');
        await attacker.login(`flood${i}r${round++}`);
        let data = '';
        for (let k = 0; k < DEFAULT_LIMITS.floodBurst; k++) {
          data += JSON.stringify({ type: 'say', id: `s${k}`, text: 'x' }) + '\n';
        }
        for (let k = 0; k < 8; k++) {
          data +=
            JSON.stringify({ type: 'register', id: `r${k}`, password: 'hunter2hunter2' }) + '\n';
        }
        attacker.socket.write(data);
        await sleep(4_000);
        attacker.socket.destroy();
      }
    }),
  );
  // The owner logs in (from another address) every second of the attack.
  while (performance.now() < until - 1000) {
    await sleep(1000);
    ownerLogins.push(await ownerLogin());
  }
  await attack;
  return `owner login at rest: ${atRest}; during the attack: ${ownerLogins.join(', ')}`;
}

export function runAttack(name: AttackName, port: number, seconds: number): Promise<string> {
  const until = performance.now() + seconds * 1000;
  switch (name) {
    case 'hello-flood':
      return helloFlood(port, until);
    case 'quit-flood':
      return quitFlood(port, until);
    case 'register-flood':
      return registerFlood(port, until);
  }
}
