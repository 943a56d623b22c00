/**
 * The native transport: TLS with ALPN natter/1, NDJSON lines both ways.
 * Trust is decided by the `verify` hook between the handshake and the first
 * frame, so a refused server never sees our name.
 */
import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { ALPN_NATIVE } from '../protocol/frames.ts';
import { LineDecoder } from '../protocol/line-decoder.ts';
import { hostPortKey } from '../tls/known-hosts.ts';
import { FatalError, type Connector, type Transport, type TransportHandlers } from './transport.ts';

/**
 * Longest line accepted from a server. Generous, because a `who` of a big
 * room is one line; bounded, because a broken server must not exhaust memory.
 */
const MAX_SERVER_LINE_BYTES = 1024 * 1024;
const HANDSHAKE_TIMEOUT_MS = 15_000;

export interface TlsConnectorOptions {
  host: string;
  port: number;
  /** Name sent as SNI and checked by `verify`; the host by default. */
  tlsName?: string;
  /** PEM CA(s) or certificate to trust instead of the system CAs (--ca). */
  ca?: string;
  /** The trust decision; throws (a fatal error) to refuse the server. */
  verify(socket: TLSSocket): Promise<unknown>;
  handshakeTimeoutMs?: number;
}

class TlsTransport implements Transport {
  readonly peer: string;
  readonly #socket: TLSSocket;
  #corked = false;

  constructor(socket: TLSSocket, peer: string, handlers: TransportHandlers) {
    this.#socket = socket;
    this.peer = peer;
    const decoder = new LineDecoder(MAX_SERVER_LINE_BYTES);
    let failure: Error | undefined;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const event of decoder.push(chunk)) {
        if ('line' in event) handlers.line(event.line);
        else if (event.error.fatal) this.destroy(new Error(`server sent ${event.error.message}`));
        else failure ??= event.error; // bad UTF-8 in one line: skip it, keep the connection
      }
    });
    socket.on('error', (error) => (failure = error));
    socket.once('close', () => handlers.close(failure));
  }

  send(line: string): void {
    // Lines written in the same turn leave in one TLS record (ARCHITECTURE.md:
    // at most one write per socket per event-loop turn).
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    this.#socket.write(line);
  }

  end(): void {
    this.#socket.end();
  }

  destroy(error?: Error): void {
    this.#socket.destroy(error);
  }
}

interface Attempt {
  transport?: Transport;
  error?: Error;
  /** The server passed the trust check (so a retry will not ask again). */
  verified: boolean;
}

export function tlsConnector(options: TlsConnectorOptions): Connector {
  const tlsName = options.tlsName ?? options.host;
  const peer = hostPortKey(options.host, options.port);
  const attempt = (handlers: TransportHandlers) =>
    new Promise<Attempt>((resolve) => {
      const socket = connect({
        host: options.host,
        port: options.port,
        // SNI carries names only; Node warns when it is given an address.
        servername: isIP(tlsName) ? undefined : tlsName,
        ca: options.ca,
        // --ca may name the server's own certificate, which a CA signed
        // (natter's local CA does): trust it as an anchor all the same.
        allowPartialTrustChain: options.ca !== undefined,
        ALPNProtocols: [ALPN_NATIVE],
        minVersion: 'TLSv1.2',
        rejectUnauthorized: false, // verify() decides, with messages a person can act on
        checkServerIdentity: () => undefined, // verify() checks the name itself
      });
      let settled = false;
      let verifying = false;
      let broken: Error | undefined;
      const settle = (error: Error | undefined, verified: boolean) => {
        if (settled) return;
        settled = true;
        socket.setTimeout(0);
        socket.off('error', onError).off('close', onClose);
        if (error) {
          socket.destroy();
          resolve({ error, verified });
        } else {
          resolve({ transport: new TlsTransport(socket, peer, handlers), verified });
        }
      };
      // While a trust question is open the outcome waits for the answer.
      const onError = (error: Error) => {
        broken ??= error;
        if (!verifying) settle(broken, false);
      };
      const onClose = () => {
        broken ??= new Error(`${peer} closed the connection during the handshake`);
        if (!verifying) settle(broken, false);
      };
      socket.on('error', onError).on('close', onClose);
      socket.setTimeout(options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS, () =>
        settle(new Error(`no TLS handshake with ${peer} in time`), false),
      );
      socket.once('secureConnect', () => {
        socket.setTimeout(0); // a trust question may take a person a while
        verifying = true;
        options.verify(socket).then(
          () => {
            verifying = false;
            if (socket.alpnProtocol !== ALPN_NATIVE) {
              const message = `${peer} does not speak the natter protocol (no ALPN ${ALPN_NATIVE})`;
              settle(new FatalError('no_alpn', message), true);
            } else {
              settle(
                broken ?? (socket.destroyed ? new Error('connection closed') : undefined),
                true,
              );
            }
          },
          (error: Error) => {
            verifying = false;
            settle(error, false);
          },
        );
      });
    });

  return async (handlers) => {
    let result = await attempt(handlers);
    // A person answering the trust question may be slower than the server's
    // login timeout; the answer is remembered, so one more try skips the question.
    if (!result.transport && result.verified && !(result.error instanceof FatalError)) {
      result = await attempt(handlers);
    }
    if (!result.transport) throw result.error ?? new Error(`could not connect to ${peer}`);
    return result.transport;
  };
}
