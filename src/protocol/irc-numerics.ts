/**
 * IRC numerics natter sends, and which one answers each natter refusal.
 * Every refusal keeps natter's explanation and its stable code as the
 * trailing text (`… [name_taken]`), so IRC users read why and scripts can
 * match the same code every dialect carries.
 */
import type { ErrorCode } from './errors.ts';

export const RPL = {
  WELCOME: '001',
  YOURHOST: '002',
  CREATED: '003',
  MYINFO: '004',
  ISUPPORT: '005',
  UMODEIS: '221',
  AWAY: '301',
  USERHOST: '302',
  ISON: '303',
  UNAWAY: '305',
  NOWAWAY: '306',
  WHOISUSER: '311',
  WHOISSERVER: '312',
  ENDOFWHO: '315',
  ENDOFWHOIS: '318',
  WHOISCHANNELS: '319',
  LISTSTART: '321',
  LIST: '322',
  LISTEND: '323',
  CHANNELMODEIS: '324',
  WHOISACCOUNT: '330',
  NOTOPIC: '331',
  TOPIC: '332',
  WHOREPLY: '352',
  NAMREPLY: '353',
  ENDOFNAMES: '366',
  BANLIST: '367',
  ENDOFBANLIST: '368',
  MOTD: '372',
  MOTDSTART: '375',
  ENDOFMOTD: '376',
  LOGGEDIN: '900',
  SASLSUCCESS: '903',
  SASLFAIL: '904',
  SASLTOOLONG: '905',
  SASLABORTED: '906',
  SASLALREADY: '907',
  SASLMECHS: '908',
} as const;

export const ERR = {
  NOSUCHNICK: '401',
  NOSUCHCHANNEL: '403',
  CANNOTSENDTOCHAN: '404',
  TOOMANYCHANNELS: '405',
  TOOMANYTARGETS: '407',
  NORECIPIENT: '411',
  NOTEXTTOSEND: '412',
  INPUTTOOLONG: '417',
  UNKNOWNCOMMAND: '421',
  NOMOTD: '422',
  NONICKNAMEGIVEN: '431',
  ERRONEUSNICKNAME: '432',
  NICKNAMEINUSE: '433',
  USERNOTINCHANNEL: '441',
  NOTONCHANNEL: '442',
  NOTREGISTERED: '451',
  NEEDMOREPARAMS: '461',
  ALREADYREGISTERED: '462',
  PASSWDMISMATCH: '464',
  YOUREBANNEDCREEP: '465',
  UNKNOWNMODE: '472',
  BANNEDFROMCHAN: '474',
  BADCHANMASK: '476',
  CHANOPRIVSNEEDED: '482',
  UMODEUNKNOWNFLAG: '501',
  USERSDONTMATCH: '502',
} as const;

/** What the refused request was, which decides the numeric and its parameters. */
export interface RefusalContext {
  /** The IRC command that caused the request (PRIVMSG, JOIN, NICK, …). */
  command: string;
  /** The channel or nick it named, when it named one. */
  target?: string;
  /** Set when the request was a list query (WHO, NAMES, MODE b) whose answer is awaited. */
  list?: 'who' | 'names' | 'bans';
}

/**
 * The numeric for a refusal and its middle parameters (after the client's
 * nick), or null when no numeric fits and the refusal goes out as a NOTICE.
 */
export function refusalNumeric(
  code: ErrorCode,
  context: RefusalContext,
): { numeric: string; params: string[] } | null {
  const target = context.target ?? '*';
  const onChannel = target.startsWith('#');
  switch (code) {
    case 'name_taken':
    case 'password_required':
      return { numeric: ERR.NICKNAMEINUSE, params: [target] };
    case 'name_invalid':
    case 'name_reserved':
      return { numeric: ERR.ERRONEUSNICKNAME, params: [target] };
    case 'no_such_user':
      if (context.command === 'KICK' || context.command === 'MODE')
        return { numeric: ERR.USERNOTINCHANNEL, params: [target] };
      return { numeric: ERR.NOSUCHNICK, params: [target] };
    case 'no_such_room':
      return { numeric: ERR.NOSUCHCHANNEL, params: [target] };
    case 'room_invalid':
      return { numeric: ERR.BADCHANMASK, params: [target] };
    case 'not_in_room':
      if (context.command === 'PRIVMSG' || context.command === 'NOTICE')
        return { numeric: ERR.CANNOTSENDTOCHAN, params: [target] };
      return { numeric: ERR.NOTONCHANNEL, params: [target] };
    case 'muted':
      return { numeric: ERR.CANNOTSENDTOCHAN, params: [target] };
    case 'banned':
      return onChannel
        ? { numeric: ERR.BANNEDFROMCHAN, params: [target] }
        : { numeric: ERR.YOUREBANNEDCREEP, params: [] };
    case 'too_many_rooms':
      return { numeric: ERR.TOOMANYCHANNELS, params: [target] };
    case 'unauthorized':
      if (context.command === 'PASS' || context.command === 'login')
        return { numeric: ERR.PASSWDMISMATCH, params: [] };
      return onChannel ? { numeric: ERR.CHANOPRIVSNEEDED, params: [target] } : null;
    case 'empty_message':
      return { numeric: ERR.NOTEXTTOSEND, params: [] };
    case 'unknown_command':
      return { numeric: ERR.UNKNOWNCOMMAND, params: [context.command] };
    case 'bad_arguments':
      return { numeric: ERR.NEEDMOREPARAMS, params: [context.command] };
    case 'too_long':
      return { numeric: ERR.INPUTTOOLONG, params: [] };
    case 'not_logged_in':
      return { numeric: ERR.NOTREGISTERED, params: [] };
    case 'already_logged_in':
      return { numeric: ERR.ALREADYREGISTERED, params: [] };
    default:
      return null;
  }
}
