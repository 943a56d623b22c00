/**
 * The IRC dialect (Modern IRC + IRCv3): IRC lines become the hub's client
 * frames and server frames become IRC lines, as text-dialect.ts does for
 * text mode, so every hub rule — limits, flood control, bans, accounts,
 * history — applies to IRC users unchanged. docs/irc.md is the prose.
 */
import { parseIrcLine } from '../protocol/irc-message.ts';
import type { Hub } from './hub.ts';
import { registeredCommand } from './irc-commands.ts';
import { registrationCommand } from './irc-registration.ts';
import { renderIrc } from './irc-render.ts';
import { attachIrc, ircOf } from './irc-state.ts';
import type { Session } from './session.ts';

/** Makes a fresh session speak IRC: its frames are rendered as IRC lines from now on. */
export function startIrcSession(hub: Hub, session: Session): void {
  const irc = attachIrc(session, hub);
  session.render = (out) => renderIrc(irc, out);
}

export function handleIrcLine(hub: Hub, session: Session, line: string): void | Promise<void> {
  const irc = ircOf(session);
  if (!irc) throw new Error('IRC line on a session that does not speak IRC');
  if (line.trim() === '') return; // Modern IRC: empty lines are ignored silently
  const parsed = parseIrcLine(line);
  if (!parsed.ok) {
    irc.current = { command: '*' };
    hub.protocolError(session, parsed.error);
    return;
  }
  const m = parsed.message;
  irc.current = {
    command: m.command,
    ...(m.params[0] === undefined ? {} : { target: m.params[0] }),
  };
  if (session.user === null) return registrationCommand(irc, m);
  return registeredCommand(irc, m);
}
