/**
 * IRC messages (Modern IRC, with IRCv3 message tags): one line in, one
 * structured message out, and back. Pure: strings in, values or errors out.
 *
 * Size rules: the tags part (from `@` to its trailing space) may be up to
 * 8191 bytes, the rest up to 510 bytes (512 with the CRLF the line decoder
 * already removed). A line over either is refused with `too_long`; the
 * connection decides whether that is fatal.
 */
import { natterError, type NatterError } from './errors.ts';

export const IRC_TAGS_MAX_BYTES = 8191;
/** 512 bytes minus the CRLF. */
export const IRC_BODY_MAX_BYTES = 510;
/** The longest line a connection may buffer: tags, body, and the CRLF. */
export const IRC_LINE_MAX_BYTES = IRC_TAGS_MAX_BYTES + IRC_BODY_MAX_BYTES + 2;
/** Modern IRC allows at most 15 parameters. */
const MAX_PARAMS = 15;

export interface IrcMessage {
  tags: Map<string, string>;
  /** The source (prefix) without its `:`, when the line had one. */
  source?: string;
  /** Upper-cased command word, or a three-digit numeric. */
  command: string;
  params: string[];
}

export type IrcParse = { ok: true; message: IrcMessage } | { ok: false; error: NatterError };

const COMMAND = /^(?:[A-Za-z]+|\d{3})$/u;
const TAG_KEY = /^\+?(?:[A-Za-z0-9.-]+\/)?[A-Za-z0-9-]+$/u;

/** UTF-8 length without Buffer, so the browser can share this module. */
export function utf8Bytes(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

const UNESCAPES: Record<string, string> = { ':': ';', s: ' ', '\\': '\\', r: '\r', n: '\n' };

export function unescapeTagValue(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = raw[i + 1];
    i++;
    if (next === undefined) break; // a trailing lone backslash is dropped
    out += UNESCAPES[next] ?? next;
  }
  return out;
}

export function escapeTagValue(value: string): string {
  return value.replace(/[;\s\\]/gu, (c) =>
    c === ';' ? '\\:' : c === ' ' ? '\\s' : c === '\\' ? '\\\\' : c === '\r' ? '\\r' : '\\n',
  );
}

function parseTags(raw: string): Map<string, string> | NatterError {
  const tags = new Map<string, string>();
  for (const item of raw.split(';')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = eq === -1 ? item : item.slice(0, eq);
    if (!TAG_KEY.test(key)) return natterError('bad_frame', 'malformed message tag');
    tags.set(key, eq === -1 ? '' : unescapeTagValue(item.slice(eq + 1)));
  }
  return tags;
}

/** Parses one line (without its CRLF). */
export function parseIrcLine(line: string): IrcParse {
  let rest = line;
  let tags = new Map<string, string>();
  if (rest.startsWith('@')) {
    const space = rest.indexOf(' ');
    if (space === -1) return fail('bad_frame', 'a line of tags only');
    if (utf8Bytes(rest.slice(0, space + 1)) > IRC_TAGS_MAX_BYTES) {
      return fail('too_long', `message tags longer than ${IRC_TAGS_MAX_BYTES} bytes`);
    }
    const parsed = parseTags(rest.slice(1, space));
    if (parsed instanceof Error) return { ok: false, error: parsed };
    tags = parsed;
    rest = rest.slice(space + 1).replace(/^ +/u, '');
  }
  if (utf8Bytes(rest) > IRC_BODY_MAX_BYTES) {
    return fail('too_long', `line longer than ${IRC_BODY_MAX_BYTES + 2} bytes`);
  }
  let source: string | undefined;
  if (rest.startsWith(':')) {
    const space = rest.indexOf(' ');
    if (space === -1) return fail('bad_frame', 'a line with a source and no command');
    source = rest.slice(1, space);
    rest = rest.slice(space + 1).replace(/^ +/u, '');
  }
  const params: string[] = [];
  let command = '';
  while (rest !== '') {
    if (command !== '' && (rest.startsWith(':') || params.length === MAX_PARAMS - 1)) {
      params.push(rest.startsWith(':') ? rest.slice(1) : rest);
      break;
    }
    const space = rest.indexOf(' ');
    const word = space === -1 ? rest : rest.slice(0, space);
    rest = space === -1 ? '' : rest.slice(space + 1).replace(/^ +/u, '');
    if (command === '') command = word;
    else params.push(word);
  }
  if (command === '') return fail('bad_frame', 'an empty line');
  if (!COMMAND.test(command)) return fail('unknown_command', 'a command is letters or a numeric');
  const message: IrcMessage = { tags, command: command.toUpperCase(), params };
  if (source !== undefined) message.source = source;
  return { ok: true, message };
}

function fail(code: 'bad_frame' | 'too_long' | 'unknown_command', reason: string): IrcParse {
  return { ok: false, error: natterError(code, reason) };
}

/** Commands whose last parameter is text: always sent as a trailing one, as servers do. */
const TEXT_LAST = new Set([
  'PRIVMSG',
  'NOTICE',
  'TOPIC',
  'QUIT',
  'KICK',
  'ERROR',
  'AWAY',
  'CAP',
  'PONG',
  'PING',
  'FAIL',
]);

/**
 * Builds one line (without CRLF). The last parameter is always sent as a
 * trailing one when it could not be a middle one (empty, a space, a leading
 * colon); a middle parameter never contains those (callers pass names).
 */
export function formatIrcLine(
  source: string | undefined,
  command: string,
  params: readonly string[],
  tags?: ReadonlyMap<string, string> | readonly (readonly [string, string])[],
  forceTrailing = TEXT_LAST.has(command) || /^\d{3}$/u.test(command),
): string {
  let line = '';
  const tagList = tags === undefined ? [] : [...tags];
  if (tagList.length > 0) {
    line += '@' + tagList.map(([k, v]) => (v === '' ? k : `${k}=${escapeTagValue(v)}`)).join(';');
    line += ' ';
  }
  if (source !== undefined) line += `:${source} `;
  line += command;
  params.forEach((param, i) => {
    const last = i === params.length - 1;
    const trailing =
      last && (forceTrailing || param === '' || param.includes(' ') || param.startsWith(':'));
    line += trailing ? ` :${param}` : ` ${param}`;
  });
  return line;
}

/**
 * Splits text into pieces of at most `maxBytes` UTF-8 bytes, at a space when
 * one is near the end, never inside a character. Long natter messages reach
 * IRC clients as several lines, each within the 512-byte limit.
 */
export function splitUtf8(text: string, maxBytes: number): string[] {
  if (utf8Bytes(text) <= maxBytes) return [text];
  const pieces: string[] = [];
  let rest = text;
  while (utf8Bytes(rest) > maxBytes) {
    let bytes = 0;
    let cut = 0;
    for (const char of rest) {
      const size = utf8Bytes(char);
      if (bytes + size > maxBytes) break;
      bytes += size;
      cut += char.length;
    }
    if (cut === 0) cut = rest.length; // cannot happen with maxBytes >= 4
    const space = rest.lastIndexOf(' ', cut);
    if (space > cut / 2) cut = space + 1;
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut);
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}
