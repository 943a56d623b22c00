/**
 * What the connection manager needs from a connection: NDJSON lines in and
 * out, and a close. TLS (tls-transport.ts) implements it now; a WebSocket
 * transport carrying the same lines can be added beside it without the
 * manager noticing (the shape of nats.js core/src/transport.ts).
 */

export interface TransportHandlers {
  /** One complete line from the server, without its newline. */
  line(line: string): void;
  /** Called once, when the connection is gone; `error` says why when it broke. */
  close(error?: Error): void;
}

export interface Transport {
  /** Who we are talking to, for status lines: `localhost:7447`. */
  readonly peer: string;
  /** Queues one complete line (with its `\n`). */
  send(line: string): void;
  /** Flushes what was queued, then closes. */
  end(): void;
  /** Closes at once; `error` is passed on to handlers.close. */
  destroy(error?: Error): void;
}

/**
 * Opens a connection. Resolves once it is ready to carry frames (for TLS:
 * after the handshake and the trust decision). Rejects with an error whose
 * `fatal` is true when trying again cannot help (the server is not trusted);
 * any other rejection is worth a retry.
 */
export type Connector = (handlers: TransportHandlers) => Promise<Transport>;

/** Errors marked fatal end the connection manager instead of reconnecting. */
export function isFatal(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { fatal?: unknown }).fatal === true
  );
}

/** An error that stops reconnecting: the server refused us, or does not speak natter/1. */
export class FatalError extends Error {
  readonly fatal = true;
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'FatalError';
    this.code = code;
  }
}
