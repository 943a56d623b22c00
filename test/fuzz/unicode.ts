/**
 * Seeded generators and invariant checks for Unicode input (issue 11):
 * surrogates, tag characters, variation selectors, fillers, piles of marks,
 * look-alike letters from Unicode's confusables and room names. Shared by
 * test/fuzz/unicode.fuzz.test.ts and the long run (bench/fuzz.ts).
 */
import { LOOKALIKE } from '../../src/core/confusables.ts';
import { MAX_MARKS_PER_BASE } from '../../src/core/invisible.ts';
import { checkName, nameKey } from '../../src/core/names.ts';
import { checkRoomName, roomKey } from '../../src/core/rooms.ts';
import { sanitizeText, utf8Length } from '../../src/core/sanitize.ts';
import { cutToBytes, echoInput } from '../../src/core/text-cut.ts';
import type { Rng } from './generators.ts';

function fail(message: string): never {
  throw new Error(message);
}

const cp = (n: number) => String.fromCodePoint(n);

/** Characters that have slipped past sanitisers and name checks. */
const HIDDEN = [
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff', // lone surrogates
  cp(0xe0001),
  cp(0xe0020),
  cp(0xe0041),
  cp(0xe007f), // tags
  '\u180e',
  '\ufff9',
  '\ufffb',
  '\u206a',
  '\u206f',
  cp(0x1d173),
  cp(0x1bca0),
  '\u034f',
  '\ufe00',
  '\ufe0e',
  '\ufe0f',
  cp(0xe0100),
  cp(0xe01ef),
  '\u3164',
  '\u115f',
  '\u1160',
  '\uffa0',
  '\ue000',
  cp(0xf0000),
  '\u0378',
  '\ufdd0',
  '\ufffe',
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\u00ad',
  '\u202e',
  '\u2066',
  '\x1b',
  '\x07',
  '\x9b',
  '\r',
  '\n',
  '\x0b',
  '\x0c',
];
const MARKS = ['\u0301', '\u0300', '\u0308', '\u0332', '\u0336', '\u20e3', '\u093e', '\u094d'];
const VISIBLE = [
  'a',
  'e',
  'l',
  'o',
  'Z',
  '1',
  '#',
  ' ',
  'é',
  'ё',
  'ꓮ',
  'Ⲧ',
  'ᗷ',
  'ǃ',
  'क',
  '田',
  '한',
  '😀',
  '❤',
  '👍🏽',
  cp(0x1f3f4),
  '🇫🇷',
];

/** Text full of hidden characters, surrogates, marks, emoji parts and look-alikes. */
export function fuzzUnicodeText(rng: Rng, maxParts = 40): string {
  let out = '';
  for (let n = rng.int(maxParts + 1); n > 0; n--) {
    const roll = rng.next();
    if (roll < 0.3) out += rng.pick(HIDDEN);
    else if (roll < 0.5) out += rng.pick(MARKS).repeat(rng.chance(0.2) ? rng.range(1, 40) : 1);
    else if (roll < 0.9) out += rng.pick(VISIBLE);
    else out += cp(rng.int(0x110000 - 0x800) + (rng.chance(0.5) ? 0 : 0x800));
  }
  return out;
}

const KEPT_INVISIBLE = /[\p{Cf}\p{Cn}\p{Co}\p{Cs}\p{Default_Ignorable_Code_Point}]/u;
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/u;
const STACKING = /[\p{Mn}\p{Me}]/u;
const MARK = /\p{M}/u;

/** What may stay of an invisible character after sanitising: joiners, emoji VS, flag tags. */
function allowedInvisible(out: string, i: number, c: number): boolean {
  if (c === 0x200c || c === 0x200d) return true;
  const before = [...out.slice(0, i)].filter((x) => x !== '\u200c' && x !== '\u200d');
  if (c === 0xfe0e || c === 0xfe0f) return /\p{Emoji}/u.test(before.at(-1) ?? '');
  return c >= 0xe0020 && c <= 0xe007f && /\u{1f3f4}[\u{e0020}-\u{e007e}]*$/u.test(out.slice(0, i));
}

