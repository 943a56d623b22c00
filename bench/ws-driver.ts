/**
 * natter's native frames over the WebSocket at /ws, as the web client
 * speaks them, for the bench: the same NatterConn classification on the
 * same bytes, with the WebSocket framing undone in between. The framing is
 * done by hand rather than with a WebSocket library so that the load
 * generator stays as cheap per message as the native driver's, and the
 * figures measure the server.
 */
import { IrcConn, NatterConn, type ChatConn, type DriverName } from './drivers.ts';

const TEXT = 0x1;
const CLOSE = 0x8;
const PING = 0x9;
const HEADER_END = Buffer.from('\r\n\r\n');
/** A fixed key: the bench is its own peer, there is no proxy cache to poison. */
const MASK_KEY = Buffer.alloc(4);

/** A client frame (clients must mask; with a zero key the payload is unchanged). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  let header: Buffer;
  if (length < 126) header = Buffer.from([0x80 | opcode, 0x80 | length]);
  else if (length < 0x10000) {
    header = Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff]);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, MASK_KEY, payload]);
}

export class WsNatterConn extends NatterConn {
  protected override readonly alpn = ['http/1.1'];
  #port = 0;
  #upgraded = false;
  #upgrade: { resolve(): void; reject(error: Error): void } | null = null;
  #pending: Buffer | null = null;

  override open(host: string, port: number): Promise<number> {
    this.#port = port;
    return super.open(host, port);
  }

  /** The HTTP upgrade, from the page's own origin, before any frame. */
  protected override afterHandshake(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#upgrade = { resolve, reject };
      const hostPort = `localhost:${this.#port}`;
      this.socket!.write(
        `GET /ws HTTP/1.1\r\nHost: ${hostPort}\r\nOrigin: https://${hostPort}\r\n` +
          'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
          'Sec-WebSocket-Key: bmF0dGVyLWJlbmNoLWtleQ==\r\n\r\n',
      );
    });
  }

  /** Each incoming text message becomes one NDJSON line for the line handling. */
  protected override decode(chunk: Buffer): Buffer | null {
    let buf = this.#pending === null ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = null;
    if (!this.#upgraded) {
      const end = buf.indexOf(HEADER_END);
      if (end === -1) {
        this.#pending = buf;
        return null;
      }
      const status = buf.toString('latin1', 0, end).split(' ', 3)[1];
      if (status !== '101') {
        this.#upgrade?.reject(new Error(`${this.name}: upgrade refused with ${status}`));
        return null;
      }
      this.#upgraded = true;
      this.#upgrade?.resolve();
      buf = buf.subarray(end + HEADER_END.length);
    }
    const lines: Buffer[] = [];
    let at = 0;
    while (buf.length - at >= 2) {
      const opcode = buf[at]! & 0x0f;
      let length = buf[at + 1]! & 0x7f;
      let start = at + 2;
      if (length === 126) {
        if (buf.length - at < 4) break;
        length = buf.readUInt16BE(at + 2);
        start = at + 4;
      } else if (length === 127) {
        if (buf.length - at < 10) break;
        length = Number(buf.readBigUInt64BE(at + 2));
        start = at + 10;
      }
      if (buf.length < start + length) break;
      const payload = buf.subarray(start, start + length);
      if (opcode === TEXT) lines.push(payload, NEWLINE);
      else if (opcode === PING) this.socket?.write(clientFrame(0xa, Buffer.from(payload)));
      else if (opcode === CLOSE) this.socket?.end();
      at = start + length;
    }
    if (at < buf.length) this.#pending = Buffer.from(buf.subarray(at));
    return lines.length === 0 ? null : Buffer.concat(lines);
  }

  /** One WebSocket message per NDJSON line written. */
  override write(data: string): void {
    if (this.closed) return;
    const frames: Buffer[] = [];
    for (const line of data.split('\n')) {
      if (line !== '') frames.push(clientFrame(TEXT, Buffer.from(line)));
    }
    this.socket!.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
  }
}

const NEWLINE = Buffer.from('\n');

/** The driver for a server under test (drivers.ts cannot import this file: it extends them). */
export function createConn(driver: DriverName, index: number, name: string): ChatConn {
  if (driver === 'natter-ws') return new WsNatterConn(index, name);
  return driver === 'natter' ? new NatterConn(index, name) : new IrcConn(index, name);
}
