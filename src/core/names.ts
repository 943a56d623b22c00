/**
 * Usernames: what a person may call themselves, and when two names count as
 * the same person. A name is shown to others in every line they receive, so
 * it must be visible (no invisible or control characters), unambiguous (one
 * recommended script, look-alikes collide) and not pose as the server. The
 * character rules are shared with room names (identifier.ts); look-alikes
 * come from Unicode's confusables data (confusables.ts).
 */
import { NAME_MAX_CHARS } from '../protocol/limits.ts';
import { identityKey } from './confusables.ts';
import { describe, identifierProblem } from './identifier.ts';

export type NameCheck =
  | { ok: true; display: string; key: string }
  | { ok: false; code: 'name_invalid' | 'name_reserved'; reason: string };

/** Names that would let someone pass for the server, its staff or a mass mention. */
const RESERVED_NAMES = [
  'server',
  'admin',
  'administrator',
  'root',
  'system',
  'sysop',
  'operator',
  'op',
  'mod',
  'moderator',
  'natter',
  'nickserv',
  'chanserv',
  'help',
  'info',
  'everyone',
  'here',
  'channel',
  'staff',
  'support',
  'anonymous',
  'guest',
];

const FIRST_ALLOWED = /[\p{L}\p{Nd}_]/u;

/**
 * Which rules make keys: bump it whenever nameKey or roomKey would give a
 * stored name another key (the store re-keys its data once at start-up).
 * 1: case folding and a hand-made look-alike table; 2: Unicode's confusables.
 */
export const KEY_RULES_VERSION = 2;

/** Canonical identity key: two names with the same key are "the same name" (case-insensitive, look-alikes collide). */
export function nameKey(name: string): string {
  return identityKey(name);
}

// Reserved names are compared by the same key, so every look-alike of one
// (ꓮꓓꓟꓲꓠ, ａｄｍｉｎ, adm1n) is reserved with it.
const RESERVED_BY_KEY: ReadonlyMap<string, string> = new Map(
  RESERVED_NAMES.map((name) => [nameKey(name), name]),
);

function invalid(reason: string): NameCheck {
  return { ok: false, code: 'name_invalid', reason };
}

export function checkName(raw: string): NameCheck {
  // Only ASCII whitespace is trimmed: trailing Unicode spaces are refused
  // below instead of silently dropped, so what is registered is what was typed.
  const display = raw.replace(/^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g, '').normalize('NFC');
  const chars = [...display];

  if (chars.length === 0)
    return invalid(`names are 1–${NAME_MAX_CHARS} characters; this one is empty`);
  if (chars.length > NAME_MAX_CHARS) {
    return invalid(`names are 1–${NAME_MAX_CHARS} characters; this one has ${chars.length}`);
  }
  // A leading mark would otherwise be reported as a mark on nothing.
  const first = chars[0] ?? '';
  const leadingMark = /\p{M}/u.test(first);
  const problem = leadingMark ? null : identifierProblem(display, 'a name');
  if (problem !== null) return invalid(problem);
  if (!FIRST_ALLOWED.test(first)) {
    return invalid(`a name must start with a letter, a digit or '_', not ${describe(first)}`);
  }

  const key = nameKey(display);
  const reserved = RESERVED_BY_KEY.get(key);
  if (reserved !== undefined) {
    const reason =
      display.toLowerCase() === reserved
        ? `'${reserved}' is reserved`
        : `'${display}' looks like '${reserved}', which is reserved`;
    return { ok: false, code: 'name_reserved', reason };
  }
  return { ok: true, display, key };
}
