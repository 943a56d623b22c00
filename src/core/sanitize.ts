/**
 * Text is sanitised once, when it enters the server, so that nothing stored
 * or relayed can drive a reader's terminal: no escape sequences (colours,
 * cursor moves, window titles, hyperlinks, clipboard writes), no control
 * characters, no bidi overrides that reorder what is displayed, and nothing
 * a reader cannot see (invisible.ts): hidden text cannot ride along.
 */

import {
  EMOJI,
  INVISIBLE,
  MARK,
  MAX_MARKS_PER_BASE,
  STACKING_MARK,
  VS15,
  VS16,
  ZWJ,
  ZWNJ,
  emojiTagSequenceLength,
  isBlackFlag,
} from './invisible.ts';

// Everything sanitizeText acts on; one test decides the (common) clean case:
// controls, invisible characters (see invisible.ts) and runs of marks long
// enough to need counting. With the `u` flag a surrogate class matches only
// lone surrogates, so emoji stay on the fast path.
const NEEDS_WORK = new RegExp(
  `${INVISIBLE.source}|[\\p{M}\\u200c\\u200d]{${MAX_MARKS_PER_BASE + 1}}`,
  'u',
);

const ESC = 0x1b;
const BEL = 0x07;
const ST_C1 = 0x9c; // 8-bit String Terminator

/** Line and page breaks: replaced by a space so the words on either side stay apart. */
function isBreak(c: number): boolean {
  return (
    c === 0x0a ||
    c === 0x0d ||
    c === 0x0b ||
    c === 0x0c ||
    c === 0x85 ||
    c === 0x2028 ||
    c === 0x2029
  );
}

/** Index just past a control string (OSC, DCS, SOS, PM, APC) whose body starts at i. */
function skipControlString(s: string, i: number, belEnds: boolean): number {
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === ST_C1 || (belEnds && c === BEL)) return i + 1;
    if (c === ESC && s.charCodeAt(i + 1) === 0x5c) return i + 2; // ESC \
  }
  return i; // unterminated: a terminal would swallow the rest, so do we
}

/** Index just past a CSI sequence whose parameters start at i. */
function skipCsi(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x3f)
      i++; // parameter (0x30–0x3F) and intermediate (0x20–0x2F) bytes
    else if (c >= 0x40 && c <= 0x7e)
      return i + 1; // final byte
    // Anything else ends our parse; what follows is sanitised as ordinary
    // text, so a malformed sequence can never leave an ESC behind.
    else return i;
  }
  return i;
}

/** Index just past the escape sequence introduced by the ESC at i. */
function skipEscape(s: string, i: number): number {
  const next = s.charCodeAt(i + 1);
  if (next === 0x5b) return skipCsi(s, i + 2); // ESC [
  if (next === 0x5d) return skipControlString(s, i + 2, true); // ESC ] (OSC)
  // ESC P (DCS), ESC X (SOS), ESC ^ (PM), ESC _ (APC)
  if (next === 0x50 || next === 0x58 || next === 0x5e || next === 0x5f) {
    return skipControlString(s, i + 2, false);
  }
  // nF sequences such as ESC ( 0 (switch to line drawing): intermediates then a final.
  let j = i + 1;
  while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j++;
  const final = s.charCodeAt(j);
  if (final >= 0x30 && final <= 0x7e) return j + 1; // ESC 7, ESC c, ESC ( B, …
  return j; // a lone ESC (plus any intermediates) is dropped; the rest is text
}

/**
 * Removes or replaces everything a terminal could interpret, and everything
 * a reader could not see: escape sequences and controls, line breaks (one
 * space), invisible characters by Unicode property (invisible.ts), variation
 * selectors outside emoji, tag characters outside emoji flags, and combining
 * marks past MAX_MARKS_PER_BASE on one base. Lone surrogates become U+FFFD.
 * Idempotent: every decision looks at what was kept, not at what was removed.
 */
