/**
 * MODE for what natter has: channel operators (`o`), bans (`b`, natter's
 * name and address bans shown as masks) and the fixed `+nt` (only members
 * speak in a room, only operators set its topic). natter has no user modes: `MODE nick +i`, which many
 * clients send on connect, is accepted and changes nothing.
 */
import type { ClientFrame } from '../protocol/frames.ts';
import type { IrcMessage } from '../protocol/irc-message.ts';
import { ERR, RPL } from '../protocol/irc-numerics.ts';
import { nameKey } from '../core/names.ts';
import { roomKey } from '../core/rooms.ts';
import { paced, request } from './irc-requests.ts';
import type { IrcConnection } from './irc-state.ts';

/** Mode changes honoured per MODE line (ISUPPORT MODES). */
const MAX_CHANGES = 4;

/** A ban mask as natter's target: `nick!*@*` is the name, `*!*@host` the address. */
export function maskTarget(mask: string): string {
  const bang = mask.indexOf('!');
  const at = mask.lastIndexOf('@');
  if (bang === -1 && at === -1) return mask;
  const nick = mask.slice(0, bang === -1 ? at : bang);
  const host = at === -1 ? '*' : mask.slice(at + 1);
  return nick !== '*' && nick !== '' ? nick : host;
}

function userMode(irc: IrcConnection, m: IrcMessage): void {
  if (nameKey(m.params[0]!) !== irc.session.user!.key) {
    irc.numeric(ERR.USERSDONTMATCH, "Can't change mode for other users");
  } else if (m.params.length === 1) {
    irc.numeric(RPL.UMODEIS, '+');
  }
}

function channelChanges(
  irc: IrcConnection,
  room: string,
  m: IrcMessage,
): (() => void | Promise<void>)[] {
  const args = m.params.slice(2);
  const steps: (() => void | Promise<void>)[] = [];
  let sign: '+' | '-' = '+';
  for (const letter of m.params[1]!) {
    if (letter === '+' || letter === '-') {
      sign = letter;
      continue;
    }
    if (steps.length >= MAX_CHANGES) break;
    const context = { command: 'MODE', target: room };
    if (letter === 'b') {
      const mask = args.shift();
      if (mask === undefined) {
        steps.push(() => {
          irc.pendingBans.push(room);
          return request(irc, { type: 'bans', room }, { ...context, list: 'bans' });
        });
        continue;
      }
      const target = maskTarget(mask);
      const frame: ClientFrame =
        sign === '+' ? { type: 'ban', target, room } : { type: 'unban', target, room };
      steps.push(() => request(irc, frame, context));
    } else if (letter === 'o') {
      const name = args.shift();
      if (name === undefined) continue;
      steps.push(() => request(irc, { type: sign === '+' ? 'op' : 'deop', name, room }, context));
    } else if (letter !== 'n' && letter !== 't') {
      steps.push(() => irc.numeric(ERR.UNKNOWNMODE, letter, 'is not a mode natter has'));
    }
  }
  return steps;
}

export function modeCommand(irc: IrcConnection, m: IrcMessage): void | Promise<void> {
  const target = m.params[0]!;
  if (!target.startsWith('#')) return paced(irc, () => userMode(irc, m));
  if (m.params.length === 1) {
    return paced(irc, () => {
      const room = irc.hub.chat.findRoom(target) ?? irc.hub.rooms.get(roomKey(target));
      if (!room)
        irc.numeric(ERR.NOSUCHCHANNEL, target, `there is no room ${target} [no_such_room]`);
      else irc.numeric(RPL.CHANNELMODEIS, room.name, '+nt');
    });
  }
  const steps = channelChanges(irc, target, m);
  return (async () => {
    for (const step of steps) await step();
  })();
}
