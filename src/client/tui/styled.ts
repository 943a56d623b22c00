/**
 * Styled text as the layout passes it around: runs of text with one style
 * each, and rows of runs that fit the terminal's width. Styles are plain
 * objects the components turn into Ink <Text> props; the theme (theme.ts)
 * hands out shared instances, so runs with the same style can be merged by
 * identity.
 */
import { displayText, graphemeWidth, graphemes } from './text-width.ts';

export interface Style {
  color?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  inverse?: boolean;
  underline?: boolean;
}

export interface Run {
  text: string;
  style: Style;
}

/** One terminal row: runs whose widths add up to at most the row's width. */
export type Row = Run[];

export const PLAIN: Style = Object.freeze({});

export function run(text: string, style: Style = PLAIN): Run {
  return { text, style };
}

/** The plain text of a row, for tests and for measuring. */
export function rowText(row: Row): string {
  return row.map((r) => r.text).join('');
}

interface Cell {
  g: string;
  w: number;
  style: Style;
}

function toCells(runs: readonly Run[]): Cell[] {
  const cells: Cell[] = [];
  for (const r of runs) {
    for (const g of graphemes(displayText(r.text))) {
      cells.push({ g, w: graphemeWidth(g), style: r.style });
    }
  }
  return cells;
}

function toRow(cells: readonly Cell[]): Row {
  const row: Row = [];
  for (const cell of cells) {
    const last = row.at(-1);
    if (last && last.style === cell.style) last.text += cell.g;
    else row.push({ text: cell.g, style: cell.style });
  }
  return row;
}

/**
 * Wraps styled text into rows of at most `width` columns. Breaks go after
 * spaces where possible and inside a word only when the word is longer than
 * a row; a wide (CJK, emoji) grapheme that would straddle the edge moves to
 * the next row whole. Continuation rows start with `indent` spaces, which
 * keeps a message's text in a column beside its time stamp and name.
 */
export function wrapRuns(runs: readonly Run[], width: number, indent = 0): Row[] {
  const cells = toCells(runs);
  if (width < 1) return [[]];
  const hang = indent < width ? indent : 0;
  const rows: Row[] = [];
  let line: Cell[] = [];
  let used = 0;
  /** Index in `line` just after the last space where a soft break may go. */
  let breakAt = -1;
  /** Cells of `line` that are indentation, not text. */
  let start = 0;
  const endRow = (cells: Cell[]): void => {
    rows.push(toRow(trimEnd(cells)));
    line = hang > 0 ? [{ g: ' '.repeat(hang), w: hang, style: PLAIN }] : [];
    used = hang;
    breakAt = -1;
    start = line.length;
  };
  let i = 0;
  while (i < cells.length) {
    const cell = cells[i]!;
    // Spaces that a break left at the start of a continuation row are dropped.
    if (rows.length > 0 && line.length === start && cell.g === ' ') {
      i += 1;
      continue;
    }
    if (used + cell.w <= width) {
      line.push(cell);
      used += cell.w;
      // A space inside the first row's prefix (time stamp, name) is no place
      // to break: the text would start on a row of its own.
      if (cell.g === ' ' && used > hang) breakAt = line.length;
      i += 1;
    } else if (cell.g === ' ') {
      endRow(line); // full exactly at a space: the space goes
      i += 1;
    } else if (breakAt > start) {
      const carried = line.slice(breakAt); // the partial word moves down
      endRow(line.slice(0, breakAt));
      for (const c of carried) {
        line.push(c);
        used += c.w;
      }
    } else if (line.length === start) {
      line.push(cell); // a wide grapheme in a 1-column space: it has to go somewhere
      used += cell.w;
      i += 1;
    } else {
      endRow(line); // a word longer than a row: break inside it
    }
  }
  rows.push(toRow(trimEnd(line)));
  return rows;
}

function trimEnd(cells: Cell[]): Cell[] {
  let end = cells.length;
  while (end > 0 && cells[end - 1]!.g === ' ') end -= 1;
  return end === cells.length ? cells : cells.slice(0, end);
}

/** A row cut to `width` columns (for bars that never wrap), padded with spaces to fill it. */
export function fitRow(runs: readonly Run[], width: number, pad: Style = PLAIN): Row {
  const cells = toCells(runs);
  const out: Cell[] = [];
  let used = 0;
  for (const cell of cells) {
    if (used + cell.w > width) break;
    out.push(cell);
    used += cell.w;
  }
  if (used < width) out.push({ g: ' '.repeat(width - used), w: width - used, style: pad });
  return toRow(out);
}
