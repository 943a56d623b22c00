/**
 * Typed commands, as in text mode: a line starting with `/` becomes a
 * protocol request, `//` sends a line starting with `/`. Room-scoped
 * requests always name the room in view.
 */
import type { ClientFrame } from '../../src/protocol/frames.ts';

export type Parsed =
  | { kind: 'say'; text: string; action: boolean }
  | { kind: 'private'; to: string; text: string }
  | { kind: 'request'; frame: ClientFrame }
  | { kind: 'local'; what: 'help' | 'notifications' }
  | { kind: 'error'; message: string };

export const HELP = [
  '/me ACTION, /msg NAME TEXT, /join #room, /leave [#room], /nick NEW, /topic [TEXT]',
  '/who, /rooms, /history [N], /quit, //text sends a line starting with /',
  '/register PASSWORD, /password CURRENT NEW',
  '/kick NAME [reason], /ban NAME|IP [duration] [reason], /unban NAME|IP',
  '/mute NAME [duration] [reason], /unmute NAME, /op NAME, /deop NAME, /bans',
  'Keys: Enter sends, Shift+Enter new line, Alt+Up/Down changes room, Escape closes dialogs',
];

const UNITS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `90s`, `10m`, `2h`, `1d`, `1w` in milliseconds; null when it is not a duration. */
export function parseDuration(word: string): number | null {
  const match = /^(\d{1,6})([smhdw])$/.exec(word);
  if (!match) return null;
  return Number(match[1]) * UNITS[match[2]!]!;
}

function words(rest: string): string[] {
  return rest.split(/\s+/).filter(Boolean);
}

/**
 * `room` is the room in view, or null in a private conversation (whose peer
 * is `peer`).
 */
export function parseInput(input: string, room: string | null, peer: string | null): Parsed {
  if (!input.startsWith('/') || input.startsWith('//')) {
    const text = input.startsWith('//') ? input.slice(1) : input;
    if (peer !== null) return { kind: 'private', to: peer, text };
    return { kind: 'say', text, action: false };
  }
  const space = input.search(/\s/);
  const command = (space === -1 ? input.slice(1) : input.slice(1, space)).toLowerCase();
  const rest = space === -1 ? '' : input.slice(space + 1).trim();
  const args = words(rest);
  const inRoom = (make: (room: string) => ClientFrame): Parsed =>
    room === null
      ? { kind: 'error', message: `/${command} works in a room; switch to one first` }
      : { kind: 'request', frame: make(room) };
  const need = (count: number, usage: string): Parsed | null =>
    args.length < count ? { kind: 'error', message: `usage: /${command} ${usage}` } : null;
  switch (command) {
    case 'help':
      return { kind: 'local', what: 'help' };
    case 'notify':
    case 'notifications':
      return { kind: 'local', what: 'notifications' };
    case 'me':
      if (rest === '') return { kind: 'error', message: 'usage: /me ACTION' };
      if (peer !== null) return { kind: 'error', message: '/me works in rooms' };
      return { kind: 'say', text: rest, action: true };
    case 'msg': {
      const usage = need(2, 'NAME TEXT');
      if (usage) return usage;
      const to = args[0]!;
      return { kind: 'private', to, text: rest.slice(rest.indexOf(to) + to.length).trim() };
    }
    case 'join': {
      const usage = need(1, '#room');
      if (usage) return usage;
      const name = args[0]!.startsWith('#') ? args[0]! : `#${args[0]}`;
      return { kind: 'request', frame: { type: 'join', room: name } };
    }
    case 'leave':
    case 'part':
      if (args[0]) return { kind: 'request', frame: { type: 'leave', room: args[0] } };
      return inRoom((r) => ({ type: 'leave', room: r }));
    case 'nick': {
      const usage = need(1, 'NEW');
      return usage ?? { kind: 'request', frame: { type: 'nick', name: args[0]! } };
    }
    case 'topic':
      return inRoom((r) =>
        rest === '' ? { type: 'topic', room: r } : { type: 'topic', room: r, topic: rest },
      );
    case 'who':
      if (args[0]) return { kind: 'request', frame: { type: 'who', room: args[0] } };
      return inRoom((r) => ({ type: 'who', room: r }));
    case 'rooms':
      return { kind: 'request', frame: { type: 'rooms' } };
    case 'history': {
      const limit = args[0] === undefined ? 50 : Number(args[0]);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        return { kind: 'error', message: 'usage: /history [N], N from 1 to 1000' };
      }
      if (peer !== null) {
        return { kind: 'request', frame: { type: 'history', with: peer, limit } };
      }
      return inRoom((r) => ({ type: 'history', room: r, limit }));
    }
    case 'quit':
      return { kind: 'request', frame: rest ? { type: 'quit', reason: rest } : { type: 'quit' } };
    case 'register': {
      const usage = need(1, 'PASSWORD');
      return usage ?? { kind: 'request', frame: { type: 'register', password: args[0]! } };
    }
    case 'password': {
      const usage = need(2, 'CURRENT NEW');
      return (
        usage ?? {
          kind: 'request',
          frame: { type: 'password', current: args[0]!, password: args[1]! },
        }
      );
    }
    case 'kick': {
      const usage = need(1, 'NAME [reason]');
      if (usage) return usage;
      const reason = args.slice(1).join(' ');
      return inRoom((r) => ({ type: 'kick', name: args[0]!, room: r, ...(reason && { reason }) }));
    }
    case 'ban':
    case 'mute': {
      const usage = need(1, 'NAME [duration] [reason]');
      if (usage) return usage;
      const duration = args[1] === undefined ? null : parseDuration(args[1]);
      const reason = args.slice(duration === null ? 1 : 2).join(' ');
      const extra = { ...(duration !== null && { duration }), ...(reason && { reason }) };
      return inRoom((r) =>
        command === 'ban'
          ? { type: 'ban', target: args[0]!, room: r, ...extra }
          : { type: 'mute', name: args[0]!, room: r, ...extra },
      );
    }
    case 'unban': {
      const usage = need(1, 'NAME|IP');
      return usage ?? inRoom((r) => ({ type: 'unban', target: args[0]!, room: r }));
    }
    case 'unmute':
    case 'op':
    case 'deop': {
      const usage = need(1, 'NAME');
      if (usage) return usage;
      const type = command;
      return inRoom((r) => ({ type, name: args[0]!, room: r }));
    }
    case 'bans':
      return inRoom((r) => ({ type: 'bans', room: r }));
    default:
      return { kind: 'error', message: `unknown command /${command}; /help lists them` };
  }
}
