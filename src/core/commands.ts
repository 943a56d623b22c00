/**
 * Text-mode input: a line is either a message to the current room or a
 * `/command`. Commands become the same ClientFrame values the native dialect
 * decodes, so both dialects share one code path in the server.
 */
import { NatterError, natterError } from '../protocol/errors.ts';
import type { ClientFrame } from '../protocol/frames.ts';
import { echoInput } from './text-cut.ts';
import { parseDuration } from './units.ts';

export type TextInput =
  | { kind: 'frame'; frame: ClientFrame }
  | { kind: 'help' }
  | { kind: 'none' }
  | { kind: 'error'; error: NatterError };

export interface CommandHelp {
  usage: string;
  about: string;
}

export const TEXT_COMMANDS: readonly CommandHelp[] = [
  { usage: '/help', about: 'this list' },
  { usage: '/who [#room]', about: 'who is in the room' },
  { usage: '/msg NAME TEXT', about: 'a private message' },
  { usage: '/me ACTION', about: 'an action: "* you ACTION"' },
  { usage: '/nick NEW', about: 'change your name' },
  { usage: '/join #room', about: 'join (or create) a room and make it current' },
  { usage: '/switch #room', about: 'make a room you are in current' },
  { usage: '/leave [#room]', about: 'leave a room (the current one by default)' },
  { usage: '/rooms [FILTER] [#AFTER]', about: 'list rooms (matching FILTER; after #AFTER)' },
  { usage: '/topic [TEXT]', about: 'show or set the topic of the current room' },
  { usage: '/history [N]', about: 'the last N messages of the current room' },
  { usage: '/register PASSWORD', about: 'own your current name: it will need this password' },
  { usage: '/password CURRENT NEW', about: 'change your password' },
  { usage: '/kick [#room] NAME [reason]', about: 'operators: remove someone from the room' },
  {
    usage: '/ban [#room|*] NAME|IP [duration] [reason]',
    about: 'operators: ban from the room (*: server operators, server-wide)',
  },
  { usage: '/unban [#room|*] NAME|IP', about: 'operators: lift a ban' },
  { usage: '/mute [#room|*] NAME [duration] [reason]', about: 'operators: refuse their messages' },
  { usage: '/unmute [#room|*] NAME', about: 'operators: lift a mute' },
  { usage: '/op [#room] NAME', about: 'room operators: make someone a room operator' },
  { usage: '/deop [#room] NAME', about: 'room operators: take operator rights away' },
  { usage: '/bans [#room|*]', about: 'operators: list bans and mutes' },
  { usage: '/quit [reason]', about: 'leave the server' },
  { usage: '//text', about: 'send a message that starts with /' },
];

const DURATION = /^\d{1,9}(?:ms|s|m|h|d|w)$/u;
const MODERATION_WORDS = new Set(['kick', 'ban', 'unban', 'mute', 'unmute', 'op', 'deop', 'bans']);

/**
 * "[duration] [reason]": a leading token like 10m, 2h or 7d is a duration;
 * duration null means the token looked like one but does not parse.
 */
function durationAndReason(text: string): { duration: number | undefined | null; reason: string } {
  const [head = '', ...rest] = text.split(/\s+/u);
  if (!DURATION.test(head)) return { duration: undefined, reason: text };
  try {
    return { duration: parseDuration(head), reason: rest.join(' ') };
  } catch {
    return { duration: null, reason: '' };
  }
}

/** Adds a field only when it has a value, so frames carry no empty optionals. */
function withOptional<T extends object, K extends string, V>(
  frame: T,
  key: K,
  value: V | undefined | '',
): T & Partial<Record<K, V>> {
  return value === undefined || value === '' ? frame : { ...frame, [key]: value };
}

/** The scope word moderation commands may start with: a room, or `*` for the whole server. */
export const SERVER_WIDE = '*';

