/**
 * Cutting user text to a size, the one way the server does it: by UTF-8
 * bytes (what limits are about on the wire), never inside a grapheme (so no
 * lone surrogate, no letter left without its accent, no half an emoji), and
 * after sanitising, so an echo of hostile input cannot drive a terminal.
 */
import { sanitizeText, utf8Length } from './sanitize.ts';

const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

// Beyond the window a cut needs, graphemes are only looked at this far, so a
// huge input costs nothing and a cluster that straddles the window is dropped.
const LOOKAHEAD_UNITS = 32;

/**
 * The longest prefix of `text` of at most maxBytes UTF-8 bytes that ends on
 * a grapheme boundary. A single grapheme larger than the limit is cut on a
 * code point boundary instead, so something is left of it.
 */
export function cutToBytes(text: string, maxBytes: number): string {
  if (text.length <= maxBytes / 3 || utf8Length(text) <= maxBytes) return text;
  // Every UTF-16 unit is at least one byte: nothing past maxBytes units fits.
  const window = text.slice(0, maxBytes + LOOKAHEAD_UNITS);
  const whole = window.length === text.length;
  let out = '';
  let bytes = 0;
  for (const { segment, index } of GRAPHEMES.segment(window)) {
    const straddles = !whole && index + segment.length >= window.length; // may go on past it
    const size = utf8Length(segment);
    if (straddles || bytes + size > maxBytes) {
      if (out === '') out = cutCodePoints(segment, maxBytes);
      break;
    }
    out += segment;
    bytes += size;
  }
  return out;
}

function cutCodePoints(text: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const c of text) {
    bytes += utf8Length(c);
    if (bytes > maxBytes) break;
    out += c;
  }
  return out;
}

/** User text for storing or relaying (topics, reasons): sanitised, trimmed, at most maxBytes. */
export function cleanText(raw: string, maxBytes: number): string {
  return cutToBytes(sanitizeText(raw).trim(), maxBytes).trimEnd();
}

/** How much of a user's input an error line or notice repeats back. */
export const ECHO_MAX_BYTES = 64;

/**
 * User input quoted back in an error or notice ("there is no room …"):
 * sanitised, cut to maxBytes on a grapheme boundary, with "…" when cut. Only
 * a bounded prefix of the raw input is ever looked at.
 */
export function echoInput(raw: string, maxBytes = ECHO_MAX_BYTES): string {
  // Generous: escape sequences removed by sanitising can make text shorter.
  let head = raw.length > maxBytes * 4 ? raw.slice(0, maxBytes * 4) : raw;
  if (head.length < raw.length && /[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1);
  const clean = sanitizeText(head);
  if (head.length === raw.length && utf8Length(clean) <= maxBytes) return clean;
  const ellipsis = '…'; // 3 bytes, inside the budget
  return cutToBytes(clean, maxBytes - 3).trimEnd() + ellipsis;
}
