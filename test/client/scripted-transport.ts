/**
 * A Transport whose "server" is the test: it sees every frame the connection
 * manager sends and answers with whatever frames the test scripts. It tests
 * the manager's own decisions (resume contents, de-duplication, when to
 * retry) that a real server cannot be made to provoke on demand; everything
 * that touches the network is tested against real servers elsewhere.
 */
import { Connection, type ConnectionState, type StateChange } from '../../src/client/connection.ts';
import type { Connector, Transport, TransportHandlers } from '../../src/client/transport.ts';
import type {
  ClientFrame,
  MessageEvent,
  ServerFrame,
  WelcomeFrame,
} from '../../src/protocol/frames.ts';

const WAIT_MS = 5_000;

async function waitUntil<T>(check: () => T | undefined, what: string, wake: Set<() => void>) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wake.delete(done);
        resolve();
      };
      const timer = setTimeout(done, left);
      wake.add(done);
    });
  }
}

export class ScriptedLink implements Transport {
  readonly peer = 'scripted:7447';
  readonly sent: ClientFrame[] = [];
  closed = false;
  readonly #handlers: TransportHandlers;
  readonly #wake: Set<() => void>;
  #read = 0;

  constructor(handlers: TransportHandlers, wake: Set<() => void>) {
    this.#handlers = handlers;
    this.#wake = wake;
  }

  send(line: string): void {
    if (this.closed) throw new Error('write after close');
    this.sent.push(JSON.parse(line) as ClientFrame);
    for (const wake of this.#wake) wake();
  }

  end(): void {
    this.destroy();
  }

  destroy(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    // A socket reports its close on a later turn, never inside the call.
    setImmediate(() => this.#handlers.close(error));
  }

  /** The server drops the connection. */
  drop(): void {
    this.destroy(new Error('connection reset'));
  }

  reply(...frames: unknown[]): void {
    for (const frame of frames) this.#handlers.line(JSON.stringify(frame));
  }

  /** The next frame sent (after those already waited for) that matches. */
  async next<T extends ClientFrame['type']>(type: T): Promise<Extract<ClientFrame, { type: T }>> {
    return waitUntil(
      () => {
        while (this.#read < this.sent.length) {
          const frame = this.sent[this.#read++]!;
          if (frame.type === type) return frame as Extract<ClientFrame, { type: T }>;
        }
        return undefined;
      },
      `a ${type} frame`,
      this.#wake,
    );
  }
}

export class ScriptedServer {
  readonly links: ScriptedLink[] = [];
  /** Errors the next connection attempts fail with, in order. */
  readonly failures: Error[] = [];
  attempts = 0;
  readonly #wake = new Set<() => void>();

  readonly connector: Connector = async (handlers) => {
    this.attempts += 1;
    const failure = this.failures.shift();
    for (const wake of this.#wake) wake();
    if (failure) throw failure;
    const link = new ScriptedLink(handlers, this.#wake);
    this.links.push(link);
    for (const wake of this.#wake) wake();
    return link;
  };

  /** Connection number `n` (1-based), once the manager opened it. */
  link(n: number): Promise<ScriptedLink> {
    return waitUntil(() => this.links[n - 1], `connection ${n}`, this.#wake);
  }

  untilAttempts(n: number): Promise<number> {
    return waitUntil(() => (this.attempts >= n ? n : undefined), `${n} attempts`, this.#wake);
  }
}

export function welcome(name: string, extra: Partial<WelcomeFrame> = {}): WelcomeFrame {
  return {
    type: 'welcome',
    version: 1,
    server: 'scripted',
    name,
    room: '#lobby',
    limits: { maxLineBytes: 16 * 1024, maxMessageBytes: 4096, historyMax: 1000 },
    token: 'token-1',
    ...extra,
  };
}

/** Resolves on the next state change to `state`. */
export function nextState(connection: Connection, state: ConnectionState): Promise<StateChange> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`never became ${state}`)), WAIT_MS);
    const listener = (change: StateChange) => {
      if (change.state !== state) return;
      clearTimeout(timer);
      connection.off('state', listener);
      resolve(change);
    };
    connection.on('state', listener);
  });
}

/** Resolves with the first frame (from now on) that matches. */
export function nextFrame(
  connection: Connection,
  match: (frame: ServerFrame) => boolean,
): Promise<ServerFrame> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no such frame')), WAIT_MS);
    const listener = (frame: ServerFrame) => {
      if (!match(frame)) return;
      clearTimeout(timer);
      connection.off('frame', listener);
      resolve(frame);
    };
    connection.on('frame', listener);
  });
}

/** A Connection on a ScriptedServer, recording its frames and states; closed after the test. */
export function setup(t: { after(fn: () => unknown): void }, name = 'bot') {
  const server = new ScriptedServer();
  let n = 0;
  const connection = new Connection({
    name,
    connector: server.connector,
    backoff: { initialMs: 1, maxMs: 5 },
    keepaliveMs: 0,
    newId: () => `id${++n}`,
  });
  const frames: ServerFrame[] = [];
  const states: StateChange[] = [];
  connection.on('frame', (f) => frames.push(f));
  connection.on('state', (s) => states.push(s));
  t.after(() => connection.close());
  return { server, connection, frames, states };
}

export function message(
  msg: number,
  text: string,
  extra: Partial<MessageEvent> = {},
): MessageEvent {
  return {
    type: 'message',
    msg,
    ts: 1_700_000_000_000,
    from: 'alice',
    kind: 'say',
    text,
    room: '#lobby',
    ...extra,
  };
}

export const join = (room: string, name = 'bot') => ({ type: 'join', room, name, ts: 1 }) as const;
