/**
 * Seeded input generators and invariant checks shared by the fuzz tests
 * (test/fuzz/*.fuzz.test.ts), the server fuzz (test/abuse/) and the long run
 * (bench/fuzz.ts). Everything is derived from one seed, so a failure is
 * reproduced by re-running with the seed it prints.
 */
import { decodeClientFrame } from '../../src/protocol/codec.ts';
import { ERROR_CODES, NatterError, type ErrorCode } from '../../src/protocol/errors.ts';
import type { ClientFrame } from '../../src/protocol/frames.ts';
import { LineDecoder, type LineEvent } from '../../src/protocol/line-decoder.ts';
import { parseTextInput, type TextInput } from '../../src/core/commands.ts';

// ---- randomness --------------------------------------------------------------

/** mulberry32: tiny, fast, good enough to drive a fuzzer, and reproducible. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

// ---- building blocks ---------------------------------------------------------

/** Characters that have broken parsers before: controls, NUL, bidi, surrogates, wide. */
const NASTY_CHARS = [
  '\0',
  '\x01',
  '\x07',
  '\x1b',
  '\x7f',
  '\u0085',
  '\u009b',
  '\t',
  '\r',
  '\v',
  '\f',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\u202e',
  '\u2066',
  '\u200b',
  '\ufeff',
  '\ufffd',
  '\ud800', // lone surrogates
  '\udfff',
  '\u{1f600}',
  'é',
  'е', // Cyrillic e
  '"',
  '\\',
  '/',
  '#',
  '@',
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  ' ',
];

const WORDS = ['alice', 'bob', '#lobby', '#room', 'hello', 'x', 'admin', 'type', 'id', '__proto__'];

export function randomString(rng: Rng, maxLength = 24): string {
  const length = rng.chance(0.1) ? 0 : rng.range(1, maxLength);
  let out = '';
  while (out.length < length) {
    const roll = rng.next();
    if (roll < 0.5) out += String.fromCharCode(rng.range(0x20, 0x7e));
    else if (roll < 0.8) out += rng.pick(NASTY_CHARS);
    else if (roll < 0.9) out += rng.pick(WORDS);
    else out += String.fromCodePoint(rng.int(0x110000 - 0x800) + (rng.chance(0.5) ? 0 : 0x800));
  }
  return out;
}

/** Numbers JSON can carry and some it cannot (as raw literals, see WEIRD_NUMBER_LITERALS). */
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  1e308,
  -1e308,
  5e-324,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  Number.MAX_SAFE_INTEGER,
  4294967296,
  1e21,
  123456789,
];

/** Literals that are not valid JSON numbers, or overflow, or lose precision. */
const WEIRD_NUMBER_LITERALS = [
  '1e999',
  '-1e999',
  '-0',
  '-0.0',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '01',
  '.5',
  '1.',
  '-',
  '1e',
  '+1',
  '9007199254740993',
  '1e-400',
  '1' + '0'.repeat(400),
];

function randomNumber(rng: Rng): number {
  return rng.chance(0.7) ? rng.pick(NUMBERS) : (rng.next() - 0.5) * 10 ** rng.range(0, 30);
}

/** A JSON value of any type, nested up to `depth`. */
export function randomValue(rng: Rng, depth = 3): unknown {
  const roll = rng.int(depth > 0 ? 8 : 6);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return randomNumber(rng);
    case 3:
    case 4:
      return randomString(rng);
    case 5:
      return rng.pick(WORDS);
    case 6: {
      const items: unknown[] = [];
      for (let i = rng.int(4); i > 0; i--) items.push(randomValue(rng, depth - 1));
      return items;
    }
    default: {
      const object: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--) {
        object[rng.chance(0.5) ? rng.pick(WORDS) : randomString(rng, 8)] = randomValue(
          rng,
          depth - 1,
        );
      }
      return object;
    }
  }
}

export const CLIENT_TYPES = [
  'hello',
  'say',
  'me',
  'msg',
  'who',
  'nick',
  'join',
  'leave',
  'rooms',
  'history',
  'topic',
  'register',
  'password',
  'kick',
  'ban',
  'unban',
  'mute',
  'unmute',
  'op',
  'deop',
  'bans',
  'ping',
  'pong',
  'quit',
] as const;

