/**
 * IRC commands of a registered connection, as one table: each entry says
 * how many parameters it needs, and turns the line into hub requests (so
 * the hub's checks, flood control and delivery apply as for every dialect)
 * or, for what only IRC has (WHOIS, AWAY, MOTD, ISON, MODE queries),
 * answers itself — paced by the same flood gate.
 */
import type { ClientFrame } from '../protocol/frames.ts';
import { natterError } from '../protocol/errors.ts';
import { parseCtcp, stripIrcFormatting } from '../protocol/irc-format.ts';
import { formatIrcLine, type IrcMessage } from '../protocol/irc-message.ts';
import { ERR, RPL, type RefusalContext } from '../protocol/irc-numerics.ts';
import { sanitizeText } from '../core/sanitize.ts';
import { chathistory } from './irc-chathistory.ts';
import { paced, request } from './irc-requests.ts';
import { modeCommand } from './irc-mode.ts';
import { capCommand } from './irc-registration.ts';
import { AWAY_MAX_CHARS, IRC_TARGETS, motdLines, whoisLines, whoReplyLine } from './irc-replies.ts';
import { hostmask, ircSessionsOf, presenceOf, type IrcConnection } from './irc-state.ts';

type Result = void | Promise<void>;

interface IrcCommand {
  /** Parameters required; fewer gets 461 ERR_NEEDMOREPARAMS. */
  params: number;
  run(irc: IrcConnection, m: IrcMessage): Result;
}

/** Runs requests one after another, waiting for each one that needs the store. */
async function inOrder(steps: (() => Result)[]): Promise<void> {
  for (const step of steps) await step();
}

function sequence(steps: (() => Result)[]): Result {
  return steps.length === 1 ? steps[0]!() : inOrder(steps);
}

function splitList(param: string, max: number): string[] {
  return param
    .split(',')
    .filter((t) => t !== '')
    .slice(0, max);
}

function nickServ(irc: IrcConnection, text: string): Result {
  const [, word = '', rest = ''] = /^\s*(\S*)\s*(.*)$/su.exec(text) ?? [];
  switch (word.toUpperCase()) {
    case 'REGISTER':
      // The rest of the line is the password (spaces allowed; no e-mail address).
      if (!rest) return irc.notice('usage: /msg NickServ REGISTER <password>');
      return request(irc, { type: 'register', password: rest }, { command: 'NICKSERV' });
    case 'IDENTIFY':
      return irc.notice('log in when you connect: SASL PLAIN, or PASS <password> (docs/irc.md)');
    default:
      return irc.notice(
        'NickServ here knows REGISTER <password>; accounts log in with SASL or PASS',
      );
  }
}

function message(irc: IrcConnection, m: IrcMessage): Result {
  const notice = m.command === 'NOTICE';
  const [targets = '', raw = ''] = m.params;
  if (raw === '') {
    if (!notice) irc.numeric(ERR.NOTEXTTOSEND, 'No text to send [empty_message]');
    return;
  }
  const list = targets.split(',').filter((t) => t !== '');
  if (list.length > IRC_TARGETS.message) {
    if (!notice) irc.numeric(ERR.TOOMANYTARGETS, targets, `at most ${IRC_TARGETS.message} targets`);
    return;
  }
  const ctcp = parseCtcp(raw);
  // Other CTCP (VERSION, PING, DCC…) is not relayed: it reveals clients and addresses.
  if (ctcp.kind === 'ctcp') return;
  const text = stripIrcFormatting(ctcp.text);
  const action = ctcp.kind === 'action';
  return sequence(
    list.map((target) => () => {
      const context = { command: m.command, target };
      if (target.startsWith('#')) {
        return request(irc, { type: action ? 'me' : 'say', id: '', text, room: target }, context);
      }
      if (target.toLowerCase() === 'nickserv') return notice ? undefined : nickServ(irc, text);
      // Private messages have no action kind in natter: the action travels as text.
      const body = action ? `* ${irc.target} ${text}` : text;
      const sent = request(irc, { type: 'msg', id: '', to: target, text: body }, context);
      const peer = irc.hub.chat.findUser(target);
      const away = presenceOf(irc.hub, peer)?.away;
      if (away && !notice) irc.numeric(RPL.AWAY, peer!.name, away);
      return sent;
    }),
  );
}

