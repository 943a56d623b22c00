/**
 * NDJSON frame encoding and validated decoding. Pure: strings in, typed
 * frames out, or a NatterError with a stable code. Unknown fields are
 * ignored (forward compatibility); unknown types and wrongly typed fields
 * are refused.
 */
import { natterError, isErrorCode } from './errors.ts';
import type { ClientFrame, ErrorFrame, ServerFrame, ResumePoint } from './frames.ts';
import { jsonDepthExceeds } from './json-depth.ts';

export const CLIENT_ID_MAX_CHARS = 64;
const TOKEN_MAX_CHARS = 64;
const PASSWORD_MAX_CHARS = 256;
const SHORT_TEXT_MAX_CHARS = 512;
const RESUME_MAX_ROOMS = 256;

type Json = Record<string, unknown>;

/** Serialises one frame as a complete NDJSON line. */
export function encodeFrame(frame: ServerFrame | ClientFrame): string {
  return JSON.stringify(frame) + '\n';
}

function parseObject(line: string, maxDepth: number): Json {
  if (jsonDepthExceeds(line, maxDepth)) {
    throw natterError('too_deep', `JSON nested deeper than ${maxDepth} levels`);
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw natterError('bad_json', 'line is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw natterError('bad_json', 'a frame must be a JSON object');
  }
  return value as Json;
}

// ---- field readers: each throws bad_frame naming the field -------------------

function fieldError(type: string, key: string, expected: string) {
  return natterError('bad_frame', `${type}.${key} must be ${expected}`);
}

function str(o: Json, key: string, max: number): string {
  const v = o[key];
  if (typeof v !== 'string') throw fieldError(String(o.type), key, 'a string');
  if (v.length > max) throw fieldError(String(o.type), key, `at most ${max} characters`);
  return v;
}

function optStr(o: Json, key: string, max: number): string | undefined {
  return o[key] === undefined ? undefined : str(o, key, max);
}

function clientId(o: Json): string {
  const id = str(o, 'id', CLIENT_ID_MAX_CHARS);
  if (id.length === 0) throw fieldError(String(o.type), 'id', 'a non-empty string');
  return id;
}

function optId(o: Json, key: string): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw fieldError(String(o.type), key, 'a non-negative integer');
  }
  return v;
}

function resumePoint(o: Json): ResumePoint | undefined {
  const v = o.resume;
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw fieldError('hello', 'resume', 'an object of room: last message id');
  }
  const entries = Object.entries(v);
  if (entries.length > RESUME_MAX_ROOMS) {
    throw fieldError('hello', 'resume', `at most ${RESUME_MAX_ROOMS} rooms`);
  }
  const out: ResumePoint = {};
  for (const [room, last] of entries) {
    if (typeof last !== 'number' || !Number.isSafeInteger(last) || last < 0) {
      throw fieldError('hello', `resume["${room.slice(0, 64)}"]`, 'a non-negative integer');
    }
    out[room] = last;
  }
  return out;
}

/**
 * Decodes one line from a client. `maxTextChars` bounds text fields before
 * the core checks their byte length, so nothing huge is copied around.
 */
export function decodeClientFrame(
  line: string,
  limits: { maxJsonDepth: number; maxTextChars: number },
): ClientFrame {
  const o = parseObject(line, limits.maxJsonDepth);
  const frame = readClientFrame(o, limits.maxTextChars);
  // Any request may carry an id to match the answer; say/me/msg require one.
  if (frame.id === undefined && o.id !== undefined) frame.id = clientId(o);
  // Absent optional fields are left out rather than present as undefined.
  const fields = frame as unknown as Json;
  for (const key of Object.keys(fields)) if (fields[key] === undefined) delete fields[key];
  return frame;
}

