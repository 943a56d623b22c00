/**
 * Splits a byte stream into UTF-8 lines. Pure: bytes in, lines or errors out.
 *
 * The size limit is enforced while bytes arrive, not when the newline does:
 * a peer that never sends `\n` cannot make us buffer more than the limit
 * (the check ws's receiver does in `haveLength()`, applied to NDJSON).
 */
import { NatterError, natterError } from './errors.ts';

export type LineEvent = { line: string } | { error: NatterError };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export class LineDecoder {
  readonly #maxLineBytes: number;
  readonly #utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #failed = false;

  constructor(maxLineBytes: number) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** True once a fatal error (`too_long`) was returned; later input is ignored. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Bytes held while waiting for the end of a line: at most the limit, plus one for a "\r". */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  push(chunk: Uint8Array): LineEvent[] {
    const events: LineEvent[] = [];
    if (this.#failed) return events;
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      if (this.#overLimit(chunk, start, end)) {
        this.#fail();
        events.push({
          error: natterError('too_long', `line longer than ${this.#maxLineBytes} bytes`, {
            fatal: true,
          }),
        });
        return events;
      }
      if (newline === -1) {
        this.#pending.push(chunk.subarray(start));
        this.#pendingBytes += chunk.length - start;
        break;
      }
      events.push(this.#finishLine(chunk.subarray(start, newline)));
      start = newline + 1;
    }
    return events;
  }

  /** A line may be one byte over the limit when that byte is the "\r" of a "\r\n". */
  #overLimit(chunk: Uint8Array, start: number, end: number): boolean {
    const total = this.#pendingBytes + (end - start);
    if (total <= this.#maxLineBytes) return false;
    const lastByte = end > start ? chunk[end - 1] : this.#lastPendingByte();
    return !(total === this.#maxLineBytes + 1 && lastByte === CARRIAGE_RETURN);
  }

  #lastPendingByte(): number | undefined {
    const last = this.#pending.at(-1);
    return last?.[last.length - 1];
  }

  #finishLine(tail: Uint8Array): LineEvent {
    let bytes: Uint8Array = tail;
    if (this.#pending.length > 0) {
      this.#pending.push(tail);
      bytes = concat(this.#pending, this.#pendingBytes + tail.length);
      this.#pending = [];
      this.#pendingBytes = 0;
    }
    if (bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) {
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    try {
      return { line: this.#utf8.decode(bytes) };
    } catch {
      return { error: natterError('bad_utf8', 'line is not valid UTF-8') };
    }
  }

  #fail(): void {
    this.#failed = true;
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
