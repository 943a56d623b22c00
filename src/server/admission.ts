/**
 * Admission at TCP accept: each new connection is checked against the
 * per-address and global caps before its TLS handshake. A few refused ones
 * per address are let through the handshake to be told why (people behind
 * one NAT deserve an explanation); past that they are dropped at once, so a
 * flood of them costs nothing. What was decided is picked up again when the
 * handshake completes.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { addressKey, type ConnectionLimiter, type Refusal } from './connection-limits.ts';
import type { Logger } from './log.ts';
import type { CounterName, Metrics } from './metrics.ts';

const REFUSAL_COUNTER: Record<Refusal, CounterName> = {
  per_address: 'connections_refused_per_ip',
  rate: 'connections_refused_rate',
  global: 'connections_refused_global',
};
export const REFUSAL_TEXT: Record<Refusal, string> = {
  per_address: 'too many connections from your address at once',
  rate: 'too many new connections from your address; wait a minute',
  global: 'the server is full; try again later',
};
/** Refused connections per address that are completed only to be told why. */
const EXPLAINED_REFUSALS_PER_ADDRESS = 2;

/** What admission decided for a connection whose handshake just completed. */
export interface Admitted {
  /** When the TCP connection was accepted (the login deadline counts from then). */
  acceptedAt: number;
  /** Set when the connection is only let in to be told it was refused. */
  refusal: Refusal | undefined;
}

export class Admission {
  readonly #limiter: ConnectionLimiter;
  readonly #metrics: Metrics;
  readonly #log: Logger;
  readonly #acceptedAt = new Map<string, number>();
  readonly #refused = new Map<string, Refusal>();
  /** Refused connections being explained, per address group. */
  readonly #explaining = new Map<string, number>();

  constructor(limiter: ConnectionLimiter, metrics: Metrics, log: Logger) {
    this.#limiter = limiter;
    this.#metrics = metrics;
    this.#log = log;
  }

  /** The TLS server's 'connection' listener. */
  readonly accept = (raw: Socket): void => {
    const address = raw.remoteAddress ?? 'unknown';
    const now = Date.now();
    const refusal = this.#limiter.admit(address, now);
    const key = `${address}|${raw.remotePort}`;
    if (refusal === null) {
      this.#metrics.increment('connections_accepted');
      this.#acceptedAt.set(key, now);
      raw.once('close', () => {
        this.#acceptedAt.delete(key);
        this.#limiter.release(address);
      });
      return;
    }
    this.#metrics.increment(REFUSAL_COUNTER[refusal]);
    this.#log.info('connection refused', {
      address,
      code: 'too_many_connections',
      reason: refusal,
    });
    const group = addressKey(address);
    const explaining = this.#explaining.get(group) ?? 0;
    if (explaining >= EXPLAINED_REFUSALS_PER_ADDRESS) {
      raw.destroy();
      return;
    }
    this.#explaining.set(group, explaining + 1);
    this.#refused.set(key, refusal);
    raw.once('close', () => {
      this.#refused.delete(key);
      const left = (this.#explaining.get(group) ?? 1) - 1;
      if (left <= 0) this.#explaining.delete(group);
      else this.#explaining.set(group, left);
    });
  };

  /** What was decided at accept for this (now secure) socket. */
  take(socket: TLSSocket): Admitted {
    const key = `${socket.remoteAddress}|${socket.remotePort}`;
    const acceptedAt = this.#acceptedAt.get(key) ?? Date.now();
    this.#acceptedAt.delete(key);
    return { acceptedAt, refusal: this.#refused.get(key) };
  }
}
