/**
 * Room names: `#` + 1–64 letters, digits or `_-.` from any script.
 * Rooms are case-insensitive; the key is what makes `#Lobby` and `#lobby` one room.
 */
import { ROOM_NAME_MAX_CHARS } from '../protocol/limits.ts';

export type RoomCheck = { ok: true; name: string; key: string } | { ok: false; reason: string };

const ROOM_BODY = /^[\p{L}\p{M}\p{Nd}_.-]+$/u;

export function roomKey(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

export function checkRoomName(raw: string): RoomCheck {
  const name = raw.trim().normalize('NFC');
  if (!name.startsWith('#')) return { ok: false, reason: 'room names start with #' };
  const body = name.slice(1);
  const chars = [...body].length;
  if (chars < 1 || chars > ROOM_NAME_MAX_CHARS) {
    return { ok: false, reason: `room names are # and 1–${ROOM_NAME_MAX_CHARS} characters` };
  }
  if (!ROOM_BODY.test(body)) {
    return { ok: false, reason: 'room names use letters, digits, _ - and . only' };
  }
  return { ok: true, name, key: roomKey(name) };
}
