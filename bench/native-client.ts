/**
 * A minimal native-protocol client for load generation: little work per
 * message (frames are matched by their type prefix before any JSON.parse).
 */
import { connect, type TLSSocket } from 'node:tls';
import { ALPN_NATIVE } from '../src/protocol/frames.ts';

export class BenchClient {
  readonly socket: TLSSocket;
  #buffer = '';
  onLine: (line: string) => void = () => {};

  private constructor(socket: TLSSocket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let start = 0;
      let newline;
      while ((newline = this.#buffer.indexOf('\n', start)) !== -1) {
        this.onLine(this.#buffer.slice(start, newline));
        start = newline + 1;
      }
      this.#buffer = this.#buffer.slice(start);
    });
  }

  static open(port: number, host = '127.0.0.1'): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({
        host,
        port,
        servername: 'localhost',
        rejectUnauthorized: false, // the bench measures, it does not verify
        ALPNProtocols: [ALPN_NATIVE],
      });
      socket.once('secureConnect', () => resolve(new BenchClient(socket)));
      socket.once('error', reject);
    });
  }

  send(frame: object): void {
    this.socket.write(JSON.stringify(frame) + '\n');
  }

  /** Resolves with the first line for which `match` is true. */
  until(match: (line: string) => boolean): Promise<string> {
    return new Promise((resolve) => {
      const previous = this.onLine;
      this.onLine = (line) => {
        previous(line);
        if (match(line)) {
          this.onLine = previous;
          resolve(line);
        }
      };
    });
  }

  async login(name: string): Promise<void> {
    const welcome = this.until((l) => l.startsWith('{"type":"who"'));
    this.send({ type: 'hello', version: 1, name });
    await welcome;
  }

  close(): void {
    this.socket.destroy();
  }
}