/** "[#room|*] rest": the scope, when the first word names one, and the rest. */
function scopeAndRest(rest: string): { room: string | undefined; rest: string } {
  const match = /^(#\S+|\*)(?:\s+(.*))?$/su.exec(rest);
  if (!match) return { room: undefined, rest };
  return { room: match[1], rest: (match[2] ?? '').trim() };
}

/** Splits "/cmd rest of line" into the command word and the rest, trimmed. */
function splitCommand(line: string): { word: string; rest: string } {
  const match = /^\/(\S*)\s*(.*)$/su.exec(line);
  return { word: (match?.[1] ?? '').toLowerCase(), rest: (match?.[2] ?? '').trim() };
}

function usage(command: string): TextInput {
  const help = TEXT_COMMANDS.find((c) => c.usage.split(' ')[0] === command);
  return {
    kind: 'error',
    error: natterError('bad_arguments', `usage: ${help?.usage ?? command}`),
  };
}

/**
 * Frames without a room go to the session's current room.
 * @param nextId makes a client id for frames that get acknowledged
 */
export function parseTextInput(line: string, nextId: () => string): TextInput {
  if (line.trim() === '') return { kind: 'none' };
  if (!line.startsWith('/') || line.startsWith('//')) {
    const text = line.startsWith('//') ? line.slice(1) : line;
    return { kind: 'frame', frame: { type: 'say', id: nextId(), text } };
  }
  const command = splitCommand(line);
  const { word } = command;
  const scoped = MODERATION_WORDS.has(word) ? scopeAndRest(command.rest) : undefined;
  const rest = scoped ? scoped.rest : command.rest;
  const frame = (f: ClientFrame): TextInput => ({
    kind: 'frame',
    frame: scoped?.room === undefined ? f : ({ ...f, room: scoped.room } as ClientFrame),
  });
  const [first = '', ...others] = rest.split(/\s+/u);
  const afterFirst = rest.slice(first.length).trim();
  switch (word) {
    case 'help':
    case '?':
      return { kind: 'help' };
    case 'who':
      return { kind: 'frame', frame: { type: 'who', room: first || undefined } };
    case 'msg':
    case 'query':
    case 'tell':
      if (!first || !afterFirst) return usage('/msg');
      return { kind: 'frame', frame: { type: 'msg', id: nextId(), to: first, text: afterFirst } };
    case 'me':
      if (!rest) return usage('/me');
      return { kind: 'frame', frame: { type: 'me', id: nextId(), text: rest } };
    case 'nick':
      if (!first || others.length > 0) return usage('/nick');
      return { kind: 'frame', frame: { type: 'nick', name: first } };
    case 'join':
      if (!first || others.length > 0) return usage('/join');
      return { kind: 'frame', frame: { type: 'join', room: first } };
    case 'switch':
    case 'go':
      if (!first || others.length > 0) return usage('/switch');
      return { kind: 'frame', frame: { type: 'switch', room: first } };
    case 'leave':
    case 'part':
      if (others.length > 0) return usage('/leave');
      return { kind: 'frame', frame: { type: 'leave', room: first || undefined } };
    case 'rooms':
    case 'list': {
      // A word starting with # is where the previous page ended; another word filters.
      const words = rest === '' ? [] : rest.split(/\s+/u);
      const after = words.filter((w) => w.startsWith('#'));
      const match = words.filter((w) => !w.startsWith('#'));
      if (after.length > 1 || match.length > 1) return usage('/rooms');
      const frame = withOptional(
        withOptional({ type: 'rooms' as const }, 'match', match[0]),
        'after',
        after[0],
      );
      return { kind: 'frame', frame };
    }
    case 'topic':
      return { kind: 'frame', frame: rest ? { type: 'topic', topic: rest } : { type: 'topic' } };
    case 'history': {
      if (others.length > 0 || (first !== '' && !/^\d{1,7}$/u.test(first))) {
        return usage('/history');
      }
      const limit = first === '' ? undefined : Number(first);
      // The id marks it as asked for, so an empty answer is still shown.
      return {
        kind: 'frame',
        frame: withOptional({ type: 'history', id: nextId() }, 'limit', limit),
      };
    }
    case 'register':
      if (!first || others.length > 0) return usage('/register');
      return { kind: 'frame', frame: { type: 'register', password: first } };
    case 'password':
      if (others.length !== 1 || !first) return usage('/password');
      return { kind: 'frame', frame: { type: 'password', current: first, password: others[0]! } };
    case 'kick':
      if (!first) return usage('/kick');
      return frame(withOptional({ type: 'kick', name: first }, 'reason', afterFirst));
    case 'ban':
    case 'mute': {
      if (!first) return usage(`/${word}`);
      const { duration, reason } = durationAndReason(afterFirst);
      if (duration === null) return usage(`/${word}`);
      const base =
        word === 'ban'
          ? { type: 'ban' as const, target: first }
          : { type: 'mute' as const, name: first };
      return frame(withOptional(withOptional(base, 'reason', reason), 'duration', duration));
    }
    case 'unban':
      if (!first || others.length > 0) return usage('/unban');
      return frame({ type: 'unban', target: first });
    case 'unmute':
    case 'op':
    case 'deop':
      if (!first || others.length > 0) return usage(`/${word}`);
      return frame({ type: word, name: first });
    case 'bans':
      if (first) return usage('/bans');
      return frame({ type: 'bans' });
    case 'quit':
    case 'exit':
      return { kind: 'frame', frame: { type: 'quit', reason: rest || undefined } };
    default:
      return {
        kind: 'error',
        error: natterError(
          'unknown_command',
          `unknown command /${echoInput(word, 32)}; /help lists the commands`,
        ),
      };
  }
}