function away(irc: IrcConnection, m: IrcMessage): void {
  const text = sanitizeText(stripIrcFormatting(m.params[0] ?? ''))
    .trim()
    .slice(0, AWAY_MAX_CHARS);
  irc.away = text === '' ? null : text;
  if (irc.away === null) irc.numeric(RPL.UNAWAY, 'You are no longer marked as being away');
  else irc.numeric(RPL.NOWAWAY, 'You have been marked as being away');
  const user = irc.session.user!;
  const line = formatIrcLine(hostmask(user.name), 'AWAY', irc.away === null ? [] : [irc.away]);
  const told = new Set<IrcConnection>();
  for (const key of user.rooms) {
    for (const member of irc.hub.chat.findRoom(key)?.members.values() ?? []) {
      for (const peer of ircSessionsOf(irc.hub, member)) {
        if (told.has(peer) || !peer.has('away-notify')) continue;
        told.add(peer);
        if (peer !== irc) peer.send(line);
      }
    }
  }
}

function who(irc: IrcConnection, m: IrcMessage): Result {
  const mask = m.params[0] ?? '*';
  if (mask.startsWith('#')) {
    irc.pendingWho.push('who');
    return request(irc, { type: 'who', room: mask }, { command: 'WHO', target: mask, list: 'who' });
  }
  paced(irc, () => {
    const user = irc.hub.chat.findUser(mask);
    if (user) irc.send(whoReplyLine(irc, '*', user.name));
    irc.numeric(RPL.ENDOFWHO, mask, 'End of /WHO list');
  });
}

function names(irc: IrcConnection, m: IrcMessage): Result {
  const channel = splitList(m.params[0] ?? '', 1)[0];
  if (channel === undefined) return void irc.numeric(RPL.ENDOFNAMES, '*', 'End of /NAMES list');
  irc.pendingWho.push('names');
  return request(
    irc,
    { type: 'who', room: channel },
    { command: 'NAMES', target: channel, list: 'names' },
  );
}

function join(irc: IrcConnection, m: IrcMessage): Result {
  if (m.params[0] === '0') {
    const rooms = [...irc.session.user!.rooms].map((key) => irc.hub.chat.findRoom(key)?.name);
    return sequence(
      rooms
        .filter((r): r is string => r !== undefined)
        .map(
          (room) => () => request(irc, { type: 'leave', room }, { command: 'PART', target: room }),
        ),
    );
  }
  return sequence(
    splitList(m.params[0]!, IRC_TARGETS.join).map((room) => () => {
      // natter would add the #; IRC's CHANTYPES=# says channel names have it.
      if (!room.startsWith('#')) {
        irc.numeric(ERR.BADCHANMASK, room, 'channel names start with # [room_invalid]');
        return;
      }
      return request(irc, { type: 'join', room }, { command: 'JOIN', target: room });
    }),
  );
}

function part(irc: IrcConnection, m: IrcMessage): Result {
  return sequence(
    splitList(m.params[0]!, IRC_TARGETS.join).map(
      (room) => () => request(irc, { type: 'leave', room }, { command: 'PART', target: room }),
    ),
  );
}

function topic(irc: IrcConnection, m: IrcMessage): Result {
  const room = m.params[0]!;
  const context = { command: 'TOPIC', target: room };
  if (m.params.length < 2) return request(irc, { type: 'topic', room }, context);
  const text = stripIrcFormatting(m.params[1]!);
  return request(irc, { type: 'topic', room, topic: text }, context);
}

