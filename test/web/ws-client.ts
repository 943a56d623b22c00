/**
 * A WebSocket client for the server's /ws endpoint, from Node (the `ws`
 * package): one NDJSON frame per message, read with the same waiting
 * helpers as the line clients. ALPN http/1.1 as a browser would offer it
 * (without ALPN, natter would take the connection for text mode).
 */
import WebSocket from 'ws';
import type { ClientFrame, ServerFrame } from '../../src/protocol/frames.ts';
import { LineBuffer } from '../helpers/line-buffer.ts';

export interface WsOptions {
  origin?: string | null;
  path?: string;
}

export class WsClient {
  readonly ws: WebSocket;
  readonly #buffer = new LineBuffer();
  readonly closed: Promise<{ code: number; reason: string }>;
  #nextId = 0;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.#buffer.push(`${data.toString()}\n`);
    });
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        this.#buffer.end();
        resolve({ code, reason: reason.toString() });
      });
    });
  }

  static url(port: number, path = '/ws'): string {
    return `wss://localhost:${port}${path}`;
  }

  /** Opens the WebSocket; rejects with the HTTP status when the upgrade is refused. */
  static open(port: number, options: WsOptions = {}): Promise<WsClient> {
    const origin = options.origin === undefined ? `https://localhost:${port}` : options.origin;
    // ws hands TLS options through to tls.connect; its type leaves ALPN out.
    const settings: WebSocket.ClientOptions & { ALPNProtocols: string[] } = {
      ...(origin !== null && { origin }),
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
      perMessageDeflate: false,
    };
    const ws = new WebSocket(WsClient.url(port, options.path), settings);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('unexpected-response', (_request, response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          reject(Object.assign(new Error(body), { status: response.statusCode })),
        );
      });
      ws.once('error', reject);
    });
  }

  static async login(port: number, name: string): Promise<WsClient> {
    const client = await WsClient.open(port);
    client.send({ type: 'hello', version: 1, name });
    await client.waitFor('welcome');
    await client.waitFor('who');
    return client;
  }

  get frames(): ServerFrame[] {
    return this.#buffer.lines.map((l) => JSON.parse(l) as ServerFrame);
  }

  newId(): string {
    return `w${++this.#nextId}`;
  }

  send(frame: ClientFrame | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }

  async waitFor<T extends ServerFrame['type']>(
    type: T,
    fields: Partial<Extract<ServerFrame, { type: T }>> = {},
  ): Promise<Extract<ServerFrame, { type: T }>> {
    const entries = Object.entries(fields);
    const line = await this.#buffer.waitFor(
      (l) => {
        const f = JSON.parse(l) as Record<string, unknown>;
        return f.type === type && entries.every(([k, v]) => f[k] === v);
      },
      `${type} ${JSON.stringify(fields)}`,
      () => `frames: ${JSON.stringify(this.#buffer.lines.slice(-8))}`,
    );
    return JSON.parse(line) as Extract<ServerFrame, { type: T }>;
  }

  close(): void {
    this.ws.terminate();
  }
}
