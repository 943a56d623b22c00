/**
 * A server frame serialised at most once per dialect. A broadcast to a
 * thousand members encodes one NDJSON Buffer and one text-line Buffer and
 * hands the same Buffer to every recipient; WebSocket recipients share one
 * framed copy of the NDJSON bytes.
 */
import { encodeFrame } from '../protocol/codec.ts';
import type { ServerFrame } from '../protocol/frames.ts';
import { formatTextLine } from '../core/format.ts';
import { textFrame } from './ws-frame.ts';

export type Dialect = 'native' | 'text' | 'irc';

export class Outgoing {
  readonly frame: ServerFrame;
  #native: Buffer | undefined;
  #text: Buffer | null | undefined;
  /** Renderings of dialects whose lines depend on the recipient's options (IRC tags), by variant. */
  #variants: Map<string, Buffer | null> | undefined;
  #webSocket: Buffer | undefined;

  constructor(frame: ServerFrame) {
    this.frame = frame;
  }

  /** The bytes for one dialect, or null when that dialect does not show this frame. */
  bytesFor(dialect: Dialect): Buffer | null {
    if (dialect === 'irc') return null; // rendered per connection: see session.render
    if (dialect === 'native') {
      this.#native ??= Buffer.from(encodeFrame(this.frame));
      return this.#native;
    }
    if (this.#text === undefined) {
      const line = formatTextLine(this.frame);
      this.#text = line === null ? null : Buffer.from(line + '\n');
    }
    return this.#text;
  }

  /** One rendering per variant key, built at most once per frame and shared by every recipient. */
  cached(key: string, make: () => Buffer | null): Buffer | null {
    this.#variants ??= new Map();
    let bytes = this.#variants.get(key);
    if (bytes === undefined) {
      bytes = make();
      this.#variants.set(key, bytes);
    }
    return bytes;
  }

  /** The native frame as one WebSocket text message (without the line's newline). */
  webSocketFrame(): Buffer {
    if (this.#webSocket === undefined) {
      const native = this.bytesFor('native')!;
      this.#webSocket = textFrame(native.subarray(0, native.length - 1));
    }
    return this.#webSocket;
  }
}