const FIELDS = [
  'version',
  'name',
  'client',
  'resume',
  'token',
  'id',
  'text',
  'room',
  'to',
  'with',
  'before',
  'after',
  'limit',
  'topic',
  'reason',
  'password',
  'current',
  'target',
  'duration',
];

function roomName(rng: Rng): string {
  return rng.chance(0.8) ? `#r${rng.int(80)}` : randomString(rng, 70);
}

function userName(rng: Rng): string {
  return rng.chance(0.7) ? `u${rng.int(1000)}` : randomString(rng, 40);
}

/** A frame of a known type with plausible (usually valid) fields. */
export function validFrame(
  rng: Rng,
  options: { allowQuit?: boolean } = {},
): Record<string, unknown> {
  const types =
    options.allowQuit === false ? CLIENT_TYPES.filter((t) => t !== 'quit') : CLIENT_TYPES;
  const type = rng.pick(types);
  const id = `f${rng.int(1e9)}`;
  switch (type) {
    case 'hello': {
      const resume: Record<string, number> = {};
      for (let i = rng.int(4); i > 0; i--) resume[roomName(rng)] = rng.int(1000);
      return { type, version: 1, name: userName(rng), ...(rng.chance(0.5) ? { resume } : {}) };
    }
    case 'say':
    case 'me':
      return {
        type,
        id,
        text: randomString(rng, 200),
        ...(rng.chance(0.3) ? { room: roomName(rng) } : {}),
      };
    case 'msg':
      return { type, id, to: userName(rng), text: randomString(rng, 100) };
    case 'who':
    case 'leave':
      return rng.chance(0.5) ? { type } : { type, room: roomName(rng) };
    case 'nick':
      return { type, name: userName(rng) };
    case 'join':
      return { type, room: roomName(rng) };
    case 'rooms': {
      const frame: Record<string, unknown> = { type };
      if (rng.chance(0.3)) frame.after = rng.chance(0.7) ? roomName(rng) : randomString(rng, 20);
      if (rng.chance(0.3)) frame.match = randomString(rng, 20);
      if (rng.chance(0.3)) frame.limit = rng.pick([0, 1, 100, 500, 501, 1e9]);
      return frame;
    }
    case 'history': {
      const frame: Record<string, unknown> = { type };
      if (rng.chance(0.4)) frame.room = roomName(rng);
      if (rng.chance(0.2)) frame.with = rng.chance(0.3) ? '' : userName(rng);
      if (rng.chance(0.3)) frame.before = rng.int(1e6);
      if (rng.chance(0.3)) frame.after = rng.int(1e6);
      if (rng.chance(0.5)) frame.limit = rng.pick([0, 1, 10, 1000, 1001, 1e9]);
      return frame;
    }
    case 'topic':
      return rng.chance(0.5) ? { type } : { type, topic: randomString(rng, 80) };
    case 'register':
      return { type, password: randomString(rng, 40) };
    case 'password':
      return { type, current: randomString(rng, 20), password: randomString(rng, 40) };
    case 'kick':
      return {
        type,
        name: userName(rng),
        ...(rng.chance(0.5) ? { reason: randomString(rng, 40) } : {}),
      };
    case 'ban':
      return {
        type,
        target: rng.chance(0.5)
          ? userName(rng)
          : rng.pick(['10.0.0.1', '10.0.0.0/8', '::1', '1.2.3.4/33']),
        ...(rng.chance(0.5) ? { duration: rng.int(1e9) } : {}),
        ...(rng.chance(0.3) ? { room: roomName(rng) } : {}),
      };
    case 'unban':
      return { type, target: userName(rng) };
    case 'mute':
    case 'unmute':
    case 'op':
    case 'deop':
      return { type, name: userName(rng), ...(rng.chance(0.3) ? { room: roomName(rng) } : {}) };
    case 'bans':
      return rng.chance(0.5) ? { type } : { type, room: roomName(rng) };
    case 'ping':
    case 'pong':
      return rng.chance(0.5) ? { type } : { type, token: randomString(rng, 70) };
    case 'quit':
      return rng.chance(0.5) ? { type } : { type, reason: randomString(rng, 40) };
  }
}

