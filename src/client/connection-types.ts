/**
 * The connection manager's public vocabulary: its states, its events and its
 * options. A renderer needs only these and the Connection class.
 */
import type { AckFrame, ErrorFrame, ServerFrame } from '../protocol/frames.ts';
import type { BackoffOptions } from './backoff.ts';
import type { PendingMessage, Unidentified } from './outbox.ts';
import type { Connector } from './transport.ts';

export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'offline';

/** Why the manager went offline. */
export type OfflineCause = 'quit' | 'bye' | 'fatal' | 'closed';

export interface StateChange {
  state: ConnectionState;
  /** reconnecting: the number of the retry that is scheduled (1, 2, …). */
  attempt?: number;
  /** reconnecting: how long until that retry. */
  delayMs?: number;
  /** reconnecting: what broke; offline with cause 'fatal': what cannot be retried. */
  error?: Error;
  /** offline only. */
  cause?: OfflineCause;
  /** offline after `bye`: the server's reason. */
  reason?: string;
  /** offline because reconnecting took longer than `reconnectForMs`. */
  gaveUp?: true;
}

export interface ConnectionEvents {
  /** On every change of state, and on every retry scheduled while reconnecting. */
  state: [change: StateChange];
  /** Every server frame except pings, pongs and already-shown messages, for renderers. */
  frame: [frame: ServerFrame];
  /** A message of ours was stored by the server. */
  ack: [message: PendingMessage, ack: AckFrame];
  /** A message of ours was refused (by the server, or locally when it could never be sent). */
  refused: [message: PendingMessage, error: ErrorFrame];
  /** Something worth a line on stderr that changes nothing. */
  warning: [message: string];
}

/** What a renderer may send: any client frame, ids optional (hello and pong are the manager's own). */
export type OutgoingFrame = Unidentified;

export interface ConnectionOptions {
  name: string;
  connector: Connector;
  /** Client software name sent in hello, for server logs. */
  client?: string;
  backoff?: Partial<BackoffOptions>;
  /** Ping the server after this much silence from it; 0 turns keep-alive off. Default 30 s. */
  keepaliveMs?: number;
  /** Drop the connection (and reconnect) when the ping gets no answer within this. Default 20 s. */
  keepaliveTimeoutMs?: number;
  /** Asked when the server refuses the name at first login; null gives up. */
  chooseName?: (refusal: ErrorFrame) => Promise<string | null>;
  /** The password of a registered name, sent in every hello (reconnects included). */
  password?: string;
  /** Asked when the name is registered and no (or a wrong) password was given; null gives up. */
  askPassword?: (refusal: ErrorFrame) => Promise<string | null>;
  /** Messages written but not yet acknowledged, at most (default 8; the server paces bursts). */
  maxInFlight?: number;
  /** Makes client ids; the default is random per process, so ids never repeat across runs. */
  newId?: () => string;
  /** For backoff jitter; Math.random by default. */
  random?: () => number;
  /**
   * Give up (offline, cause 'fatal') after reconnecting this long without
   * getting back online; absent: keep trying (the full-screen client).
   */
  reconnectForMs?: number;
}
