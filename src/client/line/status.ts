/**
 * Status lines for stderr (connecting, online, reconnecting, offline) and
 * the exit codes scripts can act on. Anything from the server is sanitised:
 * stderr is usually a terminal too.
 */
import { sanitizeText } from '../../core/sanitize.ts';
import { TrustError } from '../../tls/client-trust.ts';
import type { Connection, StateChange } from '../connection.ts';
import { FatalError } from '../transport.ts';

export const EXIT = {
  /** Everything sent was acknowledged. */
  ok: 0,
  /** Something sent was refused, or never acknowledged. */
  failed: 1,
  /** Bad flags or config (main.ts reports UsageError with this code too). */
  usage: 2,
  /** The server was not trusted: unknown, changed, wrong CA, wrong name. */
  untrusted: 3,
  /** Could not connect or log in, or the server ended the session. */
  disconnected: 4,
} as const;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** A line (several for a trust refusal) describing a state change. */
export function describeState(change: StateChange, connection: Connection, peer: string): string {
  const name = sanitizeText(connection.name);
  switch (change.state) {
    case 'connecting':
      return `connecting to ${peer} as ${name}`;
    case 'online': {
      const server = sanitizeText(connection.server ?? peer);
      const room = connection.room === null ? '' : `, in ${sanitizeText(connection.room)}`;
      return `online as ${name} on ${server} (${peer})${room}`;
    }
    case 'reconnecting': {
      const why = sanitizeText(change.error?.message ?? 'unknown reason');
      const next = `reconnecting in ${seconds(change.delayMs ?? 0)} (attempt ${change.attempt ?? 1})`;
      return change.attempt === 1
        ? `connection lost (${why}); ${next}`
        : `still offline (${why}); ${next}`;
    }
    case 'offline':
      switch (change.cause) {
        case 'bye':
          return `the server ended the session: ${sanitizeText(change.reason ?? '')}`;
        case 'fatal':
          return describeFailure(change.error, peer);
        default:
          return 'disconnected';
      }
  }
}

function describeFailure(error: Error | undefined, peer: string): string {
  if (error instanceof TrustError) {
    // A trust refusal spans several lines; keep the lines, clean each.
    return error.message
      .split('\n')
      .map((line) => sanitizeText(line))
      .join('\n');
  }
  const message = sanitizeText(error?.message ?? 'unknown error');
  if (error instanceof FatalError) return `${message} (${error.code})`;
  return `could not connect to ${peer}: ${message}`;
}

/** Exit code for a session that ended on its own (not by end of input or /quit). */
export function exitCodeFor(change: StateChange): number {
  if (change.cause === 'fatal' && change.error instanceof TrustError) return EXIT.untrusted;
  if (change.cause === 'fatal' || change.cause === 'bye') return EXIT.disconnected;
  return EXIT.ok;
}
