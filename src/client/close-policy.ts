/**
 * What the connection manager does when a connection ends or cannot be made:
 * try again (with backoff) or stop for good. Kept apart and pure so the rules
 * read in one place:
 *   - the user quit, or the server said bye: stop — except a bye with reason
 *     "shutdown", which is a restart: come back with backoff;
 *   - the server replaced this session with a new login of the same device
 *     (`replaced`): stop, or the two would take the session from each other;
 *   - the server refused us in a way a new connection cannot cure (a fatal
 *     error frame such as version_unsupported, a refused name, a trust
 *     failure): stop;
 *   - the very first connection failed: stop (a wrong host or port should say
 *     so at once, not retry forever);
 *   - anything else after having been online: a dropped connection, retry.
 */
import type { ErrorFrame } from '../protocol/frames.ts';
import type { OfflineCause, StateChange } from './connection-types.ts';
import { FatalError, isFatal } from './transport.ts';

/** Fatal server errors that a new connection may cure. */
const RETRYABLE_CODES = new Set([
  'idle_timeout',
  'slow_consumer',
  'too_many_connections',
  'shutting_down',
  'internal',
]);
/** The reason in a server's bye that means "restarting, come back" (protocol.md). */
export const SHUTDOWN_BYE = 'shutdown';

export interface EndedConnection {
  /** Set when the user asked to stop (quit or close). */
  stopping: OfflineCause | null;
  /** The reason in the server's bye, if it sent one. */
  bye: string | null;
  /** The fatal error frame the server sent before closing, if any. */
  fatal: ErrorFrame | null;
  everOnline: boolean;
  /** Why the transport closed, or why connecting failed. */
  error: Error | undefined;
}

export type NextStep = { retry: Error } | { offline: StateChange };

export function afterConnectionEnded(ended: EndedConnection): NextStep {
  const stop = (error: Error): NextStep => ({
    offline: { state: 'offline', cause: 'fatal', error },
  });
  if (ended.stopping) return { offline: { state: 'offline', cause: ended.stopping } };
  if (ended.bye === SHUTDOWN_BYE && ended.everOnline) {
    return { retry: new Error('the server is restarting') };
  }
  if (ended.bye !== null) return { offline: { state: 'offline', cause: 'bye', reason: ended.bye } };
  const { fatal, error } = ended;
  if (fatal && !RETRYABLE_CODES.has(fatal.code))
    return stop(new FatalError(fatal.code, fatal.message));
  if (error && isFatal(error)) return stop(error);
  if (!ended.everOnline) {
    return stop(
      error ??
        new FatalError('closed', 'the server closed the connection before the login completed'),
    );
  }
  return {
    retry: fatal
      ? new Error(`${fatal.code}: ${fatal.message}`)
      : (error ?? new Error('the server closed the connection')),
  };
}
