/**
 * How IRC commands reach the hub: requests carry an id that remembers the
 * command (for the refusal's numeric), and answers the IRC dialect builds
 * itself pass the session's flood gate like any request.
 */
import { natterError } from '../protocol/errors.ts';
import type { ClientFrame } from '../protocol/frames.ts';
import type { RefusalContext } from '../protocol/irc-numerics.ts';
import type { IrcConnection } from './irc-state.ts';

type Result = void | Promise<void>;

/** What an answer built here costs in the flood gate: one request. */
const LOCAL_REQUEST: ClientFrame = { type: 'rooms' };

/** Sends one hub request, remembering what it was for its refusal. */
export function request(irc: IrcConnection, frame: ClientFrame, context: RefusalContext): Result {
  const id = irc.idFor(context);
  const result = irc.hub.handle(irc.session, { ...frame, id } as ClientFrame);
  // A request that is done (not waiting in the flood gate) needs its context no
  // more, unless it is a message: its refusal can come after the store answers.
  const later = frame.type === 'say' || frame.type === 'me' || frame.type === 'msg';
  if (result instanceof Promise) {
    if (!later) return result.then(() => irc.settled(id));
  } else if (!later && irc.session.flood.queued === 0) irc.settled(id);
  return result;
}

/** Runs an answer built here through the session's flood gate, like any request. */
export function paced(irc: IrcConnection, run: () => void): void {
  const admission = irc.session.flood.admit(LOCAL_REQUEST, run, irc.hub.now());
  switch (admission.kind) {
    case 'now':
      return run();
    case 'queued':
      return;
    case 'refused': {
      const seconds = Math.max(1, Math.round(admission.retryInMs / 1000));
      irc.notice(`slow down, next request in ${seconds} s [rate_limited]`);
      return;
    }
    case 'disconnect':
      irc.session.fail(
        natterError('rate_limited', 'too much, too fast: disconnected', { fatal: true }),
      );
  }
}
