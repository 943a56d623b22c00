/**
 * The WebSocket endpoint at /ws. Everything is checked on the HTTP upgrade
 * request, before the handshake completes: the path, and that the page
 * asking is the server's own (or one of --web-origins), so another site
 * cannot open a chat session with a visitor's browser. `ws` then does the
 * handshake (noServer: natter owns the HTTP server) with compression off
 * (a compressed message could expand past any limit, and deflate costs
 * memory per connection) and messages capped at the line limit.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';

export const WEB_SOCKET_PATH = '/ws';

/** The origin of a URL (`https://host:port`), or null when it is not one. */
export function normalizeOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    return url.origin;
  } catch {
    return null;
  }
}

/** True when `origin` is this server's own (by the Host the browser used) or listed. */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: ReadonlySet<string>,
): boolean {
  if (origin === undefined) return false; // browsers always send it; others can too
  const given = normalizeOrigin(origin);
  if (given === null) return false;
  if (allowed.has(given)) return true;
  return host !== undefined && given === normalizeOrigin(`https://${host}`);
}

export interface WebSocketEndpointOptions {
  maxPayload: number;
  /** Extra origins allowed besides the server's own (`--web-origins`). */
  origins: readonly string[];
  metrics: Metrics;
  log: Logger;
  /** A completed upgrade: the caller makes it a Session. */
  accepted(ws: WebSocket, socket: TLSSocket, request: IncomingMessage): void;
}

function refuse(socket: Duplex, status: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

export function createWebSocketEndpoint(options: WebSocketEndpointOptions) {
  const allowed = new Set(options.origins.map((o) => normalizeOrigin(o) ?? o));
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: options.maxPayload,
    clientTracking: false,
  });
  return {
    upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
      const pathname = (request.url ?? '/').split('?')[0];
      if (pathname !== WEB_SOCKET_PATH) {
        refuse(socket, '404 Not Found', 'not found\n');
        return;
      }
      const origin = request.headers.origin;
      if (!originAllowed(origin, request.headers.host, allowed)) {
        options.metrics.increment('web_socket_origin_refusals');
        options.log.info('websocket refused', {
          address: (socket as TLSSocket).remoteAddress,
          origin: origin ?? null,
          code: 'origin_refused',
        });
        refuse(
          socket,
          '403 Forbidden',
          `origin_refused: WebSocket connections are accepted from this server's own pages only\n`,
        );
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        options.metrics.increment('web_socket_upgrades');
        options.accepted(ws, socket as TLSSocket, request);
      });
    },
    close(): void {
      wss.close();
    },
  };
}
