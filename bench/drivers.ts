/**
 * Chat-protocol drivers for the load generator: natter's native NDJSON
 * dialect, the same over WebSocket (ws-driver.ts), and IRC (for the InspIRCd
 * comparison). Both do as little as
 * possible per received line: lines are found with Buffer.indexOf on the raw
 * bytes and classified by a byte or two, never decoded to strings or parsed
 * as JSON on the hot path.
 */
import { connect, type TLSSocket } from 'node:tls';
import { ALPN_NATIVE } from '../src/protocol/frames.ts';
import { nowUs } from './util.ts';

export type DriverName = 'natter' | 'natter-ws' | 'irc';

/** Called for every received line: bytes [start, end) of `buf`, newline excluded. */
export type LineHandler = (buf: Buffer, start: number, end: number) => void;

const NEWLINE = 0x0a;
const SPACE = 0x20;
const QUOTE = 0x22;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const TIMESTAMP_MARK = Buffer.from('~T');

/** Text of a bench message: the send timestamp (µs) and the sender's index, then padding. */
export function payload(sentAtUs: number, sender: number, bytes: number): string {
  const head = `~T${sentAtUs}~S${sender}~ `;
  return head.length >= bytes ? head : head + 'x'.repeat(bytes - head.length);
}

/** The tag a sender looks for to recognise its own messages echoed back (natter echoes). */
export function senderTag(sender: number): Buffer {
  return Buffer.from(`~S${sender}~`);
}

/** The `~T<µs>` timestamp in a line, or -1 when there is none. */
export function timestampIn(buf: Buffer, start: number, end: number): number {
  const at = buf.indexOf(TIMESTAMP_MARK, start);
  if (at < 0 || at >= end) return -1;
  let value = 0;
  for (let i = at + 2; i < end; i++) {
    const c = buf[i]!;
    if (c < DIGIT_0 || c > DIGIT_9) break;
    value = value * 10 + (c - DIGIT_0);
  }
  return value;
}

export function contains(buf: Buffer, start: number, end: number, needle: Buffer): boolean {
  const at = buf.indexOf(needle, start);
  return at >= 0 && at + needle.length <= end;
}

export abstract class ChatConn {
  readonly index: number;
  readonly name: string;
  socket: TLSSocket | null = null;
  /** The workload's handler for lines the driver does not consume itself. */
  onLine: LineHandler = () => {};
  /** Set while logging in: returns true when the awaited line came. */
  protected waiter: LineHandler | null = null;
  /** When true, `chunkAtUs` is set to the arrival time of each received chunk. */
  stamp = false;
  chunkAtUs = 0;
  lastDataMs = 0;
  closed = false;
  onClose: () => void = () => {};
  #rest: Buffer | null = null;

  constructor(index: number, name: string) {
    this.index = index;
    this.name = name;
  }

  /** Whether the server sends a sender its own room messages (natter does, IRC does not). */
  abstract readonly echoes: boolean;
  protected abstract readonly alpn: string[] | undefined;
  /** A room message delivered to this client. */
  abstract isDelivery(buf: Buffer, start: number, end: number): boolean;
  /** The server's confirmation that a `say(…, true)` was handled. */
  abstract isAck(buf: Buffer, start: number, end: number): boolean;
  /** An error reply. */
  abstract isError(buf: Buffer, start: number, end: number): boolean;
  abstract login(room: string): Promise<void>;
  /**
   * Sends a room message. `id` must not repeat for this client (natter treats a
   * repeated id as a re-send: acked again, not delivered). `confirm` asks for
   * an ack: natter always acks; IRC gets a PING, answered in order.
   */
  abstract say(room: string, text: string, id: string, confirm: boolean): void;