function kick(irc: IrcConnection, m: IrcMessage): Result {
  const room = m.params[0]!;
  const reason = m.params[2] === undefined ? undefined : stripIrcFormatting(m.params[2]);
  return sequence(
    splitList(m.params[1]!, 4).map((name) => () => {
      const frame: ClientFrame = { type: 'kick', name, room };
      if (reason) frame.reason = reason;
      return request(irc, frame, { command: 'KICK', target: room });
    }),
  );
}

function ison(irc: IrcConnection, m: IrcMessage): void {
  const online = m.params
    .flatMap((p) => p.split(' '))
    .filter((n) => n !== '')
    .slice(0, 32)
    .map((n) => irc.hub.chat.findUser(n)?.name)
    .filter((n): n is string => n !== undefined);
  irc.numeric(RPL.ISON, online.join(' '));
}

function alreadyRegistered(irc: IrcConnection): void {
  irc.numeric(ERR.ALREADYREGISTERED, 'You may not reregister [already_logged_in]');
}

const local =
  (answer: (irc: IrcConnection, m: IrcMessage) => void) =>
  (irc: IrcConnection, m: IrcMessage): void =>
    paced(irc, () => answer(irc, m));

export const IRC_COMMANDS: ReadonlyMap<string, IrcCommand> = new Map<string, IrcCommand>([
  ['PING', { params: 0, run: (irc, m) => irc.pong(m.params[0]) }],
  ['PONG', { params: 0, run: () => {} }],
  ['CAP', { params: 1, run: capCommand }],
  [
    'NICK',
    {
      params: 1,
      run: (irc, m) =>
        request(
          irc,
          { type: 'nick', name: m.params[0]! },
          { command: 'NICK', target: m.params[0]! },
        ),
    },
  ],
  ['PRIVMSG', { params: 1, run: message }],
  ['NOTICE', { params: 1, run: message }],
  ['TAGMSG', { params: 1, run: () => {} }], // client-only tags are not relayed
  ['JOIN', { params: 1, run: join }],
  ['PART', { params: 1, run: part }],
  ['TOPIC', { params: 1, run: topic }],
  ['NAMES', { params: 0, run: names }],
  ['WHO', { params: 0, run: who }],
  [
    'WHOIS',
    {
      params: 1,
      run: local((irc, m) =>
        whoisLines(irc, m.params.at(-1)!.split(',')[0]!).forEach((l) => irc.send(l)),
      ),
    },
  ],
  ['LIST', { params: 0, run: (irc) => request(irc, { type: 'rooms' }, { command: 'LIST' }) }],
  ['MOTD', { params: 0, run: local((irc) => motdLines(irc).forEach((l) => irc.send(l))) }],
  ['AWAY', { params: 0, run: local(away) }],
  ['ISON', { params: 1, run: local(ison) }],
  ['KICK', { params: 2, run: kick }],
  ['MODE', { params: 1, run: modeCommand }],
  ['CHATHISTORY', { params: 2, run: chathistory }],
  [
    'QUIT',
    {
      params: 0,
      run: (irc, m) =>
        request(irc, m.params[0] ? { type: 'quit', reason: m.params[0] } : { type: 'quit' }, {
          command: 'QUIT',
        }),
    },
  ],
  ['PASS', { params: 0, run: alreadyRegistered }],
  ['USER', { params: 0, run: alreadyRegistered }],
  [
    'AUTHENTICATE',
    { params: 0, run: (irc) => irc.numeric(RPL.SASLALREADY, 'You have already authenticated') },
  ],
]);

export function registeredCommand(irc: IrcConnection, m: IrcMessage): Result {
  const command = IRC_COMMANDS.get(m.command);
  // Unknown and short commands are strikes, as malformed lines are in every dialect.
  if (!command) {
    irc.hub.protocolError(irc.session, natterError('unknown_command', 'Unknown command'));
    return;
  }
  if (m.params.length < command.params) {
    irc.hub.protocolError(irc.session, natterError('bad_arguments', 'Not enough parameters'));
    return;
  }
  return command.run(irc, m);
}
