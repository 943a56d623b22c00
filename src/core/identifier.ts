/**
 * What user names and room names may be made of, the same for both: a
 * reader must be able to see every character, tell which script it is in,
 * and not mistake it for another name. Built on Unicode's own data: General
 * Category and Default_Ignorable (invisible.ts), Script and
 * Script_Extensions, the UTS #31 table of scripts recommended for
 * identifiers, and the UTS #39 confusables (confusables.ts).
 */
import { LOOKALIKE, caseFold } from './confusables.ts';
import { INVISIBLE, MAX_MARKS_PER_BASE, STACKING_MARK } from './invisible.ts';

const ALLOWED = /[\p{L}\p{M}\p{Nd}_.-]/u;
const LETTER = /\p{L}/u;
const SPACE = /\p{Zs}/u;
// Marks that belong to no script of their own (U+0300–036F and the other
// generic diacritics); script-specific marks (Devanagari vowel signs, Arabic
// harakat, Hebrew points) have their script in Script_Extensions.
const GENERIC_MARK = /(?=\p{M})\p{Script_Extensions=Inherited}/u;
// Characters shown by code point in reasons: they would be unreadable quoted.
const SHOW_AS_CODE = /[\p{C}\p{Z}\p{M}\p{Default_Ignorable_Code_Point}]/u;
const COMMON_OR_INHERITED = /[\p{Script=Common}\p{Script=Inherited}]/u;

/**
 * UTS #31 Table 5, "Recommended Scripts": the scripts in customary modern
 * use that UTS #39's General Security Profile allows in identifiers. The
 * others are Limited Use (Table 7: Cherokee, Lisu, Canadian Syllabics, …,
 * scripts whose letters are mostly look-alikes of Latin ones that fonts and
 * readers cannot tell apart) or Excluded (Table 4: historic scripts such as
 * Coptic, Runic, Gothic). Restricting names to these is UTS #39's "Highly
 * Restrictive" level.
 */
const RECOMMENDED_SCRIPTS: ReadonlyArray<{ name: string; re: RegExp }> = `Latin Cyrillic Greek Han
  Hiragana Katakana Hangul Bopomofo Arabic Hebrew Armenian Georgian Devanagari Bengali Gurmukhi
  Gujarati Oriya Tamil Telugu Kannada Malayalam Sinhala Thai Lao Tibetan Myanmar Khmer Ethiopic
  Thaana`
  .split(/\s+/)
  .map((name) => ({ name, re: new RegExp(`\\p{Script=${name}}`, 'u') }));

// One test tells a recommended letter from the rest, so a name of 32 letters
// of a rare script costs one look-up per letter, not one per script.
const IN_RECOMMENDED_SCRIPT = new RegExp(
  `[${RECOMMENDED_SCRIPTS.map((s) => `\\p{Script=${s.name}}`).join('')}]`,
  'u',
);

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
      return [{ name, re: new RegExp(`\\p{Script=${name}}`, 'u') }];
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

function codePointLabel(c: string): string {
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** How a character is named in a reason: quoted if visible, else by code point. */
export function describe(c: string): string {
  return SHOW_AS_CODE.test(c) ? codePointLabel(c) : `'${c}' (${codePointLabel(c)})`;
}

/** The script of a letter in a recommended script (a short search). */
function recommendedScriptOf(c: string): string {
  for (const { name, re } of RECOMMENDED_SCRIPTS) if (re.test(c)) return name;
  return 'an unknown script';
}

/** The script of any letter: the long search, made once, for a refusal's reason. */
function scriptOf(c: string): string {
  for (const { name, re } of SCRIPTS) if (re.test(c)) return name;
  return 'an unknown script';
}

function listScripts(scripts: ReadonlySet<string>): string {
  const names = [...scripts].map((s) => s.replaceAll('_', ' '));
  return names.length <= 2
    ? names.join(' and ')
    : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * Why `text` (NFC, trimmed) cannot be a name or room name, or null if it
 * can. `what` names it in the reason ("a name", "a room name").
 */
export function identifierProblem(text: string, what: string): string | null {
  let marks = 0;
  for (const c of text) {
    if (INVISIBLE.test(c)) {
      return `${what} cannot contain invisible or control characters (found ${describe(c)})`;
    }
    if (SPACE.test(c)) return `${what} cannot contain spaces (found ${describe(c)})`;
    if (!ALLOWED.test(c)) {
      return `${describe(c)} is not allowed in ${what}; use letters, digits, '_', '-' or '.'`;
    }
    // After NFC a generic diacritic is left on its own only where Unicode has
    // no letter for the pair: an underlined e̲ or a struck-through o̶ is a
    // look-alike of e or o, not a letter of any language's alphabet.
    if (GENERIC_MARK.test(c)) {
      return `${describe(c)} does not combine with the letter before it into one Unicode letter`;
    }
    if (!STACKING_MARK.test(c)) marks = 0;
    else if (++marks > MAX_MARKS_PER_BASE) {
      return `${what} has at most ${MAX_MARKS_PER_BASE} combining marks on one letter`;
    }
  }

  // A letter drawn like a character no name may hold (ǃ is a click letter
  // drawn as '!'): "adminǃ" would read as "admin!".
  for (const c of caseFold(text.normalize('NFD'))) {
    const looksLike = LETTER.test(c) ? LOOKALIKE.get(c) : undefined;
    const odd = looksLike === undefined ? undefined : [...looksLike].find((x) => !ALLOWED.test(x));
    if (odd !== undefined) {
      return `${describe(c)} looks like ${describe(odd)}, which ${what} cannot contain`;
    }
  }

  // Scripts are read from the NFKC form so that compatibility letters show
  // their real script: mathematical 𝛂 is Common but means Greek α.
  const scripts = new Set<string>();
  for (const c of text.normalize('NFKC')) {
    if (!ALLOWED.test(c) || COMMON_OR_INHERITED.test(c)) continue;
    if (!IN_RECOMMENDED_SCRIPT.test(c)) {
      return (
        `${what} cannot use the ${scriptOf(c).replaceAll('_', ' ')} script: only scripts ` +
        `Unicode recommends for identifiers (UTS #31) are allowed`
      );
    }
    scripts.add(recommendedScriptOf(c));
  }
  if (scripts.size > 1 && !ALLOWED_MIXES.some((mix) => [...scripts].every((s) => mix.has(s)))) {
    return `${what} cannot mix scripts (${listScripts(scripts)})`;
  }
  return null;
}