/** Changes one thing about a frame object: a field's type, its presence, the type, a stray key. */
export function mutateFrame(rng: Rng, frame: Record<string, unknown>): Record<string, unknown> {
  const out = { ...frame };
  const keys = Object.keys(out);
  switch (rng.int(7)) {
    case 0: // a field of the wrong type
      out[rng.pick(keys)] = randomValue(rng, 2);
      break;
    case 1: // a required field missing
      delete out[rng.pick(keys)];
      break;
    case 2: // an unknown or misspelt type
      out.type = rng.pick([
        randomString(rng, 10),
        'SAY',
        'say ',
        'hello\0',
        '',
        '__proto__',
        'constructor',
        'toString',
        42,
        null,
        ['say'],
      ]);
      break;
    case 3: // extra fields, which must be ignored
      out[rng.pick(WORDS)] = randomValue(rng, 2);
      break;
    case 4: // any known field, with any value
      out[rng.pick(FIELDS)] = randomValue(rng, 2);
      break;
    case 5: // a number field with an edge value
      out[rng.pick(['version', 'before', 'after', 'limit'])] = randomNumber(rng);
      break;
    default: // a resume object that is not one
      out.resume = rng.pick([
        [],
        { '#a': -1 },
        { '#a': 1.5 },
        { '#a': '1' },
        JSON.parse('{"__proto__":1,"constructor":2}') as unknown,
        Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`#r${i}`, i])),
        randomValue(rng, 2),
      ]);
  }
  return out;
}

/** Textual damage to a serialised line. */
function mutateText(rng: Rng, text: string): string {
  switch (rng.int(9)) {
    case 0: // truncated
      return text.slice(0, rng.int(text.length + 1));
    case 1: {
      // a random character inserted
      const at = rng.int(text.length + 1);
      return text.slice(0, at) + rng.pick(NASTY_CHARS) + text.slice(at);
    }
    case 2: {
      // a character deleted
      const at = rng.int(text.length);
      return text.slice(0, at) + text.slice(at + 1);
    }
    case 3: // a number replaced with a weird literal
      return text.replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/iu, rng.pick(WEIRD_NUMBER_LITERALS));
    case 4: // a duplicate key appended (the later one wins in JSON.parse)
      return text.replace(/\}$/u, `,"type":${JSON.stringify(rng.pick(CLIENT_TYPES))}}`);
    case 5: // an escape inside the first string value: bad, lone surrogate, or cut short
      return text.replace(
        /":"/u,
        '":"' +
          rng.pick(['\\x41', '\\u12', '\\ud800', '\\udc00\\ud800', '\\', '\\uZZZZ', '\\u0000']),
      );
    case 6: // whitespace around, or a BOM in front
      return rng.pick(['\ufeff', ' ', '\t', '\r', '']) + text + rng.pick([' ', '\t', '\r', '']);
    case 7: // two frames on one line
      return text + text;
    default: // wrapped in an array or a string
      return rng.chance(0.5) ? `[${text}]` : JSON.stringify(text);
  }
}