  /** Opens the TLS connection; resolves with the handshake time in µs. */
  open(host: string, port: number): Promise<number> {
    const started = nowUs();
    return new Promise((resolve, reject) => {
      const socket = connect({
        host,
        port,
        servername: 'localhost',
        rejectUnauthorized: false, // the bench measures, it does not verify
        ALPNProtocols: this.alpn,
      });
      this.socket = socket;
      socket.setNoDelay(true);
      const fail = (error: Error) => {
        this.closed = true;
        reject(error);
      };
      socket.once('error', fail);
      socket.once('secureConnect', () => {
        socket.off('error', fail);
        socket.on('error', () => {}); // 'close' follows
        socket.on('data', (chunk: Buffer) => this.#data(chunk));
        socket.on('close', () => {
          this.closed = true;
          this.onClose();
        });
        this.afterHandshake().then(() => resolve(nowUs() - started), fail);
      });
    });
  }

  write(data: string): void {
    if (!this.closed) this.socket!.write(data);
  }

  close(): void {
    this.socket?.destroy();
  }

  /** Waits for a line for which `match` is true, failing on `fail` or after `timeoutMs`. */
  protected expect(
    match: (line: string) => boolean,
    fail: (line: string) => boolean,
    timeoutMs: number,
  ): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`${this.name}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (buf, start, end) => {
        const line = buf.toString('utf8', start, end);
        if (match(line) || fail(line)) {
          this.waiter = null;
          clearTimeout(timer);
          if (fail(line)) reject(new Error(`${this.name}: ${line.slice(0, 200)}`));
          else resolve(line);
        }
      };
    });
  }

  protected handleOwn(_buf: Buffer, _start: number, _end: number): boolean {
    return false;
  }

  /** What a dialect does between the TLS handshake and its first line (a WebSocket upgrade). */
  protected afterHandshake(): Promise<void> {
    return Promise.resolve();
  }

  /** Received bytes as lines; a framing dialect unwraps them here (null: nothing yet). */
  protected decode(chunk: Buffer): Buffer | null {
    return chunk;
  }

  #data(raw: Buffer): void {
    this.lastDataMs = Date.now();
    if (this.stamp) this.chunkAtUs = nowUs();
    const chunk = this.decode(raw);
    if (chunk === null) return;
    let buf = chunk;
    if (this.#rest !== null) {
      buf = Buffer.concat([this.#rest, chunk]);
      this.#rest = null;
    }
    let start = 0;
    let newline;
    while ((newline = buf.indexOf(NEWLINE, start)) !== -1) {
      if (!this.handleOwn(buf, start, newline)) {
        if (this.waiter !== null) this.waiter(buf, start, newline);
        else this.onLine(buf, start, newline);
      }
      start = newline + 1;
    }
    if (start < buf.length) this.#rest = Buffer.from(buf.subarray(start));
  }
}

/** natter's native dialect: `{"type":"…"` is the first thing in every frame the server sends. */
export class NatterConn extends ChatConn {
  readonly echoes = true;
  protected readonly alpn = [ALPN_NATIVE];
  /** Offset of the first letter of the type: `{"type":"` is 9 bytes. */
  static readonly #TYPE_AT = 9;

  #typeIs(buf: Buffer, start: number, end: number, letter: number): boolean {
    return (
      end - start > NatterConn.#TYPE_AT &&
      buf[start + NatterConn.#TYPE_AT] === letter &&
      buf[start + NatterConn.#TYPE_AT - 1] === QUOTE
    );
  }

  // Of the server's frame types only `message` starts with m, `ack` with a, `error` with e.
  isDelivery(buf: Buffer, start: number, end: number): boolean {
    return this.#typeIs(buf, start, end, 0x6d);
  }

  isAck(buf: Buffer, start: number, end: number): boolean {
    return this.#typeIs(buf, start, end, 0x61);
  }

  isError(buf: Buffer, start: number, end: number): boolean {
    return this.#typeIs(buf, start, end, 0x65);
  }

  /** Logs in and joins `room` (#lobby: the default; another room: through `resume`, or a join when it does not exist yet). */
  async login(room: string): Promise<void> {
    const missing = (line: string) =>
      line.startsWith('{"type":"error"') && line.includes('"code":"no_such_room"');
    const done = this.expect(
      (line) => {
        // A resume never creates a room: the first client of one creates it by joining.
        if (missing(line)) this.write(`{"type":"join","room":"${room}"}\n`);
        return line.startsWith('{"type":"who"');
      },
      (line) =>
        (line.startsWith('{"type":"error"') && !missing(line)) || line.startsWith('{"type":"bye"'),
      60_000,
    );
    const hello: Record<string, unknown> = { type: 'hello', version: 1, name: this.name };
    if (room !== '#lobby') hello.resume = { [room]: 0 };
    this.write(JSON.stringify(hello) + '\n');
    await done;
  }

  say(room: string, text: string, id: string): void {
    this.write(`{"type":"say","id":"${id}","room":"${room}","text":"${text}"}\n`);
  }

  /** Leaves and re-joins `room`; resolves with the number of messages replayed. */
  async rejoin(room: string): Promise<number> {
    let replayed = -1;
    const done = this.expect(
      (line) => {
        if (line.startsWith('{"type":"history"')) {
          replayed = (JSON.parse(line) as { count: number }).count;
        }
        return replayed >= 0 && line.startsWith('{"type":"who"');
      },
      (line) => line.startsWith('{"type":"error"'),
      60_000,
    );
    this.write(`{"type":"leave","room":"${room}"}\n{"type":"join","room":"${room}"}\n`);
    await done;
    return replayed;
  }
}

/** IRC (RFC 1459/2812 as InspIRCd speaks it). */
export class IrcConn extends ChatConn {
  readonly echoes = false;
  protected readonly alpn = undefined;

  /** The command after the `:prefix `: its first two letters are enough here. */
  #command(buf: Buffer, start: number, end: number, a: number, b: number): boolean {
    if (buf[start] !== 0x3a) return false; // ':'
    const space = buf.indexOf(SPACE, start);
    return space > 0 && space + 2 < end && buf[space + 1] === a && buf[space + 2] === b;
  }

  isDelivery(buf: Buffer, start: number, end: number): boolean {
    return this.#command(buf, start, end, 0x50, 0x52); // PRivmsg
  }

  isAck(buf: Buffer, start: number, end: number): boolean {
    return this.#command(buf, start, end, 0x50, 0x4f); // POng
  }

  /** Numeric replies 4xx and 5xx, and ERROR. */
  isError(buf: Buffer, start: number, end: number): boolean {
    if (buf[start] === 0x45) return true; // ERROR :Closing link
    if (buf[start] !== 0x3a) return false;
    const space = buf.indexOf(SPACE, start);
    const first = buf[space + 1]!;
    return (
      space > 0 && space + 4 < end && (first === 0x34 || first === 0x35) && buf[space + 4] === SPACE
    );
  }

  /** Server PINGs are answered here, whatever the workload is doing. */
  protected override handleOwn(buf: Buffer, start: number, end: number): boolean {
    if (buf[start] === 0x50 && buf[start + 1] === 0x49) {
      // PING :token
      this.write('PONG' + buf.toString('latin1', start + 4, end).replace(/\r$/u, '') + '\r\n');
      return true;
    }
    return false;
  }

  async login(room: string): Promise<void> {
    const numeric = (code: string) => (line: string) => line.split(' ', 3)[1] === code;
    const refused = (line: string) => {
      const code = line.split(' ', 3)[1] ?? '';
      return line.startsWith('ERROR') || /^4\d\d$/u.test(code);
    };
    const welcomed = this.expect(numeric('001'), refused, 60_000);
    this.write(`NICK ${this.name}\r\nUSER ${this.name} 0 * :natter bench\r\n`);
    await welcomed;
    const joined = this.expect(numeric('366'), refused, 60_000); // end of NAMES
    this.write(`JOIN ${room}\r\n`);
    await joined;
  }

  say(room: string, text: string, id: string, confirm: boolean): void {
    this.write(
      confirm ? `PRIVMSG ${room} :${text}\r\nPING :${id}\r\n` : `PRIVMSG ${room} :${text}\r\n`,
    );
  }
}
