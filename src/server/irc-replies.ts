/**
 * Replies the IRC dialect builds itself: the registration burst (001–005 and
 * the MOTD), ISUPPORT, WHO lines and WHOIS. ISUPPORT is derived from the
 * server's real limits, so what a client is told is what the hub enforces.
 */
import type { WelcomeFrame } from '../protocol/frames.ts';
import { formatIrcLine } from '../protocol/irc-message.ts';
import { ERR, RPL } from '../protocol/irc-numerics.ts';
import { NAME_MAX_CHARS, ROOM_NAME_MAX_CHARS, type Limits } from '../protocol/limits.ts';
import { hostmask, IRC_HOST, presenceOf, type IrcConnection } from './irc-state.ts';

/** Targets per PRIVMSG/NOTICE, channels per JOIN/PART: one hub request each. */
export const IRC_TARGETS = { message: 4, join: 10 } as const;
export const TOPIC_MAX_CHARS = 300;
export const REASON_MAX_CHARS = 200;
export const AWAY_MAX_CHARS = 200;

export function isupportTokens(limits: Limits): string[] {
  return [
    `AWAYLEN=${AWAY_MAX_CHARS}`,
    // Unicode-aware case folding (natter also refuses look-alikes, see docs/irc.md).
    'CASEMAPPING=rfc8265',
    `CHANLIMIT=#:${limits.maxRoomsPerUser}`,
    'CHANMODES=b,,,nt',
    `CHANNELLEN=${ROOM_NAME_MAX_CHARS + 1}`,
    'CHANTYPES=#',
    `CHATHISTORY=${limits.historyMax}`,
    `KICKLEN=${REASON_MAX_CHARS}`,
    'MODES=4',
    'MSGREFTYPES=msgid',
    'NETWORK=natter',
    `NICKLEN=${NAME_MAX_CHARS}`,
    'PREFIX=(o)@',
    `TARGMAX=PRIVMSG:${IRC_TARGETS.message},NOTICE:${IRC_TARGETS.message},JOIN:${IRC_TARGETS.join},PART:${IRC_TARGETS.join},KICK:1,NAMES:1,WHOIS:1`,
    `TOPICLEN=${TOPIC_MAX_CHARS}`,
    'UTF8ONLY',
  ];
}

export function motdLines(irc: IrcConnection): string[] {
  const s = irc.server;
  const me = irc.target;
  const body = [
    `natter on ${s}: rooms are channels, names are nicks.`,
    'Join one with /join #lobby; /list shows them all.',
    'Accounts: log in with SASL PLAIN (or PASS); register with /msg NickServ REGISTER <password>.',
  ];
  return [
    formatIrcLine(s, RPL.MOTDSTART, [me, `- ${s} Message of the day -`]),
    ...body.map((line) => formatIrcLine(s, RPL.MOTD, [me, `- ${line}`])),
    formatIrcLine(s, RPL.ENDOFMOTD, [me, 'End of /MOTD command.']),
  ];
}

export function welcomeBurst(irc: IrcConnection, welcome: WelcomeFrame): string[] {
  const s = irc.server;
  const me = welcome.name;
  irc.nick = me;
  const tokens = isupportTokens(irc.hub.limits);
  const lines = [
    formatIrcLine(s, RPL.WELCOME, [me, `Welcome to natter, ${hostmask(me)}`]),
    formatIrcLine(s, RPL.YOURHOST, [me, `Your host is ${s}, running natter`]),
    formatIrcLine(s, RPL.CREATED, [me, 'This server speaks natter and IRC']),
    formatIrcLine(s, RPL.MYINFO, [me, s, 'natter', 'i', 'bno', 'bo']),
  ];
  // At most 13 tokens per 005 line, as Modern IRC suggests.
  for (let i = 0; i < tokens.length; i += 13) {
    lines.push(
      formatIrcLine(s, RPL.ISUPPORT, [
        me,
        ...tokens.slice(i, i + 13),
        'are supported by this server',
      ]),
    );
  }
  return [...lines, ...motdLines(irc)];
}

/** Whether a name is a server operator, or an operator of the room. */
export function isOperator(irc: IrcConnection, name: string, roomKey: string | undefined): boolean {
  const user = irc.hub.chat.findUser(name);
  const account = presenceOf(irc.hub, user)?.account;
  if (!user || !account) return false;
  return (
    irc.hub.accounts.operators.has(user.key) ||
    (roomKey !== undefined && irc.hub.moderation.isRoomOperator(roomKey, user.key))
  );
}

/** One RPL_WHOREPLY: `<channel> <user> <host> <server> <nick> <flags> :0 <realname>`. */
export function whoReplyLine(irc: IrcConnection, channel: string, name: string): string {
  const presence = presenceOf(irc.hub, irc.hub.chat.findUser(name));
  const room = channel === '*' ? undefined : irc.hub.chat.findRoom(channel);
  const flags = `${presence?.away ? 'G' : 'H'}${isOperator(irc, name, room?.key) ? '@' : ''}`;
  return formatIrcLine(irc.server, RPL.WHOREPLY, [
    irc.target,
    channel,
    name,
    IRC_HOST,
    irc.server,
    name,
    flags,
    `0 ${presence?.realname || name}`,
  ]);
}

export function whoisLines(irc: IrcConnection, nick: string): string[] {
  const s = irc.server;
  const me = irc.target;
  const user = irc.hub.chat.findUser(nick);
  const presence = presenceOf(irc.hub, user);
  if (!user || !presence) {
    return [
      formatIrcLine(s, ERR.NOSUCHNICK, [
        me,
        nick,
        `nobody called ${nick} is online [no_such_user]`,
      ]),
      formatIrcLine(s, RPL.ENDOFWHOIS, [me, nick, 'End of /WHOIS list']),
    ];
  }
  const lines = [
    formatIrcLine(s, RPL.WHOISUSER, [
      me,
      user.name,
      user.name,
      IRC_HOST,
      '*',
      presence.realname || user.name,
    ]),
  ];
  const channels = [...user.rooms].flatMap((key) => {
    const room = irc.hub.chat.findRoom(key);
    if (!room) return [];
    return [`${isOperator(irc, user.name, room.key) ? '@' : ''}${room.name}`];
  });
  if (channels.length > 0) {
    lines.push(formatIrcLine(s, RPL.WHOISCHANNELS, [me, user.name, channels.join(' ')]));
  }
  lines.push(
    formatIrcLine(s, RPL.WHOISSERVER, [
      me,
      user.name,
      s,
      `natter (${presence.dialects.join(', ')})`,
    ]),
  );
  if (presence.account !== null) {
    lines.push(
      formatIrcLine(s, RPL.WHOISACCOUNT, [me, user.name, presence.account, 'is logged in as']),
    );
  }
  if (presence.away) lines.push(formatIrcLine(s, RPL.AWAY, [me, user.name, presence.away]));
  lines.push(formatIrcLine(s, RPL.ENDOFWHOIS, [me, user.name, 'End of /WHOIS list']));
  return lines;
}
