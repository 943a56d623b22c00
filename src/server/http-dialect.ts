/**
 * The third dialect (ALPN http/1.1) on the same port: the operators'
 * endpoints (ops-endpoints.ts: /healthz, /readyz, /metrics), so they can probe
 * and scrape with curl or Prometheus, and the web client with its WebSocket
 * upgrade (web-front.ts, passed in as `web`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { OpsEndpoints } from './ops-endpoints.ts';
import type { HttpExtension } from './web-front.ts';

export function createHttpDialect(
  ops: OpsEndpoints,
  requestTimeoutMs: number,
  web?: HttpExtension,
) {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    web?.prepare(response);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' })
        .end('method not allowed\n');
    } else if (!ops.handle(request, response) && !web?.handle(request, response)) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  // Slow or idle HTTP clients are closed like chat clients that do not log in.
  server.requestTimeout = requestTimeoutMs;
  server.headersTimeout = requestTimeoutMs;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 50;
  // This server never listens (server.ts hands it TLS sockets), and Node only
  // enforces headersTimeout/requestTimeout for servers that do: so each request
  // gets its own deadline here, armed on connect and after every response,
  // cleared when a request's headers are complete.
  const deadlines = new WeakMap<Socket, { arm(): void; clear(): void }>();
  server.on('connection', (socket: Socket) => {
    let timer: NodeJS.Timeout | undefined;
    const clear = () => clearTimeout(timer);
    const arm = () => {
      clear();
      timer = setTimeout(() => socket.destroy(), requestTimeoutMs);
      timer.unref();
    };
    deadlines.set(socket, { arm, clear });
    socket.once('close', clear);
    arm();
  });
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    // An upgraded connection is no longer an HTTP request: its own clocks apply.
    deadlines.get(socket)?.clear();
    if (web) web.upgrade(request, socket, head);
    else socket.destroy();
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const deadline = deadlines.get(request.socket);
    deadline?.clear();
    if (deadline) response.once('finish', deadline.arm);
  });
  return server;
}
