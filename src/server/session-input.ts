/**
 * Where a session's lines come from: the TLS socket, decoded line by line
 * (native, text and IRC dialects), or WebSocket messages (ws-session.ts).
 */
import type { TLSSocket } from 'node:tls';
import { LineDecoder, type LineEvent } from '../protocol/line-decoder.ts';

/** Where a session's lines come from, and how it ends politely. */
export interface SessionInput {
  /** Frames go out as WebSocket messages rather than NDJSON/text lines. */
  readonly webSocket: boolean;
  /** Called once: `deliver` gets the lines (or decoding errors) of each arrival, in order. */
  start(deliver: (events: LineEvent[]) => void): void;
  pause(): void;
  resume(): void;
  /** Ends after what is already written (a WebSocket sends its close frame first). */
  end(): void;
  /** Bytes read off the socket before the session existed (while the dialect was detected). */
  feed?(chunk: Buffer): void;
}

/** Lines read straight off the TLS socket: the native and text dialects. */
export class SocketLines implements SessionInput {
  readonly webSocket = false;
  readonly #socket: TLSSocket;
  readonly #decoder: LineDecoder;

  constructor(socket: TLSSocket, maxLineBytes: number) {
    this.#socket = socket;
    this.#decoder = new LineDecoder(maxLineBytes);
  }

  #deliver: (events: LineEvent[]) => void = () => {};

  start(deliver: (events: LineEvent[]) => void): void {
    this.#deliver = deliver;
    this.#socket.on('data', (chunk: Buffer) => this.feed(chunk));
  }

  feed(chunk: Buffer): void {
    this.#deliver(this.#decoder.push(chunk));
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  end(): void {
    this.#socket.end();
  }
}
