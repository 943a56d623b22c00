/**
 * How one scrollback entry looks: a time stamp, then `<name> text` for a
 * message, `* name text` for an action, `-- text` for a notice (dimmed) and
 * `! code: text` for an error, wrapped to the pane's width with the text
 * kept in a column beside the stamp and name. Our own messages show
 * "sending" in place of the time until the server acknowledges them.
 */
import { formatClock } from '../../core/format.ts';
import type { Entry } from './conversation.ts';
import { type Row, type Run, type Style, run, wrapRuns } from './styled.ts';
import { displayWidth } from './text-width.ts';
import type { Theme } from './theme.ts';

/** Below this pane width the stamp drops its seconds. */
const NARROW = 50;

export interface RowContext {
  theme: Theme;
  width: number;
}

/** `HH:MM:SS`, or `HH:MM` in a narrow pane. */
export function stampWidth(width: number): number {
  return width < NARROW ? 5 : 8;
}

function stamp(entry: Entry, ctx: RowContext): Run {
  const w = stampWidth(ctx.width);
  if (entry.own === 'pending') return run('sending'.slice(0, w).padEnd(w + 1), ctx.theme.pending);
  if (entry.own === 'failed') return run('failed'.slice(0, w).padEnd(w + 1), ctx.theme.failed);
  return run(`${formatClock(entry.ts).slice(0, w)} `, ctx.theme.time);
}

function body(entry: Entry, ctx: RowContext): { prefix: Run[]; text: Run[] } {
  const { theme } = ctx;
  const from = entry.from ?? '?';
  const nameStyle: Style = entry.own ? theme.ownName : theme.name(from);
  const textStyle: Style =
    entry.own === 'pending' ? theme.pending : entry.mention ? theme.mention : theme.text;
  switch (entry.kind) {
    case 'say':
      return {
        prefix: [run('<'), run(from, nameStyle), run('> ')],
        text: [run(entry.text, textStyle)],
      };
    case 'me':
      return {
        prefix: [run('* ', theme.action), run(from, nameStyle), run(' ')],
        text: [run(entry.text, entry.mention ? theme.mention : theme.action)],
      };
    case 'notice':
      return { prefix: [run('-- ', theme.notice)], text: [run(entry.text, theme.notice)] };
    case 'error':
      return { prefix: [run('! ', theme.error)], text: [run(entry.text, theme.error)] };
  }
}

/** The rows of one entry at the context's width. */
export function entryRows(entry: Entry, ctx: RowContext): Row[] {
  const time = stamp(entry, ctx);
  const { prefix, text } = body(entry, ctx);
  const lead = [time, ...prefix];
  let indent = lead.reduce((sum, r) => sum + displayWidth(r.text), 0);
  // A long name must not squeeze the text into a sliver: hang under the stamp instead.
  if (indent > ctx.width / 2) indent = displayWidth(time.text);
  return wrapRuns([...lead, ...text], ctx.width, indent);
}

const DAY = new Intl.DateTimeFormat('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
});

/** A local calendar day, to notice where one ends. */
export function dayOf(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** Drawn between entries of different days: the stamps only show the time. */
export function dayRow(ts: number, ctx: RowContext): Row {
  return [run(`-- ${DAY.format(ts)} --`, ctx.theme.notice)];
}

/** The line drawn above the first entry you have not seen yet. */
export function markerRow(ctx: RowContext): Row {
  const label = ' new ';
  const side = Math.max(0, ctx.width - label.length);
  const left = Math.floor(side / 2);
  return [run(`${'-'.repeat(left)}${label}${'-'.repeat(side - left)}`, ctx.theme.marker)];
}

/**
 * Rows of entries, cached per entry: laying out a long scrollback again on
 * every keystroke would be wasted work. An entry's `rev` changes when it
 * does (pending to acknowledged), which invalidates its rows.
 */
export class RowCache {
  #cache = new WeakMap<Entry, { key: string; rows: Row[] }>();
  #theme: Theme | null = null;

  rows(entry: Entry, ctx: RowContext): Row[] {
    if (ctx.theme !== this.#theme) {
      this.#cache = new WeakMap();
      this.#theme = ctx.theme;
    }
    const key = `${ctx.width} ${entry.rev}`;
    const hit = this.#cache.get(entry);
    if (hit?.key === key) return hit.rows;
    const rows = entryRows(entry, ctx);
    this.#cache.set(entry, { key, rows });
    return rows;
  }
}