/** Deep nesting, both as a whole line and inside a frame's field. */
export function deepNesting(rng: Rng): string {
  const depth = rng.pick([5, 8, 9, 10, 64, 1000, 5000]);
  switch (rng.int(4)) {
    case 0:
      return '['.repeat(depth) + ']'.repeat(depth);
    case 1:
      return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    case 2:
      return `{"type":"say","id":"x","text":"t","extra":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    default: // unbalanced: opens only, or closes first
      return rng.chance(0.5) ? '['.repeat(depth) : ']'.repeat(depth) + '['.repeat(depth);
  }
}

/** A syntactically valid frame whose line is close to `maxLineBytes` (just under or just over). */
export function nearLimitLine(rng: Rng, maxLineBytes: number): string {
  const head = `{"type":"say","id":"long","text":"`;
  const tail = '"}';
  const target = maxLineBytes + rng.range(-3, 3) - head.length - tail.length;
  // Multi-byte characters make characters and bytes disagree, which is the point.
  const unit = rng.pick(['a', 'é', '€', '\u{1f600}']);
  const unitBytes = Buffer.byteLength(unit);
  return head + unit.repeat(Math.max(0, Math.floor(target / unitBytes))) + tail;
}

export interface FuzzLineOptions {
  maxLineBytes: number;
  /** Share of near-limit lines (they are big; the server fuzz keeps this low). */
  longShare?: number;
  allowQuit?: boolean;
}

/** One fuzzed native line, as text (the server fuzz and the frame decoder use this). */
export function fuzzFrameText(rng: Rng, options: FuzzLineOptions): string {
  const roll = rng.next();
  if (roll < (options.longShare ?? 0.01)) return nearLimitLine(rng, options.maxLineBytes);
  if (roll < 0.25) return JSON.stringify(validFrame(rng, options));
  if (roll < 0.55) return JSON.stringify(mutateFrame(rng, validFrame(rng, options)));
  if (roll < 0.8) return mutateText(rng, JSON.stringify(validFrame(rng, options)));
  if (roll < 0.87) return deepNesting(rng);
  if (roll < 0.93) return JSON.stringify(randomValue(rng, 4));
  return randomString(rng, 200);
}

/** Byte-level damage: what a line decoder sees before any UTF-8 decoding. */
const BAD_BYTES: readonly number[][] = [
  [0xe2, 0x82], // truncated 3-byte sequence
  [0xf0, 0x9f, 0x98], // truncated 4-byte sequence
  [0xc0, 0x80], // overlong NUL
  [0xed, 0xa0, 0x80], // encoded surrogate
  [0xff],
  [0xfe],
  [0x80],
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0x00],
  [0x0d],
  [0xef, 0xbb, 0xbf], // BOM
];

/** One fuzzed native line as bytes, without its newline. */
export function fuzzLineBytes(rng: Rng, options: FuzzLineOptions): Buffer {
  const text = Buffer.from(fuzzFrameText(rng, options));
  if (!rng.chance(0.2)) return text;
  const bad = Buffer.from(rng.pick(BAD_BYTES));
  const at = rng.int(text.length + 1);
  return Buffer.concat([text.subarray(0, at), bad, text.subarray(at)]);
}

// ---- text-mode input ---------------------------------------------------------

const COMMAND_WORDS = [
  'help',
  '?',
  'who',
  'msg',
  'query',
  'tell',
  'me',
  'nick',
  'join',
  'leave',
  'part',
  'rooms',
  'list',
  'topic',
  'history',
  'quit',
  'exit',
  'HELP',
  'Msg',
  'JOIN',
  '',
  '/',
  'unknown',
  'x'.repeat(100),
  'mé',
  'İ',
];

const SEPARATORS = [' ', '  ', '\t', '\u00a0', '\u2003', '\u3000', '\u2028', '\v', '\f', '\r', ''];

const ARGUMENTS = [
  'alice',
  '#room',
  '#',
  '10',
  '0',
  '007',
  '9999999',
  '10000000',
  '-5',
  '1e3',
  '٣', // Arabic-Indic digit three
  '１２', // full-width digits
  '',
  '//',
];

/** One fuzzed text-mode line (no newline). */
export function fuzzTextLine(rng: Rng): string {
  if (rng.chance(0.2)) return randomString(rng, 80);
  let line = rng.chance(0.8) ? '/' + rng.pick(COMMAND_WORDS) : rng.pick(['', '//', ' /', '/ ']);
  for (let i = rng.int(4); i > 0; i--) {
    line += rng.pick(SEPARATORS);
    line += rng.chance(0.7) ? rng.pick(ARGUMENTS) : randomString(rng, 12);
  }
  if (rng.chance(0.2)) line += rng.pick(SEPARATORS);
  return line;
}

// ---- invariants --------------------------------------------------------------

/** Codes the frame decoder may refuse with; anything else is a bug. */
export const DECODER_CODES: ReadonlySet<ErrorCode> = new Set([
  'bad_json',
  'bad_frame',
  'too_deep',
  'unknown_type',
]);

const SHORT = 512;
const ID_MAX = 64;

/** Fields each decoded frame type may carry (besides `id`, which any request may carry). */
const ALLOWED_FIELDS: Record<ClientFrame['type'], readonly string[]> = {
  hello: ['version', 'name', 'client', 'resume', 'token', 'password'],
  say: ['text', 'room'],
  me: ['text', 'room'],
  msg: ['to', 'text'],
  who: ['room'],
  nick: ['name'],
  join: ['room'],
  leave: ['room'],
  rooms: ['after', 'limit', 'match'],
  history: ['room', 'with', 'before', 'after', 'limit'],
  topic: ['room', 'topic'],
  register: ['password'],
  password: ['current', 'password'],
  kick: ['name', 'room', 'reason'],
  ban: ['target', 'room', 'duration', 'reason'],
  unban: ['target', 'room'],
  mute: ['name', 'room', 'duration', 'reason'],
  unmute: ['name', 'room'],
  op: ['name', 'room'],
  deop: ['name', 'room'],
  bans: ['room'],
  read: ['room', 'msg'],
  switch: ['room'],
  ping: ['token'],
  pong: ['token'],
  quit: ['reason'],
};
const REQUIRED_FIELDS: Partial<Record<ClientFrame['type'], readonly string[]>> = {
  hello: ['version', 'name'],
  say: ['id', 'text'],
  me: ['id', 'text'],
  msg: ['id', 'to', 'text'],
  nick: ['name'],
  join: ['room'],
  register: ['password'],
  password: ['current', 'password'],
  kick: ['name'],
  ban: ['target'],
  unban: ['target'],
  mute: ['name'],
  unmute: ['name'],
  op: ['name'],
  deop: ['name'],
};
const STRING_LIMITS: Record<string, number> = {
  name: SHORT,
  client: SHORT,
  token: ID_MAX,
  id: ID_MAX,
  room: SHORT,
  to: SHORT,
  with: SHORT,
  topic: SHORT,
  reason: SHORT,
  target: SHORT,
  password: 256,
  current: 256,
};

export class InvariantError extends Error {
  override name = 'InvariantError';
}

function fail(message: string): never {
  throw new InvariantError(message);
}

/** Checks what decodeClientFrame returned satisfies the frame types' promises. */
export function checkClientFrame(frame: ClientFrame, maxTextChars: number): void {
  const fields = frame as unknown as Record<string, unknown>;
  if (!Object.hasOwn(ALLOWED_FIELDS, frame.type)) fail(`unknown type ${String(frame.type)}`);
  const allowed = ALLOWED_FIELDS[frame.type];
  if (Object.getPrototypeOf(frame) !== Object.prototype) fail('frame has an odd prototype');
  for (const [key, value] of Object.entries(fields)) {
    if (key !== 'type' && key !== 'id' && !allowed.includes(key)) {
      fail(`${frame.type} carries unexpected field ${key}`);
    }
    if (value === undefined) fail(`${frame.type}.${key} is present but undefined`);
  }
  for (const key of REQUIRED_FIELDS[frame.type] ?? []) {
    if (!(key in fields)) fail(`${frame.type}.${key} is missing`);
  }
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'type') continue;
    // rooms pages by room name: its `after` is a string, unlike history's message id.
    if (frame.type === 'rooms' && (key === 'after' || key === 'match')) {
      if (typeof value !== 'string') fail(`rooms.${key} is not a string`);
      if (value.length > SHORT) fail(`rooms.${key} is ${value.length} long`);
      continue;
    }
    if (key in STRING_LIMITS) {
      if (typeof value !== 'string') fail(`${frame.type}.${key} is not a string`);
      if (value.length > STRING_LIMITS[key]!) fail(`${frame.type}.${key} is ${value.length} long`);
    } else if (key === 'text') {
      if (typeof value !== 'string') fail(`${frame.type}.text is not a string`);
      if (value.length > maxTextChars) fail(`${frame.type}.text is ${value.length} long`);
    } else if (key === 'version') {
      if (typeof value !== 'number' || !Number.isInteger(value))
        fail('hello.version not an integer');
    } else if (key === 'before' || key === 'after' || key === 'limit' || key === 'duration') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        fail(`history.${key} is ${String(value)}`);
      }
    } else if (key === 'resume') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('bad resume');
      const entries = Object.entries(value);
      if (entries.length > 256) fail(`resume has ${entries.length} rooms`);
      for (const [, last] of entries) {
        if (typeof last !== 'number' || !Number.isSafeInteger(last) || last < 0) {
          fail(`resume point ${String(last)}`);
        }
      }
    }
  }
  if ('id' in frame && frame.id === '') fail('empty client id');
}

