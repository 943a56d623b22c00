/**
 * Room names: `#` + 1–64 letters, digits or `_-.`, under the same rules as
 * user names (identifier.ts): nothing invisible, one recommended script, and
 * look-alikes meet. The key is what makes `#Lobby`, `#lobby` and a
 * whole-script look-alike one room.
 */
import { ROOM_NAME_MAX_CHARS } from '../protocol/limits.ts';
import { identityKey } from './confusables.ts';
import { identifierProblem } from './identifier.ts';

export type RoomCheck = { ok: true; name: string; key: string } | { ok: false; reason: string };

export function roomKey(name: string): string {
  const trimmed = name.trim();
  return trimmed.startsWith('#') ? `#${identityKey(trimmed.slice(1))}` : identityKey(trimmed);
}

export function checkRoomName(raw: string): RoomCheck {
  const name = raw.trim().normalize('NFC');
  if (!name.startsWith('#')) return { ok: false, reason: 'room names start with #' };
  const body = name.slice(1);
  const chars = [...body].length;
  if (chars < 1 || chars > ROOM_NAME_MAX_CHARS) {
    return { ok: false, reason: `room names are # and 1–${ROOM_NAME_MAX_CHARS} characters` };
  }
  if (/^\p{M}/u.test(body)) {
    return { ok: false, reason: 'a room name cannot start with a combining mark' };
  }
  const problem = identifierProblem(body, 'a room name');
  if (problem !== null) return { ok: false, reason: problem };
  return { ok: true, name, key: roomKey(name) };
}