function readClientFrame(o: Json, text: number): ClientFrame {
  switch (o.type) {
    case 'hello': {
      const version = o.version;
      if (typeof version !== 'number' || !Number.isInteger(version)) {
        throw fieldError('hello', 'version', 'an integer');
      }
      return {
        type: 'hello',
        version,
        name: str(o, 'name', SHORT_TEXT_MAX_CHARS),
        client: optStr(o, 'client', SHORT_TEXT_MAX_CHARS),
        resume: resumePoint(o),
        token: optStr(o, 'token', TOKEN_MAX_CHARS),
        password: optStr(o, 'password', PASSWORD_MAX_CHARS),
      };
    }
    case 'say':
    case 'me':
      return {
        type: o.type,
        id: clientId(o),
        text: str(o, 'text', text),
        room: optStr(o, 'room', SHORT_TEXT_MAX_CHARS),
      };
    case 'msg':
      return {
        type: 'msg',
        id: clientId(o),
        to: str(o, 'to', SHORT_TEXT_MAX_CHARS),
        text: str(o, 'text', text),
      };
    case 'who':
      return { type: 'who', room: optStr(o, 'room', SHORT_TEXT_MAX_CHARS) };
    case 'nick':
      return { type: 'nick', name: str(o, 'name', SHORT_TEXT_MAX_CHARS) };
    case 'join':
      return { type: 'join', room: str(o, 'room', SHORT_TEXT_MAX_CHARS) };
    case 'leave':
      return { type: 'leave', room: optStr(o, 'room', SHORT_TEXT_MAX_CHARS) };
    case 'rooms':
      return {
        type: 'rooms',
        after: optStr(o, 'after', SHORT_TEXT_MAX_CHARS),
        limit: optId(o, 'limit'),
        match: optStr(o, 'match', SHORT_TEXT_MAX_CHARS),
      };
    case 'history':
      return {
        type: 'history',
        room: optStr(o, 'room', SHORT_TEXT_MAX_CHARS),
        with: optStr(o, 'with', SHORT_TEXT_MAX_CHARS),
        before: optId(o, 'before'),
        after: optId(o, 'after'),
        limit: optId(o, 'limit'),
      };
    case 'topic':
      return {
        type: 'topic',
        room: optStr(o, 'room', SHORT_TEXT_MAX_CHARS),
        topic: optStr(o, 'topic', SHORT_TEXT_MAX_CHARS),
      };
    case 'register':
      return { type: 'register', password: str(o, 'password', PASSWORD_MAX_CHARS) };
    case 'password':
      return {
        type: 'password',
        current: str(o, 'current', PASSWORD_MAX_CHARS),
        password: str(o, 'password', PASSWORD_MAX_CHARS),
      };
    case 'kick':
      return {
        type: 'kick',
        name: str(o, 'name', SHORT_TEXT_MAX_CHARS),
        room: optStr(o, 'room', SHORT_TEXT_MAX_CHARS),
        reason: optStr(o, 'reason', SHORT_TEXT_MAX_CHARS),
      };
    case 'ban':
      return {
        type: 'ban',
        target: str(o, 'target', SHORT_TEXT_MAX_CHARS),
        room: optStr(o, 'room', SHORT_TEXT_MAX_CHARS),
        duration: optId(o, 'duration'),
        reason: optStr(o, 'reason', SHORT_TEXT_MAX_CHARS),
      };
    case 'unban':
      return {
        type: 'unban',
        target: str(o, 'target', SHORT_TEXT_MAX_CHARS),
        room: optStr(o, 'room', SHORT_TEXT_MAX_CHARS),
      };
    case 'mute':
      return {
        type: 'mute',
        name: str(o, 'name', SHORT_TEXT_MAX_CHARS),
        room: optStr(o, 'room', SHORT_TEXT_MAX_CHARS),
        duration: optId(o, 'duration'),
        reason: optStr(o, 'reason', SHORT_TEXT_MAX_CHARS),
      };
    case 'unmute':
    case 'op':
    case 'deop':
      return {
        type: o.type,
        name: str(o, 'name', SHORT_TEXT_MAX_CHARS),
        room: optStr(o, 'room', SHORT_TEXT_MAX_CHARS),
      };
    case 'bans':
      return { type: 'bans', room: optStr(o, 'room', SHORT_TEXT_MAX_CHARS) };
    case 'read': {
      const msg = optId(o, 'msg');
      if (msg === undefined) throw fieldError('read', 'msg', 'a non-negative integer');
      return { type: 'read', room: str(o, 'room', SHORT_TEXT_MAX_CHARS), msg };
    }
    case 'switch':
      return { type: 'switch', room: str(o, 'room', SHORT_TEXT_MAX_CHARS) };
    case 'ping':
    case 'pong':
      return { type: o.type, token: optStr(o, 'token', TOKEN_MAX_CHARS) };
    case 'quit':
      return { type: 'quit', reason: optStr(o, 'reason', SHORT_TEXT_MAX_CHARS) };
    default:
      if (typeof o.type !== 'string') throw fieldError('frame', 'type', 'a string');
      throw natterError('unknown_type', `unknown frame type "${o.type.slice(0, 32)}"`);
  }
}

/**
 * Decodes one line from a server. Clients are lenient: a frame type they do
 * not know is returned as null so newer servers can add events.
 */
export function decodeServerFrame(line: string): ServerFrame | null {
  const o = parseObject(line, 32);
  if (typeof o.type !== 'string') throw fieldError('frame', 'type', 'a string');
  if (o.type === 'error' && !isErrorCode(o.code)) {
    // Keep unknown codes readable rather than dropping the error; keep `id`
    // and `fatal` too, so the client can still match it to what it sent.
    const message = `${String(o.code)}: ${String(o.message)}`;
    const frame: ErrorFrame = { type: 'error', code: 'internal', message };
    if (typeof o.id === 'string') frame.id = o.id;
    if (o.fatal === true) frame.fatal = true;
    return frame;
  }
  return KNOWN_SERVER_TYPES.has(o.type) ? (o as unknown as ServerFrame) : null;
}

const KNOWN_SERVER_TYPES = new Set<string>([
  'welcome',
  'ack',
  'message',
  'who',
  'join',
  'leave',
  'nick',
  'rooms',
  'history',
  'topic',
  'registered',
  'account',
  'moderation',
  'bans',
  'notice',
  'error',
  'read',
  'ping',
  'pong',
  'bye',
]);
