/**
 * Which rows of a conversation the message pane shows. Following (no
 * anchor), the newest row sits at the bottom; scrolled back, the anchored
 * entry does, whatever arrives meanwhile. Scrolling moves the anchor by
 * rows, clamped so the first page is as far back as it goes; reaching the
 * bottom again returns to following and clears the unread count.
 */
import type { Conversation } from './conversation.ts';
import { type RowCache, type RowContext, dayOf, dayRow, markerRow } from './entry-rows.ts';
import type { Row } from './styled.ts';

export interface PaneLayout {
  ctx: RowContext;
  height: number;
  cache: RowCache;
}

/** An entry's rows, after a day-change line and the unread marker when they go above it. */
function rowsAt(conversation: Conversation, index: number, layout: PaneLayout): Row[] {
  const entry = conversation.entries[index]!;
  let rows = layout.cache.rows(entry, layout.ctx);
  if (conversation.marker === entry.seq) rows = [markerRow(layout.ctx), ...rows];
  const previous = conversation.entries[index - 1];
  if (previous && dayOf(previous.ts) !== dayOf(entry.ts))
    rows = [dayRow(entry.ts, layout.ctx), ...rows];
  return rows;
}

/** Where the bottom of the view is: entry index and rows of it hidden below. */
function bottom(conversation: Conversation): { index: number; skip: number } {
  const anchor = conversation.anchor;
  const index = anchor ? conversation.indexOfSeq(anchor.seq) : -1;
  if (index === -1) return { index: conversation.entries.length - 1, skip: 0 };
  return { index, skip: anchor!.skip };
}

/** Exactly `height` rows, the oldest first; empty rows on top when there is not enough. */
export function visibleRows(conversation: Conversation, layout: PaneLayout): Row[] {
  const { index, skip } = bottom(conversation);
  const out: Row[] = [];
  for (let i = index; i >= 0 && out.length < layout.height; i -= 1) {
    let rows = rowsAt(conversation, i, layout);
    if (i === index && skip > 0) rows = rows.slice(0, Math.max(0, rows.length - skip));
    for (let r = rows.length - 1; r >= 0 && out.length < layout.height; r -= 1) out.push(rows[r]!);
  }
  while (out.length < layout.height) out.push([]);
  return out.reverse();
}

/** Rows between the bottom of the view and the newest row. */
function offsetOf(conversation: Conversation, layout: PaneLayout): number {
  if (!conversation.anchor) return 0;
  const { index, skip } = bottom(conversation);
  let offset = skip;
  for (let i = conversation.entries.length - 1; i > index; i -= 1) {
    offset += rowsAt(conversation, i, layout).length;
  }
  return offset;
}

/** Moves the view `rows` rows back in time (negative: forward). */
export function scrollBy(conversation: Conversation, layout: PaneLayout, rows: number): void {
  let total = 0;
  for (let i = 0; i < conversation.entries.length; i += 1) {
    total += rowsAt(conversation, i, layout).length;
  }
  const max = Math.max(0, total - layout.height);
  const target = Math.min(max, Math.max(0, offsetOf(conversation, layout) + rows));
  if (target === 0) {
    conversation.anchor = null;
    conversation.caughtUp();
    return;
  }
  let remaining = target;
  for (let i = conversation.entries.length - 1; i >= 0; i -= 1) {
    const count = rowsAt(conversation, i, layout).length;
    if (remaining < count) {
      conversation.anchor = { seq: conversation.entries[i]!.seq, skip: remaining };
      return;
    }
    remaining -= count;
  }
}

/** One page: the pane's height less a row, so the last row read stays in view. */
export function pageRows(layout: PaneLayout): number {
  return Math.max(1, layout.height - 1);
}
