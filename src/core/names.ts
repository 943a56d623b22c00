/**
 * Usernames: what a person may call themselves, and when two names count as
 * the same person. A name is shown to others in every line they receive, so
 * it must be visible (no invisible or control characters), unambiguous (one
 * script, look-alikes collide) and not pose as the server.
 */
import { NAME_MAX_CHARS } from '../protocol/limits.ts';
import { CONFUSABLE_PAIRS, PRE_NFKC_PAIRS } from './confusables.ts';

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

// Unassigned (Cn), private-use (Co) and surrogate (Cs) code points are
// refused with the control and format characters: none of them has a glyph a
// reader could check. Default_Ignorable adds the invisible letters and marks
// (Hangul fillers U+3164/U+115F, variation selectors, CGJ) that \p{Cf} misses.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
const ALLOWED = /[\p{L}\p{M}\p{Nd}_.-]/u;
const FIRST_ALLOWED = /[\p{L}\p{Nd}_]/u;
const SPACE = /\p{Zs}/u;
// Characters shown by code point in reasons: they would be unreadable quoted.
const SHOW_AS_CODE = /[\p{C}\p{Z}\p{M}\p{Default_Ignorable_Code_Point}]/u;
const COMMON_OR_INHERITED = /[\p{Script=Common}\p{Script=Inherited}]/u;

// Every Unicode 17 script except Common and Inherited, the most used first so
// the typical lookup ends early. Built with `new RegExp` inside try/catch so
// an older ICU that lacks the newest scripts skips them instead of failing to
// load; their letters then fall under "an unknown script" below.
const SCRIPT_NAMES = `Latin Cyrillic Greek Han Hiragana Katakana Hangul Bopomofo Arabic Hebrew
  Devanagari Bengali Gurmukhi Gujarati Oriya Tamil Telugu Kannada Malayalam Sinhala Thai Lao
  Tibetan Myanmar Khmer Georgian Armenian Ethiopic Cherokee Canadian_Aboriginal Mongolian Thaana
  Syriac Nko Tifinagh Yi Vai Adlam Ahom Anatolian_Hieroglyphs Avestan Balinese Bamum Bassa_Vah
  Batak Bhaiksuki Brahmi Braille Buginese Buhid Carian Caucasian_Albanian Chakma Cham Chorasmian
  Coptic Cuneiform Cypriot Cypro_Minoan Deseret Dives_Akuru Dogra Duployan Egyptian_Hieroglyphs
  Elbasan Elymaic Glagolitic Gothic Grantha Gunjala_Gondi Hanifi_Rohingya Hanunoo Hatran
  Imperial_Aramaic Inscriptional_Pahlavi Inscriptional_Parthian Javanese Kaithi Kawi Kayah_Li
  Kharoshthi Khitan_Small_Script Khojki Khudawadi Lepcha Limbu Linear_A Linear_B Lisu Lycian
  Lydian Mahajani Makasar Mandaic Manichaean Marchen Masaram_Gondi Medefaidrin Meetei_Mayek
  Mende_Kikakui Meroitic_Cursive Meroitic_Hieroglyphs Miao Modi Mro Multani Nabataean
  Nag_Mundari Nandinagari New_Tai_Lue Newa Nushu Nyiakeng_Puachue_Hmong Ogham Ol_Chiki
  Old_Hungarian Old_Italic Old_North_Arabian Old_Permic Old_Persian Old_Sogdian
  Old_South_Arabian Old_Turkic Old_Uyghur Osage Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau
  Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic Samaritan Saurashtra Sharada Shavian Siddham
  SignWriting Sogdian Sora_Sompeng Soyombo Sundanese Syloti_Nagri Tagalog Tagbanwa Tai_Le
  Tai_Tham Tai_Viet Takri Tangsa Tangut Tirhuta Toto Ugaritic Vithkuqi Wancho Warang_Citi Yezidi
  Zanabazar_Square Garay Gurung_Khema Kirat_Rai Ol_Onal Sunuwar Todhri Tulu_Tigalari Beria_Erfe
  Sidetic Tai_Yo Tolong_Siki`;

const SCRIPTS: ReadonlyArray<{ name: string; re: RegExp }> = SCRIPT_NAMES.split(/\s+/).flatMap(
  (name) => {
    try {
      return [{ name: name.replaceAll('_', ' '), re: new RegExp(`\\p{Script=${name}}`, 'u') }];
    } catch {
      return [];
    }
  },
);

