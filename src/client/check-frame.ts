/**
 * The client's boundary check on server frames. decodeServerFrame (shared
 * with every client) only checks `type`; this checks the field types the
 * client relies on, so a broken or hostile server cannot crash it with
 * `"room": 5` or `"users": null`. A frame that fails is dropped with a
 * warning; unknown extra fields are fine (newer servers may add them).
 */
import type { ServerFrame } from '../protocol/frames.ts';

type Check = (value: unknown) => boolean;

const str: Check = (v) => typeof v === 'string';
const num: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const bool: Check = (v) => typeof v === 'boolean';
const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined || check(v);
const arrayOf =
  (check: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(check);
const shape =
  (fields: Record<string, Check>): Check =>
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    Object.entries(fields).every(([key, check]) => check((v as Record<string, unknown>)[key]));

const FIELDS: Record<ServerFrame['type'], Record<string, Check>> = {
  welcome: {
    version: num,
    server: str,
    name: str,
    room: str,
    limits: shape({ maxLineBytes: num, maxMessageBytes: num }),
    token: optional(str),
    rooms: optional(arrayOf(str)),
    features: optional(arrayOf(str)),
  },
  ack: { id: str, msg: num, ts: num, offline: optional(bool) },
  read: { room: str, msg: num, unread: optional(num) },
  message: {
    msg: num,
    ts: num,
    from: str,
    kind: (v) => v === 'say' || v === 'me',
    text: str,
    room: optional(str),
    to: optional(str),
  },
  who: { room: str, users: arrayOf(str), count: optional(num), more: optional(bool) },
  join: { room: str, name: str, ts: num },
  leave: { room: str, name: str, ts: num, reason: optional(str) },
  nick: { old: str, name: str, ts: num },
  rooms: {
    rooms: arrayOf(shape({ room: str, members: num, topic: optional(str) })),
    more: optional(bool),
  },
  history: { room: optional(str), with: optional(str), count: num, more: bool },
  topic: { room: str, topic: (v) => v === null || str(v), by: optional(str), ts: optional(num) },
  registered: { name: str },
  account: { name: str, account: str },
  moderation: {
    action: str,
    room: optional(str),
    target: str,
    by: str,
    until: optional(num),
    reason: optional(str),
    ts: num,
  },
  bans: {
    entries: arrayOf(
      shape({
        room: optional(str),
        kind: str,
        target: str,
        until: (v) => v === null || num(v),
        reason: (v) => v === null || str(v),
        by: str,
      }),
    ),
  },
  notice: { text: str },
  error: { code: str, message: str, id: optional(str), fatal: optional(bool) },
  ping: { token: optional(str) },
  pong: { token: optional(str) },
  bye: { reason: str },
};

/** The name of the first field of a known frame type that has the wrong type, or null. */
export function badField(frame: ServerFrame): string | null {
  const fields = FIELDS[frame.type];
  if (!fields) return null;
  for (const [key, check] of Object.entries(fields)) {
    if (!check((frame as unknown as Record<string, unknown>)[key])) return key;
  }
  return null;
}