/** sanitizeText's invariants, then cutting and echoing the result. */
export function checkSanitized(raw: string): string {
  const out = sanitizeText(raw);
  if (CONTROL.test(out)) fail('a control character survived');
  let marks = 0;
  for (let i = 0; i < out.length;) {
    const c = out.codePointAt(i) ?? 0;
    const char = String.fromCodePoint(c);
    if (KEPT_INVISIBLE.test(char) && !allowedInvisible(out, i, c)) {
      fail(`U+${c.toString(16)} survived at ${i}`);
    }
    if (c === 0xfe0e || c === 0xfe0f) {
      // an emoji's variation selector: not a mark on a letter
    } else if (STACKING.test(char)) {
      if (++marks > MAX_MARKS_PER_BASE) fail(`more than ${MAX_MARKS_PER_BASE} marks on one base`);
    } else if (!MARK.test(char) && c !== 0x200c && c !== 0x200d) marks = 0;
    i += char.length;
  }
  if (sanitizeText(out) !== out) fail('sanitising is not idempotent');
  for (const max of [1, 7, 64, 300]) {
    const cut = cutToBytes(out, max);
    if (utf8Length(cut) > max || !out.startsWith(cut)) fail(`a cut to ${max} bytes is wrong`);
    if (/\p{Cs}/u.test(cut)) fail(`a cut to ${max} bytes left a lone surrogate`);
  }
  const echo = echoInput(raw);
  if (CONTROL.test(echo) || /\p{Cs}/u.test(echo) || utf8Length(echo) > 64) fail('a bad echo');
  return out;
}

// ---- look-alike names --------------------------------------------------------

/** Plain letter → code points drawn like it (Unicode's confusables, reversed). */
const DISGUISES: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, string[]>();
  for (const [source, target] of LOOKALIKE) {
    if (!/^[a-z]$/u.test(target)) continue;
    for (const form of new Set([source, source.toUpperCase()])) {
      if ([...form].length === 1) map.set(target, [...(map.get(target) ?? []), form]);
    }
  }
  map.set('m', [...(map.get('m') ?? []), 'rn']);
  map.set('w', [...(map.get('w') ?? []), 'vv']);
  map.set('d', [...(map.get('d') ?? []), 'cl']);
  return map;
})();

const BASE_NAMES = [
  'alice',
  'bob',
  'admin',
  'system',
  'operator',
  'martin',
  'william',
  'dave',
  'eve',
  'root',
  'lobby',
  'support',
];

/** A name and a disguise of it: some letters swapped for look-alikes, maybe a hidden character. */
export function fuzzLookalikeName(rng: Rng): { original: string; disguised: string } {
  const original = rng.chance(0.7)
    ? rng.pick(BASE_NAMES)
    : [...Array(rng.range(1, 10))].map(() => String.fromCharCode(rng.range(0x61, 0x7a))).join('');
  let disguised = '';
  for (const c of original) {
    const options = DISGUISES.get(c);
    disguised +=
      options && rng.chance(0.5) ? rng.pick(options) : rng.chance(0.2) ? c.toUpperCase() : c;
  }
  if (rng.chance(0.2)) {
    const at = rng.int(disguised.length + 1);
    // Invisible characters, or the underline that hides under the baseline.
    disguised = disguised.slice(0, at) + rng.pick([...HIDDEN, '\u0332']) + disguised.slice(at);
  }
  return { original, disguised };
}

/** A disguise is refused, or it is the same name as what it imitates. */
export function checkLookalikeName(original: string, disguised: string): string {
  const result = checkName(disguised);
  if (!result.ok) return `refused:${result.code}`;
  if (result.key !== nameKey(original)) {
    fail(`${JSON.stringify(disguised)} passes for ${original} with a key of its own`);
  }
  if (KEPT_INVISIBLE.test(result.display) || CONTROL.test(result.display))
    fail('an invisible name');
  if (nameKey(result.display) !== result.key) fail('the key depends on more than the name');
  return 'same-key';
}

/** A room name that displays as another (hidden characters, look-alikes, case) or random text. */
export function fuzzRoomName(rng: Rng): { original: string; candidate: string; disguise: boolean } {
  const { original, disguised } = fuzzLookalikeName(rng);
  return rng.chance(0.8)
    ? { original: `#${original}`, candidate: `#${disguised}`, disguise: true }
    : { original: `#${original}`, candidate: `#${fuzzUnicodeText(rng, 10)}`, disguise: false };
}

/** A room that displays as another is refused or is that room. */
export function checkRoom(original: string, candidate: string, disguise: boolean): string {
  const result = checkRoomName(candidate);
  if (!result.ok) return 'refused';
  if (KEPT_INVISIBLE.test(result.name) || CONTROL.test(result.name)) fail('an invisible room name');
  if (result.key !== roomKey(result.name)) fail('the key depends on more than the name');
  if (disguise && result.key !== roomKey(original)) {
    fail(`${JSON.stringify(candidate)} is a room apart from ${original}`);
  }
  return 'room';
}
