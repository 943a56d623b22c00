/**
 * The input side of a WebSocket session: each text message is one NDJSON
 * frame, handed to the Session as one line. `ws` has already enforced the
 * size limit (maxPayload) and UTF-8 validity of text messages; what it
 * refuses ends the connection with its close code, and the reason is kept
 * for the leave notice and the logs.
 */
import type { RawData, WebSocket } from 'ws';
import { natterError } from '../protocol/errors.ts';
import type { LineEvent } from '../protocol/line-decoder.ts';
import type { SessionInput } from './session-input.ts';

/** Close codes `ws` uses for what it refuses, and natter's code for each. */
const REFUSALS: Record<string, 'too_long' | 'bad_utf8' | 'bad_frame'> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 'too_long',
  WS_ERR_INVALID_UTF8: 'bad_utf8',
};

function asBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

export class WebSocketLines implements SessionInput {
  readonly webSocket = true;
  readonly #ws: WebSocket;
  readonly #onRefused: (code: 'too_long' | 'bad_utf8' | 'bad_frame', detail: string) => void;

  constructor(
    ws: WebSocket,
    onRefused: (code: 'too_long' | 'bad_utf8' | 'bad_frame', detail: string) => void,
  ) {
    this.#ws = ws;
    this.#onRefused = onRefused;
  }

  start(deliver: (events: LineEvent[]) => void): void {
    this.#ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        deliver([{ error: natterError('bad_frame', 'send each frame as a text message') }]);
        return;
      }
      deliver([{ line: asBuffer(data).toString('utf8') }]);
    });
    // ws closes the connection itself after these; 'close' on the socket follows.
    this.#ws.on('error', (error: Error & { code?: string }) => {
      this.#onRefused(REFUSALS[error.code ?? ''] ?? 'bad_frame', error.message);
    });
  }

  pause(): void {
    this.#ws.pause();
  }

  resume(): void {
    this.#ws.resume();
  }

  end(): void {
    this.#ws.close(1000);
  }
}