export type DecodeOutcome = { frame: ClientFrame } | { code: ErrorCode };

/**
 * Decodes one line and checks every invariant: only NatterErrors with a
 * decoder code escape, decoded frames are well formed, and decoding the
 * frame again gives the same frame.
 */
export function checkDecode(
  line: string,
  limits: { maxJsonDepth: number; maxTextChars: number },
): DecodeOutcome {
  let frame: ClientFrame;
  try {
    frame = decodeClientFrame(line, limits);
  } catch (error) {
    if (!(error instanceof NatterError)) {
      fail(`threw a non-NatterError: ${String(error)}`);
    }
    if (!(ERROR_CODES as readonly string[]).includes(error.code))
      fail(`unknown code ${error.code}`);
    if (!DECODER_CODES.has(error.code)) fail(`unexpected code ${error.code}`);
    if (error.fatal) fail(`decoder error ${error.code} is fatal`);
    if (error.message.length > 200) fail(`error message is ${error.message.length} long`);
    return { code: error.code };
  }
  checkClientFrame(frame, limits.maxTextChars);
  let again: ClientFrame;
  try {
    again = decodeClientFrame(JSON.stringify(frame), limits);
  } catch (error) {
    fail(`a decoded frame does not decode again: ${String(error)}`);
  }
  if (JSON.stringify(again) !== JSON.stringify(frame)) fail('decoding is not idempotent');
  return { frame };
}

