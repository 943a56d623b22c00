/**
 * IRCv3 `draft/chathistory` served from natter's history: message ids are
 * natter's message ids (`msgid=N`, ISUPPORT MSGREFTYPES=msgid). Timestamps
 * as references and the AROUND and TARGETS subcommands are not offered;
 * they get a FAIL that says so.
 */
import type { HistoryRequest } from '../protocol/frames.ts';
import type { IrcMessage } from '../protocol/irc-message.ts';
import type { IrcConnection } from './irc-state.ts';

type Bounds = Pick<HistoryRequest, 'before' | 'after'>;

/** `msgid=N` as N; `*` as null (no bound); anything else undefined (refused). */
function reference(ref: string | undefined): number | null | undefined {
  if (ref === '*') return null;
  const match = /^msgid=(\d{1,15})$/u.exec(ref ?? '');
  return match ? Number(match[1]) : undefined;
}

function bounds(sub: string, refs: string[]): Bounds | string {
  const [first, second] = refs.map(reference);
  if (first === undefined || (sub === 'BETWEEN' && second === undefined)) {
    return 'references are msgid=N (MSGREFTYPES=msgid)';
  }
  switch (sub) {
    case 'LATEST':
      return first === null ? {} : { after: first };
    case 'BEFORE':
      return first === null ? 'BEFORE needs a msgid' : { before: first };
    case 'AFTER':
      return first === null ? 'AFTER needs a msgid' : { after: first };
    case 'BETWEEN': {
      const a = first ?? 0;
      const b = second ?? Number.MAX_SAFE_INTEGER;
      if (a === b) return 'BETWEEN needs two different messages';
      return { after: Math.min(a, b), before: Math.max(a, b) };
    }
    default:
      return `${sub.slice(0, 20)} is not supported; LATEST, BEFORE, AFTER and BETWEEN are`;
  }
}

export function chathistory(irc: IrcConnection, m: IrcMessage): void | Promise<void> {
  const sub = m.params[0]!.toUpperCase();
  const target = m.params[1]!;
  const refs = m.params.slice(2, -1);
  const fail = (code: string, text: string) =>
    irc.reply('FAIL', 'CHATHISTORY', code, sub, target, text);
  const limit = Number(m.params.at(-1));
  if (m.params.length < 4 || !Number.isSafeInteger(limit) || limit < 1) {
    return fail(
      'INVALID_PARAMS',
      'CHATHISTORY <subcommand> <target> <reference> [<reference>] <limit>',
    );
  }
  const range = bounds(sub, refs);
  if (typeof range === 'string') return fail('INVALID_PARAMS', range);
  const frame: HistoryRequest = {
    type: 'history',
    ...range,
    limit: Math.min(limit, irc.hub.limits.historyMax),
    ...(target.startsWith('#') ? { room: target } : { with: target }),
  };
  const id = irc.idFor({ command: 'CHATHISTORY', target });
  irc.chathistory.set(id, target);
  return irc.hub.handle(irc.session, { ...frame, id });
}