export function sanitizeText(raw: string): string {
  if (!NEEDS_WORK.test(raw)) return raw;

  let out = '';
  let runStart = 0; // start of the pending run of kept characters
  let lastWasBreak = false; // a run of line breaks becomes one space
  let marks = 0; // stacking marks kept on the current base
  let afterEmoji = false; // the last kept character can take an emoji variation selector
  let i = 0;
  while (i < raw.length) {
    const c = raw.charCodeAt(i);
    let skipTo: number;
    let replacement = '';

    if (c >= 0x20 && c < 0x7f) {
      i++; // printable ASCII: the common case
      lastWasBreak = false;
      marks = 0;
      afterEmoji = (c >= 0x30 && c <= 0x39) || c === 0x23 || c === 0x2a; // ASCII \p{Emoji}: keycap bases
      continue;
    }
    if (isBreak(c)) {
      skipTo = c === 0x0d && raw.charCodeAt(i + 1) === 0x0a ? i + 2 : i + 1;
      replacement = lastWasBreak ? '' : ' ';
    } else if (c === ESC) {
      skipTo = skipEscape(raw, i);
    } else if (c === 0x9b) {
      skipTo = skipCsi(raw, i + 1); // 8-bit CSI
    } else if (c === 0x9d) {
      skipTo = skipControlString(raw, i + 1, true); // 8-bit OSC
    } else if (c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f) {
      skipTo = skipControlString(raw, i + 1, false); // 8-bit DCS, SOS, PM, APC
    } else if (c === 0x09) {
      i++;
      lastWasBreak = false;
      marks = 0;
      afterEmoji = false;
      continue;
    } else {
      const cp = raw.codePointAt(i) ?? c;
      const size = cp > 0xffff ? 2 : 1;
      const char = raw.slice(i, i + size);
      if (cp >= 0xd800 && cp <= 0xdfff) {
        skipTo = i + 1;
        replacement = '\ufffd'; // lone surrogate, as String.prototype.toWellFormed does
      } else if (cp === ZWJ || cp === ZWNJ) {
        i += size; // joiners: emoji sequences, Persian, Indic conjuncts
        continue;
      } else if (cp === VS15 || cp === VS16) {
        if (afterEmoji) {
          i += size;
          afterEmoji = false;
          continue;
        }
        skipTo = i + size;
      } else if (INVISIBLE.test(char)) {
        skipTo = i + size;
      } else if (STACKING_MARK.test(char) && ++marks > MAX_MARKS_PER_BASE) {
        skipTo = i + size;
      } else {
        i += size;
        lastWasBreak = false;
        if (!MARK.test(char)) marks = 0;
        afterEmoji = EMOJI.test(char);
        if (isBlackFlag(cp)) i += emojiTagSequenceLength(raw, i); // 🏴 + tags: a subdivision flag
        continue;
      }
    }

    out += raw.slice(runStart, i) + replacement;
    if (replacement === ' ') lastWasBreak = true;
    else if (replacement !== '') lastWasBreak = false;
    if (replacement !== '') {
      marks = 0;
      afterEmoji = false;
    }
    i = skipTo;
    runStart = i;
  }
  return out + raw.slice(runStart);
}

/** UTF-8 length of s, counted from its code units without allocating a Buffer. */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair is one astral code point
      i++;
    } else bytes += 3; // rest of the BMP; a lone surrogate is encoded as U+FFFD (3 bytes)
  }
  return bytes;
}

export type TextCheck =
  | { ok: true; text: string }
  | { ok: false; code: 'empty_message' | 'message_too_long'; reason: string };

/** sanitizeText, then trim trailing whitespace; refuse empty, refuse more than maxBytes UTF-8 bytes (reason names the limit and the actual size). */
export function checkMessageText(raw: string, maxBytes: number): TextCheck {
  const text = sanitizeText(raw).trimEnd();
  if (text.length === 0) {
    return { ok: false, code: 'empty_message', reason: 'the message is empty' };
  }
  const size = utf8Length(text);
  if (size > maxBytes) {
    return {
      ok: false,
      code: 'message_too_long',
      reason: `messages are at most ${maxBytes} bytes (UTF-8); this one is ${size}`,
    };
  }
  return { ok: true, text };
}
