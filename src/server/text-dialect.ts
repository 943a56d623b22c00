/**
 * Text mode (no ALPN): any TLS line client — openssl s_client, ncat --ssl,
 * socat, Python's ssl — is a chat client. The contract in ARCHITECTURE.md
 * ("Text-mode contract") is what scripts rely on; keep it stable.
 */
import { NatterError } from '../protocol/errors.ts';
import { parseTextInput } from '../core/commands.ts';
import { formatHelp } from '../core/format.ts';
import type { Hub } from './hub.ts';
import { admitLoginAttempt } from './login-budget.ts';
import type { Session } from './session.ts';

export const USERNAME_PROMPT = 'Choose a username:';

export function greetTextClient(session: Session, serverName: string): void {
  session.sendLine(
    `-- natter on ${serverName}: text mode. Lines you type are messages; /help lists commands.`,
  );
  session.sendLine(USERNAME_PROMPT);
}

/**
 * The first line is the name. A registered name is followed by a password
 * prompt, and the next line is its password (typed in the clear over TLS;
 * most line clients echo it locally).
 */
function textLogin(hub: Hub, session: Session, line: string): void | Promise<void> {
  const pending = session.pendingName;
  // A password line finishes the attempt its name line started (and has limits of its own).
  if (pending === null && !admitLoginAttempt(hub, session)) {
    if (!session.closing) session.sendLine(USERNAME_PROMPT);
    return;
  }
  session.pendingName = null;
  const name = pending ?? line.trim();
  const hello = pending === null ? {} : { password: line };
  return hub.login(session, name, hello).then((result) => {
    if (!(result instanceof NatterError) || result.fatal) return;
    if (result.code === 'password_required' && pending === null) {
      session.pendingName = name;
      session.sendLine(`Password for ${name}:`);
      return;
    }
    hub.reportError(session, result);
    session.sendLine(USERNAME_PROMPT);
  });
}

export function handleTextLine(hub: Hub, session: Session, line: string): void | Promise<void> {
  if (!session.user) return textLogin(hub, session, line);
  const input = parseTextInput(line, () => session.nextTextId());
  switch (input.kind) {
    case 'none':
      return;
    // Answered here, but after the lines owed for earlier input (a message's echo).
    case 'help':
      hub.afterReplies(session, () => {
        for (const helpLine of formatHelp()) session.sendLine(helpLine);
      });
      return;
    case 'error':
      hub.afterReplies(session, () => hub.reportError(session, input.error));
      return;
    case 'frame':
      return hub.handle(session, input.frame);
  }
}
