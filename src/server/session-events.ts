/**
 * What the server does when something happens to a session: a line (to its
 * dialect), a bug (the error boundary), a bad line, the login deadline, an
 * idle clock tick, an overflowing queue, the end.
 */
import { natterError } from '../protocol/errors.ts';
import type { Limits } from '../protocol/limits.ts';
import type { Hub } from './hub.ts';
import { handleIrcLine } from './irc-dialect.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import { handleNativeLine } from './native-dialect.ts';
import type { Session, SessionEvents } from './session.ts';
import { handleTextLine } from './text-dialect.ts';

/** `limits` is read at each event, so a reload's new values apply at once. */
export function sessionEvents(
  hub: Hub,
  limits: Limits,
  metrics: Metrics,
  log: Logger,
  sessions: Set<Session>,
): SessionEvents {
  return {
    line: (session, line) =>
      session.dialect === 'native'
        ? handleNativeLine(hub, session, line, limits)
        : session.dialect === 'irc'
          ? handleIrcLine(hub, session, line)
          : handleTextLine(hub, session, line),
    internalError: (session, error) => hub.internalError(session, error, 'line'),
    decodeError: (session, error) => hub.protocolError(session, error),
    loginTimeout: (session) => {
      metrics.increment('login_timeouts');
      log.info('login timeout', { session: session.id, address: session.remoteAddress });
      session.fail(
        natterError('login_timeout', `no login within ${limits.loginTimeoutMs / 1000} s`),
      );
    },
    idle: (session, silentMs) => {
      // Text clients cannot answer a ping, so they are only closed, after a
      // longer silence (people read without typing); any line counts.
      const closeMs = session.dialect === 'text' ? limits.idleCloseTextMs : limits.idleCloseMs;
      if (silentMs >= closeMs) {
        metrics.increment('idle_timeouts');
        session.fail(
          natterError('idle_timeout', `nothing heard for ${Math.round(silentMs / 1000)} s`),
        );
      } else if (
        session.dialect !== 'text' &&
        silentMs >= limits.idlePingMs &&
        session.pingedAt <= session.lastActivity
      ) {
        // One ping per silence: pinged after the last thing heard from the client
        // (a pong within the same millisecond as its ping counts as heard after it).
        session.pingedAt = Date.now();
        session.sendFrame({ type: 'ping', token: String(session.pingedAt) });
      }
    },
    overflow: (session, queued) => {
      metrics.increment('slow_consumer_disconnects');
      log.warn('slow consumer disconnected', {
        session: session.id,
        address: session.remoteAddress,
        queued,
        code: 'slow_consumer',
      });
      session.destroy('slow_consumer');
    },
    closed: (session) => {
      sessions.delete(session);
      hub.disconnected(session);
    },
  };
}
