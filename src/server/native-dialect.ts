/**
 * The native dialect (ALPN `natter/1`): NDJSON frames. The first frame must
 * be `hello`; a refused name gets a non-fatal error so the client can send
 * another hello.
 */
import { decodeClientFrame } from '../protocol/codec.ts';
import { NatterError, natterError } from '../protocol/errors.ts';
import { PROTOCOL_VERSION } from '../protocol/frames.ts';
import type { Limits } from '../protocol/limits.ts';
import type { Hub } from './hub.ts';
import { admitLoginAttempt } from './login-budget.ts';
import type { Session } from './session.ts';

export function handleNativeLine(
  hub: Hub,
  session: Session,
  line: string,
  limits: Limits,
): void | Promise<void> {
  let frame;
  try {
    frame = decodeClientFrame(line, {
      maxJsonDepth: limits.maxJsonDepth,
      maxTextChars: limits.maxLineBytes,
    });
  } catch (error) {
    if (!(error instanceof NatterError)) throw error;
    hub.protocolError(session, error);
    return;
  }
  if (session.user) return hub.handle(session, frame);
  if (frame.type === 'ping') {
    session.sendFrame({
      type: 'pong',
      ...(frame.token === undefined ? {} : { token: frame.token }),
    });
    return;
  }
  if (frame.type !== 'hello') {
    hub.protocolError(session, natterError('not_logged_in', 'send hello first'), frame.id);
    return;
  }
  if (frame.version !== PROTOCOL_VERSION) {
    session.fail(
      natterError(
        'version_unsupported',
        `this server speaks protocol version ${PROTOCOL_VERSION}, not ${frame.version}`,
      ),
    );
    return;
  }
  if (!admitLoginAttempt(hub, session)) return;
  return hub.login(session, frame.name, frame).then((result) => {
    if (result instanceof NatterError) hub.reportError(session, result);
  });
}
