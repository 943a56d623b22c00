/**
 * The pre-login budget: `hello` frames (native) and name lines (text mode)
 * before a login succeeds. Checking a name is not free (a long name in a
 * rare script takes a fair fraction of a millisecond), so a client
 * pipelining hellos for a taken name could keep the event loop busy for as
 * long as it liked. A few attempts go at once, then a slow rate; a refused
 * attempt is a strike, and a few strikes end the connection.
 */
import { natterError } from '../protocol/errors.ts';
import { TokenBucket } from '../core/token-bucket.ts';
import type { HubContext } from './hub-context.ts';
import type { Session } from './session.ts';

/** Refused login attempts tolerated before the connection is closed. */
export const LOGIN_STRIKES = 3;

export type LoginAdmission =
  { kind: 'now' } | { kind: 'refused'; retryInMs: number } | { kind: 'disconnect' };

export class LoginBudget {
  readonly #bucket: TokenBucket;
  #strikes = LOGIN_STRIKES;

  constructor(burst: number, perMinute: number, now: number) {
    this.#bucket = new TokenBucket({ capacity: burst, perSecond: perMinute / 60 }, now);
  }

  admit(now: number): LoginAdmission {
    const retryInMs = this.#bucket.waitMs(now);
    if (retryInMs === 0) {
      this.#bucket.take(now);
      return { kind: 'now' };
    }
    if (--this.#strikes < 0) return { kind: 'disconnect' };
    return { kind: 'refused', retryInMs };
  }
}

/**
 * Whether a login attempt may go ahead. When not, the client has been told
 * (`rate_limited`, fatal once the strikes are used up) and the attempt is
 * dropped without looking at the name.
 */
export function admitLoginAttempt(ctx: HubContext, session: Session): boolean {
  const admission = session.flood.login.admit(ctx.now());
  if (admission.kind === 'now') {
    ctx.metrics.increment('login_attempts');
    return true;
  }
  ctx.metrics.increment('login_attempts_refused');
  if (admission.kind === 'disconnect') {
    ctx.log.warn('login flood disconnect', {
      session: session.id,
      address: session.remoteAddress,
      code: 'rate_limited',
    });
    session.fail(natterError('rate_limited', 'too many login attempts: disconnected'));
    // Read no more of what it pipelined: decrypting it only to drop it is the cost
    // the budget is there to avoid (the close grace period still ends the socket).
    session.socket.pause();
    return false;
  }
  const seconds = Math.max(1, Math.ceil(admission.retryInMs / 1000));
  ctx.reportError(
    session,
    natterError('rate_limited', `too many login attempts; try again in ${seconds} s`),
  );
  return false;
}