/** Events reduced to comparable values. */
export type SimpleEvent = { line: string } | { error: ErrorCode; fatal: boolean };

function simplify(events: LineEvent[]): SimpleEvent[] {
  return events.map((e) => {
    if ('line' in e) return { line: e.line };
    if (!(e.error instanceof NatterError)) fail('line decoder error is not a NatterError');
    return { error: e.error.code, fatal: e.error.fatal };
  });
}

/**
 * What a line decoder must produce for a byte stream, written from the
 * spec rather than the implementation: lines split at \n, one trailing \r
 * dropped, a line over the limit (a trailing \r may be the one byte over)
 * is fatal and ends everything, invalid UTF-8 is an error for that line only.
 */
export function referenceLines(stream: Uint8Array, limit: number): SimpleEvent[] {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const out: SimpleEvent[] = [];
  const tooLong = (segment: Uint8Array) =>
    segment.length > limit && !(segment.length === limit + 1 && segment.at(-1) === 0x0d);
  let start = 0;
  for (;;) {
    const newline = stream.indexOf(0x0a, start);
    const segment = stream.subarray(start, newline === -1 ? stream.length : newline);
    if (tooLong(segment)) {
      out.push({ error: 'too_long', fatal: true });
      return out;
    }
    if (newline === -1) return out;
    const body = segment.at(-1) === 0x0d ? segment.subarray(0, segment.length - 1) : segment;
    try {
      out.push({ line: utf8.decode(body) });
    } catch {
      out.push({ error: 'bad_utf8', fatal: false });
    }
    start = newline + 1;
  }
}

/**
 * Feeds `stream` to a LineDecoder in random chunks, checking after every
 * push that it never holds more than limit + 1 bytes, and that the events
 * are those of the reference. Returns the events.
 */
export function checkLineDecoder(rng: Rng, stream: Uint8Array, limit: number): SimpleEvent[] {
  const decoder = new LineDecoder(limit);
  const events: SimpleEvent[] = [];
  let offset = 0;
  while (offset < stream.length) {
    const size = rng.chance(0.3) ? 1 : rng.range(1, Math.max(1, rng.pick([8, 64, limit * 2])));
    const chunk = stream.subarray(offset, offset + size);
    offset += chunk.length;
    const pushed = simplify(decoder.push(chunk));
    if (decoder.bufferedBytes > limit + 1) fail(`buffered ${decoder.bufferedBytes} bytes`);
    for (const event of pushed) {
      if ('line' in event && Buffer.byteLength(event.line) > limit) fail('a line over the limit');
      if ('line' in event && event.line.includes('\n')) fail('a line with a newline');
    }
    events.push(...pushed);
    if (decoder.failed && decoder.push(Uint8Array.of(0x61, 0x0a)).length > 0) {
      fail('a failed decoder produced more events');
    }
  }
  const expected = referenceLines(stream, limit);
  if (JSON.stringify(events) !== JSON.stringify(expected)) {
    fail(
      `events differ from the reference: ${JSON.stringify(events).slice(0, 300)} vs ${JSON.stringify(expected).slice(0, 300)}`,
    );
  }
  return events;
}