// UTS #39 "highly restrictive": one script, or one of these CJK writing
// systems, which mix scripts by nature.
const ALLOWED_MIXES: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['Han', 'Hiragana', 'Katakana']),
  new Set(['Han', 'Hangul']),
  new Set(['Han', 'Bopomofo']),
];

/**
 * Case fold: lower, upper, lower. Upper-then-lower turns ß into ss (so
 * "Straße" meets "STRASSE") and ς into σ; the leading lower pass catches
 * capitals such as ẞ whose upper case is themselves.
 */
function fold(s: string): string {
  return s.normalize('NFKC').toLowerCase().toUpperCase().toLowerCase().normalize('NFKC');
}

const SKELETON: ReadonlyMap<string, string> = buildSkeleton();
const PRE_NFKC: ReadonlyMap<string, string> = new Map(
  PRE_NFKC_PAIRS.map(([codePoint, looksLike]) => [String.fromCodePoint(codePoint), looksLike]),
);

function buildSkeleton(): Map<string, string> {
  const direct = new Map<string, string>();
  for (const [codePoint, looksLike] of CONFUSABLE_PAIRS) {
    const source = String.fromCodePoint(codePoint);
    const folded = fold(source).normalize('NFD');
    // Some sources fold onto another letter (ı → I → i); the entry of the
    // letter itself wins, whatever the order of the table.
    if (direct.has(folded) && folded !== source) continue;
    direct.set(folded, looksLike);
  }
  // Resolve chains (ı → i → l) so that mapping once at lookup time is enough.
  const resolved = new Map<string, string>();
  for (const [from, to] of direct) {
    let target = to;
    for (let hops = 0; hops < 4; hops++) {
      const next = [...target].map((c) => direct.get(c) ?? c).join('');
      if (next === target) break;
      target = next;
    }
    resolved.set(from, target);
  }
  return resolved;
}

/** Canonical identity key: two names with the same key are "the same name" (case-insensitive, look-alikes collide). */
export function nameKey(name: string): string {
  let premapped = '';
  for (const c of name) premapped += PRE_NFKC.get(c) ?? c;
  let out = '';
  for (const c of fold(premapped).normalize('NFD')) out += SKELETON.get(c) ?? c;
  return out.normalize('NFC');
}

const RESERVED_BY_KEY: ReadonlyMap<string, string> = new Map(
  RESERVED_NAMES.map((name) => [nameKey(name), name]),
);

function codePointLabel(c: string): string {
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** How a character is named in a reason: quoted if visible, else by code point. */
function describe(c: string): string {
  return SHOW_AS_CODE.test(c) ? codePointLabel(c) : `'${c}' (${codePointLabel(c)})`;
}

function scriptOf(c: string): string {
  for (const { name, re } of SCRIPTS) if (re.test(c)) return name;
  return 'an unknown script';
}

function listScripts(scripts: ReadonlySet<string>): string {
  const names = [...scripts];
  return names.length <= 2
    ? names.join(' and ')
    : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

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

  for (const c of chars) {
    if (INVISIBLE.test(c)) {
      return invalid(
        `a name cannot contain invisible or control characters (found ${describe(c)})`,
      );
    }
    if (SPACE.test(c)) return invalid(`a name cannot contain spaces (found ${describe(c)})`);
    if (!ALLOWED.test(c)) {
      return invalid(
        `${describe(c)} is not allowed in a name; use letters, digits, '_', '-' or '.'`,
      );
    }
  }

  const first = chars[0] ?? '';
  if (!FIRST_ALLOWED.test(first)) {
    return invalid(`a name must start with a letter, a digit or '_', not ${describe(first)}`);
  }

  // Scripts are read from the folded (NFKC) form so that compatibility
  // letters show their real script: mathematical 𝛂 is Common but means Greek α.
  const scripts = new Set<string>();
  for (const c of fold(display)) {
    if (ALLOWED.test(c) && !COMMON_OR_INHERITED.test(c)) scripts.add(scriptOf(c));
  }
  if (scripts.size > 1 && !ALLOWED_MIXES.some((mix) => [...scripts].every((s) => mix.has(s)))) {
    return invalid(`a name cannot mix scripts (${listScripts(scripts)})`);
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
