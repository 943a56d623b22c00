/**
 * What the web client adds to the HTTP dialect: its files, the security
 * headers on every response, and the WebSocket upgrade. http-dialect.ts
 * calls these three hooks and knows nothing else about the web client.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { setSecurityHeaders } from './web-headers.ts';
import { serveWebAsset, type WebAssets } from './web-static.ts';

/** Where `npm run build:web` puts the client, beside this source tree. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

export interface HttpExtension {
  /** Called for every request before it is answered. */
  prepare(response: ServerResponse): void;
  /** Answers a GET/HEAD it knows; false for anything else. */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export function createWebFront(options: {
  assets: WebAssets | null;
  hsts: boolean;
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
}): HttpExtension {
  const { assets, hsts } = options;
  return {
    prepare: (response) => setSecurityHeaders(response, hsts),
    handle(request, response) {
      const pathname = (request.url ?? '/').split('?')[0] ?? '/';
      if (assets) return serveWebAsset(assets, pathname, request, response);
      if (pathname !== '/' && pathname !== '/index.html') return false;
      response
        .writeHead(503, {
          'content-type': 'text/plain; charset=utf-8',
          'cache-control': 'no-cache',
        })
        .end('the web client is not built: run `npm run build:web` and restart natter\n');
      return true;
    },
    upgrade: options.upgrade,
  };
}