/** A stream of several fuzzed lines, some joined with \r\n, some cut off at the end. */
export function fuzzStream(rng: Rng, limit: number): Uint8Array {
  const parts: Buffer[] = [];
  for (let i = rng.range(1, 6); i > 0; i--) {
    parts.push(fuzzLineBytes(rng, { maxLineBytes: limit, longShare: 0.15 }));
    if (i > 1 || rng.chance(0.7)) parts.push(Buffer.from(rng.pick(['\n', '\r\n', '\n', '\r\r\n'])));
  }
  if (rng.chance(0.05)) parts.push(Buffer.alloc(limit + rng.range(-1, 2), 0x61));
  return Buffer.concat(parts);
}

const TEXT_FRAME_TYPES = new Set([
  'say',
  'me',
  'msg',
  'who',
  'nick',
  'join',
  'leave',
  'rooms',
  'topic',
  'history',
  'quit',
  'register',
  'password',
  'kick',
  'ban',
  'unban',
  'mute',
  'unmute',
  'op',
  'deop',
  'bans',
]);
const TEXT_ERROR_CODES = new Set<ErrorCode>(['bad_arguments', 'unknown_command']);
const WHITESPACE = /\s/u;

/** Parses one text line and checks what came back. */
export function checkTextInput(line: string): TextInput {
  let ids = 0;
  const nextId = () => `t${++ids}`;
  let input: TextInput;
  try {
    input = parseTextInput(line, nextId);
  } catch (error) {
    fail(`parseTextInput threw: ${String(error)}`);
  }
  const blank = line.trim() === '';
  if ((input.kind === 'none') !== blank)
    fail(`kind ${input.kind} for a ${blank ? '' : 'non-'}blank line`);
  if (input.kind === 'error') {
    if (!(input.error instanceof NatterError)) fail('error is not a NatterError');
    if (!TEXT_ERROR_CODES.has(input.error.code)) fail(`unexpected code ${input.error.code}`);
    if (input.error.message.length > 120)
      fail(`error message is ${input.error.message.length} long`);
  }
  if (input.kind !== 'frame') {
    if (ids !== 0) fail('an id was taken for something that is not a frame');
    return input;
  }
  const frame = input.frame;
  if (!TEXT_FRAME_TYPES.has(frame.type)) fail(`unexpected frame type ${frame.type}`);
  // Messages need an id for their ack; /history takes one so an empty answer is still shown.
  const wantsId = ['say', 'me', 'msg', 'history'].includes(frame.type);
  if (ids !== (wantsId ? 1 : 0)) fail(`${ids} ids taken for ${frame.type}`);
  if ('id' in frame && frame.id !== 't1') fail('the frame does not carry the id it was given');
  const word = (value: string | undefined, what: string, optional: boolean) => {
    if (value === undefined) {
      if (!optional) fail(`${what} missing`);
      return;
    }
    if (value === '' || WHITESPACE.test(value)) fail(`${what} ${JSON.stringify(value)}`);
  };
  switch (frame.type) {
    case 'say': {
      const expected = line.startsWith('//') ? line.slice(1) : line;
      if (frame.text !== expected) fail('say changed the text');
      break;
    }
    case 'me':
      if (frame.text === '' || frame.text !== frame.text.trim()) fail('me text not trimmed');
      break;
    case 'msg':
      word(frame.to, 'msg.to', false);
      if (frame.text === '' || frame.text !== frame.text.trim()) fail('msg text not trimmed');
      break;
    case 'nick':
      word(frame.name, 'nick.name', false);
      break;
    case 'join':
      word(frame.room, 'join.room', false);
      break;
    case 'who':
    case 'leave':
      word(frame.room, `${frame.type}.room`, true);
      break;
    case 'history':
      if (
        frame.limit !== undefined &&
        (!Number.isSafeInteger(frame.limit) || frame.limit < 0 || frame.limit > 9_999_999)
      ) {
        fail(`history limit ${frame.limit}`);
      }
      break;
    case 'topic':
      if (frame.topic !== undefined && frame.topic.trim() === '') fail('blank topic');
      break;
    case 'quit':
      if (frame.reason !== undefined && frame.reason.trim() === '') fail('blank quit reason');
      break;
  }
  return input;
}
