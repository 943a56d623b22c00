/**
 * Display width of text in terminal columns. A terminal draws one grapheme
 * cluster (a base character plus its combining marks, or an emoji ZWJ
 * sequence) in one or two cells; UTF-16 length says nothing about that.
 * string-width knows the East Asian Width table and emoji presentation, and
 * is what Ink itself measures with, so our layout and Ink's always agree.
 */
import stringWidth from 'string-width';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The grapheme clusters of a string, in order. */
export function graphemes(text: string): string[] {
  const out: string[] = [];
  for (const { segment } of segmenter.segment(text)) out.push(segment);
  return out;
}

/**
 * Columns one grapheme takes. TAB is drawn as one space (see displayText);
 * anything zero-width on its own (a stray combining mark) still takes a cell
 * so that the cursor arithmetic never loses it.
 */
export function graphemeWidth(grapheme: string): number {
  if (grapheme === '\t') return 1;
  return Math.max(1, Math.min(2, stringWidth(grapheme)));
}

/** Columns a string takes, grapheme by grapheme (as the wrapper counts). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const g of graphemes(text)) width += graphemeWidth(g);
  return width;
}

/** Text as drawn: a TAB would jump to the next tab stop and break the layout. */
export function displayText(text: string): string {
  return text.replaceAll('\t', ' ');
}

/** Cuts a string to at most `width` columns, never splitting a grapheme. */
export function truncateToWidth(text: string, width: number): string {
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (const g of graphemes(text)) {
    const w = graphemeWidth(g);
    if (used + w > width) break;
    out += g;
    used += w;
  }
  return out;
}
