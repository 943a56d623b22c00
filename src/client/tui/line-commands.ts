/**
 * What a typed line means in the full-screen client. Text-mode commands
 * are parsed as everywhere else (core/commands.ts), then aimed at the
 * conversation in view: a plain line goes to that room, or privately to
 * that person; /who, /topic, /leave and /history default to it too.
 * A few commands only make sense on a screen and are answered here.
 */
import { TEXT_COMMANDS, parseTextInput, type CommandHelp } from '../../core/commands.ts';
import {
  ROOM_SCOPED_TYPES,
  type ClientFrame,
  type MeFrame,
  type PrivateFrame,
  type SayFrame,
} from '../../protocol/frames.ts';
import { IGNORE_HELP } from '../ignore.ts';
import type { ChatModel } from './chat-model.ts';
import type { Conversation } from './conversation.ts';

export const SCREEN_COMMANDS: readonly CommandHelp[] = [
  { usage: '/query NAME', about: 'open a private conversation with NAME' },
  { usage: '/close', about: 'close this conversation (leaving the room)' },
  { usage: '/fingerprint', about: "show or hide the server certificate's fingerprint" },
  { usage: '/reconnect', about: 'connect again now (after a drop or a server restart)' },
  ...IGNORE_HELP,
];

/** Every command word, for Tab completion. */
export const COMMAND_WORDS: readonly string[] = [...TEXT_COMMANDS, ...SCREEN_COMMANDS]
  .map((c) => c.usage.split(' ')[0]!)
  .filter((word) => word !== '//text');

export type LineAction =
  | { kind: 'none' }
  | { kind: 'help' }
  | { kind: 'fingerprint' }
  | { kind: 'quit'; reason?: string }
  | { kind: 'error'; text: string }
  | { kind: 'switch'; conversation: Conversation }
  | { kind: 'close'; conversation: Conversation }
  | { kind: 'query'; name: string }
  | { kind: 'reconnect' }
  /** A message: shown at once in `conversation`, pending until acknowledged. */
  | { kind: 'message'; frame: SayFrame | MeFrame | PrivateFrame; conversation: Conversation }
  /** Any other request; `join` names the room to show once the server confirms it. */
  | { kind: 'request'; frame: ClientFrame; join?: string };

function screenCommand(line: string, model: ChatModel): LineAction | null {
  const match = /^\/(query|close|fingerprint|fp|reconnect)(?:\s+(.*))?$/iu.exec(line.trim());
  if (!match) return null;
  const word = match[1]!.toLowerCase();
  const args = (match[2] ?? '').trim().split(/\s+/u).filter(Boolean);
  const active = model.active;
  switch (word) {
    case 'query':
      // "/query NAME TEXT" sends too; that is /msg, handled by the common parser.
      if (args.length > 1) return null;
      if (args.length === 0) return { kind: 'error', text: 'usage: /query NAME' };
      return { kind: 'query', name: args[0]! };
    case 'close':
      if (!active) return { kind: 'error', text: 'nothing to close' };
      return active.kind === 'room'
        ? { kind: 'request', frame: { type: 'leave', room: active.title } }
        : { kind: 'close', conversation: active };
    case 'reconnect':
      return { kind: 'reconnect' };
    default:
      return { kind: 'fingerprint' };
  }
}

/** Interprets a line typed in the input. */
export function interpretLine(line: string, model: ChatModel, newId: () => string): LineAction {
  const screen = screenCommand(line, model);
  if (screen) return screen;
  const input = parseTextInput(line, newId);
  switch (input.kind) {
    case 'none':
      return { kind: 'none' };
    case 'help':
      return { kind: 'help' };
    case 'error':
      return { kind: 'error', text: `${input.error.code}: ${input.error.message}` };
    case 'frame':
      return aim(input.frame, model);
  }
}

/** A pasted line: always a message, even when it starts with `/` (pasted text is not run). */
export function literalLine(text: string, model: ChatModel, newId: () => string): LineAction {
  if (text.trim() === '') return { kind: 'none' };
  return aim({ type: 'say', id: newId(), text }, model);
}

/** Points a frame at the conversation in view when it names no room or person itself. */
function aim(frame: ClientFrame, model: ChatModel): LineAction {
  const active = model.active;
  const room = active?.kind === 'room' ? active.title : undefined;
  const person = active?.kind === 'private' ? active.title : undefined;
  const here = model.shown;
  switch (frame.type) {
    case 'say':
      if (person !== undefined) {
        return {
          kind: 'message',
          frame: { type: 'msg', id: frame.id, to: person, text: frame.text },
          conversation: here,
        };
      }
      return { kind: 'message', frame: { ...frame, room: frame.room ?? room }, conversation: here };
    case 'me':
      if (person !== undefined) {
        return {
          kind: 'error',
          text: 'actions (/me) are for rooms; this is a private conversation',
        };
      }
      return { kind: 'message', frame: { ...frame, room: frame.room ?? room }, conversation: here };
    case 'msg':
      return { kind: 'message', frame, conversation: model.openPrivate(frame.to) };
    case 'join': {
      const open = model.room(frame.room.startsWith('#') ? frame.room : `#${frame.room}`);
      if (open) return { kind: 'switch', conversation: open };
      return { kind: 'request', frame, join: frame.room };
    }
    case 'leave':
      if (frame.room === undefined && active?.kind === 'private') {
        return { kind: 'close', conversation: active };
      }
      return { kind: 'request', frame: { ...frame, room: frame.room ?? room } };
    case 'switch': {
      const open = model.room(frame.room.startsWith('#') ? frame.room : `#${frame.room}`);
      if (open) return { kind: 'switch', conversation: open };
      return { kind: 'error', text: `not_in_room: you are not in ${frame.room}` };
    }
    case 'history':
      if (person !== undefined) return { kind: 'request', frame: { ...frame, with: person } };
      return { kind: 'request', frame: { ...frame, room: room } };
    case 'quit':
      return { kind: 'quit', reason: frame.reason };
    default:
      if (
        ROOM_SCOPED_TYPES.has(frame.type) &&
        !('room' in frame && frame.room !== undefined) &&
        room
      ) {
        return { kind: 'request', frame: { ...frame, room } as ClientFrame };
      }
      return { kind: 'request', frame };
  }
}
