/**
 * Which code points a reader cannot see, by Unicode property rather than by
 * a hand-kept list, so that a new Unicode version or a forgotten block
 * (tag characters, Mongolian vowel separator, interlinear annotations,
 * musical formatting, shorthand format controls, Hangul fillers…) cannot
 * slip through. Shared by the text sanitiser (which removes them) and the
 * name and room checks (which refuse them).
 */

/**
 * Invisible or meaningless to a reader: controls (Cc), format characters
 * (Cf: bidi controls, zero-width space, tag characters, U+FFF9–FFFB, …),
 * private use (Co), unassigned and noncharacters (Cn), surrogates (Cs), line
 * and paragraph separators, and every Default_Ignorable_Code_Point
 * (variation selectors, CGJ U+034F, Hangul fillers U+115F/U+1160/U+3164/
 * U+FFA0, U+180E, …), which fonts draw as nothing. ZWJ and ZWNJ are in this
 * set too: callers that keep them (emoji sequences, Persian, Indic scripts)
 * test for them first.
 */
export const INVISIBLE =
  /[\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;

/** Characters that take part in emoji presentation (digits, ©, ❤, 😀 …): a VS15/VS16 after one is meaningful. */
export const EMOJI = /\p{Emoji}/u;

/** Combining marks that stack on their base without taking width of their own. */
export const STACKING_MARK = /[\p{Mn}\p{Me}]/u;

/** Any combining mark: spacing marks (Mc) continue their base's cluster too. */
export const MARK = /\p{M}/u;

/**
 * At most this many non-spacing/enclosing marks on one base character. Real
 * writing needs up to three or four (Vietnamese two, pointed Hebrew with
 * cantillation four, Tibetan stacks three); "Zalgo" text piles up hundreds,
 * which overwrite the lines above and below.
 */
export const MAX_MARKS_PER_BASE = 4;

export const ZWNJ = 0x200c;
export const ZWJ = 0x200d;
export const VS15 = 0xfe0e;
export const VS16 = 0xfe0f;
const BLACK_FLAG = 0x1f3f4;
const CANCEL_TAG = 0xe007f;

/**
 * Length in UTF-16 units of an emoji tag sequence (a subdivision flag such as
 * 🏴 + "gbsct" + CANCEL TAG) whose tags start at i, right after U+1F3F4; 0
 * if there is none. UTS #51 flags use 1–6 tag letters or digits (RGI ones
 * use 5): anything else made of tag characters is hidden text and goes.
 */
export function emojiTagSequenceLength(s: string, i: number): number {
  let j = i;
  for (let n = 0; n < 7; n++) {
    const cp = s.codePointAt(j);
    if (cp === CANCEL_TAG) return n >= 1 ? j + 2 - i : 0;
    const isTagAlnum =
      cp !== undefined && ((cp >= 0xe0030 && cp <= 0xe0039) || (cp >= 0xe0061 && cp <= 0xe007a));
    if (!isTagAlnum || n === 6) return 0;
    j += 2;
  }
  return 0;
}

export function isBlackFlag(cp: number): boolean {
  return cp === BLACK_FLAG;
}
