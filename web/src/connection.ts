/**
 * The browser's connection manager: one WebSocket to /ws on the page's own
 * origin, carrying one NDJSON frame per message. It says hello (with what
 * the chat wants to resume), answers the server's pings, and reconnects with
 * jittered exponential backoff until told to stop or refused for good.
 */
import type { ClientFrame, HelloFrame } from '../../src/protocol/frames.ts';
import type { Incoming } from './frames.ts';

export type Status = 'connecting' | 'online' | 'waiting' | 'stopped';

export interface ConnectionEvents {
  /** The hello to send on each (re)connection. */
  hello(): HelloFrame;
  frame(frame: Incoming): void;
  status(status: Status, detail: string): void;
}

/** Fatal errors after which reconnecting would only be refused again. */
const FINAL = new Set(['replaced', 'banned', 'version_unsupported', 'too_many_sessions']);
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 15_000;

export class Connection {
  readonly #events: ConnectionEvents;
  readonly #url: string;
  #ws: WebSocket | null = null;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #welcomed = false;
  /** Why the server said it would close, to show instead of a bare "disconnected". */
  #farewell = '';

  constructor(events: ConnectionEvents, url = webSocketUrl()) {
    this.#events = events;
    this.#url = url;
  }

  get online(): boolean {
    return this.#welcomed && this.#ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.#stopped = false;
    this.#open();
  }

  /** Closes and stays closed (logout, a final refusal, a login the user must fix). */
  stop(detail = 'disconnected'): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const ws = this.#ws;
    this.#ws = null;
    this.#welcomed = false;
    ws?.close(1000);
    this.#events.status('stopped', detail);
  }

  /** Sends now if the socket is open; false when it is not (the caller keeps it). */
  send(frame: ClientFrame): boolean {
    if (this.#ws?.readyState !== WebSocket.OPEN) return false;
    this.#ws.send(JSON.stringify(frame));
    return true;
  }

  /** A new attempt at once (the user pressed "reconnect", or the page came back online). */
  retryNow(): void {
    if (this.#stopped || this.#ws !== null) return;
    clearTimeout(this.#timer);
    this.#open();
  }

  #open(): void {
    this.#events.status('connecting', this.#attempt === 0 ? 'connecting' : 'reconnecting');
    const ws = new WebSocket(this.#url);
    this.#ws = ws;
    this.#welcomed = false;
    this.#farewell = '';
    ws.onopen = () => {
      if (this.#ws === ws) ws.send(JSON.stringify(this.#events.hello()));
    };
    ws.onmessage = (event: MessageEvent) => {
      if (this.#ws !== ws || typeof event.data !== 'string') return;
      let frame: Incoming;
      try {
        frame = JSON.parse(event.data) as Incoming;
      } catch {
        return; // not from a natter server; ignore rather than crash the page
      }
      if (typeof frame !== 'object' || frame === null || typeof frame.type !== 'string') return;
      this.#handle(ws, frame);
    };
    ws.onclose = () => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.#welcomed = false;
      if (this.#stopped) return;
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.#attempt);
      this.#attempt++;
      const wait = Math.round(delay / 2 + (Math.random() * delay) / 2);
      this.#events.status(
        'waiting',
        `${this.#farewell || 'connection lost'}; reconnecting in ${Math.ceil(wait / 1000)} s`,
      );
      this.#timer = setTimeout(() => this.#open(), wait);
    };
  }

  #handle(ws: WebSocket, frame: Incoming): void {
    if (frame.type === 'ping') {
      ws.send(JSON.stringify({ type: 'pong', ...(frame.token && { token: frame.token }) }));
      return;
    }
    if (frame.type === 'welcome') {
      this.#welcomed = true;
      this.#attempt = 0;
      this.#events.status('online', 'online');
    }
    if (frame.type === 'bye') this.#farewell = frame.reason;
    if (frame.type === 'error' && frame.fatal) {
      this.#farewell = frame.message;
      if (FINAL.has(frame.code)) {
        this.#events.frame(frame);
        this.stop(`${frame.code}: ${frame.message}`);
        return;
      }
    }
    this.#events.frame(frame);
  }
}

export function webSocketUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}
