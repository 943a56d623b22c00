/**
 * The line being typed: text, a cursor that moves by grapheme (so an emoji
 * or an accented letter is one step and one Backspace), the usual readline
 * keys, and a history walked with Up/Down that keeps the draft you were
 * writing. `view` scrolls the line sideways so the cursor is always on
 * screen, measured in columns, not code units.
 */
import { graphemeWidth, graphemes } from './text-width.ts';

const HISTORY_LIMIT = 500;

export type EditOp =
  | 'backspace'
  | 'delete'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'word-left'
  | 'word-right'
  | 'kill-start'
  | 'kill-end'
  | 'kill-word';

export class InputLine {
  /** Graphemes of the line. */
  #chars: string[] = [];
  /** Cursor position in graphemes, 0…length. */
  #cursor = 0;
  readonly #history: string[] = [];
  /** Index in history while walking it; history.length means the draft. */
  #walk = 0;
  #draft = '';
  /** First grapheme shown when the line is wider than the screen. */
  #scroll = 0;

  get text(): string {
    return this.#chars.join('');
  }

  /** Cursor position in graphemes. */
  get cursor(): number {
    return this.#cursor;
  }

  /** Text before the cursor. */
  get beforeCursor(): string {
    return this.#chars.slice(0, this.#cursor).join('');
  }

  /** Replaces the whole line; the cursor goes to `cursor` (graphemes) or the end. */
  set(text: string, cursor?: number): void {
    this.#chars = graphemes(text);
    this.#cursor = Math.min(this.#chars.length, Math.max(0, cursor ?? this.#chars.length));
  }

  insert(text: string): void {
    const added = graphemes(text);
    this.#chars.splice(this.#cursor, 0, ...added);
    this.#cursor += added.length;
  }

  edit(op: EditOp): void {
    const chars = this.#chars;
    switch (op) {
      case 'backspace':
        if (this.#cursor > 0) chars.splice(--this.#cursor, 1);
        break;
      case 'delete':
        chars.splice(this.#cursor, 1);
        break;
      case 'left':
        this.#cursor = Math.max(0, this.#cursor - 1);
        break;
      case 'right':
        this.#cursor = Math.min(chars.length, this.#cursor + 1);
        break;
      case 'home':
        this.#cursor = 0;
        break;
      case 'end':
        this.#cursor = chars.length;
        break;
      case 'word-left':
        this.#cursor = this.#wordStart();
        break;
      case 'word-right': {
        let i = this.#cursor;
        while (i < chars.length && isSpace(chars[i]!)) i += 1;
        while (i < chars.length && !isSpace(chars[i]!)) i += 1;
        this.#cursor = i;
        break;
      }
      case 'kill-start':
        chars.splice(0, this.#cursor);
        this.#cursor = 0;
        break;
      case 'kill-end':
        chars.splice(this.#cursor);
        break;
      case 'kill-word': {
        const start = this.#wordStart();
        chars.splice(start, this.#cursor - start);
        this.#cursor = start;
        break;
      }
    }
  }

  #wordStart(): number {
    let i = this.#cursor;
    while (i > 0 && isSpace(this.#chars[i - 1]!)) i -= 1;
    while (i > 0 && !isSpace(this.#chars[i - 1]!)) i -= 1;
    return i;
  }

  /** Takes the line for sending: it goes into the history and the input empties. */
  submit(): string {
    const line = this.text;
    if (line.trim() !== '' && this.#history.at(-1) !== line) {
      this.#history.push(line);
      if (this.#history.length > HISTORY_LIMIT) this.#history.shift();
    }
    this.#walk = this.#history.length;
    this.#draft = '';
    this.set('');
    return line;
  }

  /** Up (-1) or Down (+1) through the lines sent before; past the newest is the draft. */
  recall(step: -1 | 1): void {
    if (this.#walk === this.#history.length) this.#draft = this.text;
    const next = Math.min(this.#history.length, Math.max(0, this.#walk + step));
    if (next === this.#walk) return;
    this.#walk = next;
    this.set(next === this.#history.length ? this.#draft : this.#history[next]!);
  }

  /**
   * The part of the line that fits `width` columns, and the cursor's column
   * in it. The window moves only when the cursor would leave it, as
   * readline's does, so the text does not jump while you type.
   */
  view(width: number): { text: string; cursorX: number } {
    const chars = this.#chars;
    const room = Math.max(1, width - 1); // the cursor may sit after the last character
    if (this.#cursor < this.#scroll) this.#scroll = this.#cursor;
    const widthBetween = (from: number, to: number) => {
      let w = 0;
      for (let i = from; i < to; i += 1) w += graphemeWidth(chars[i]!);
      return w;
    };
    while (this.#scroll < this.#cursor && widthBetween(this.#scroll, this.#cursor) > room) {
      this.#scroll += 1;
    }
    // Scrolled further than needed (after deleting, or a wider terminal): show more.
    while (this.#scroll > 0 && widthBetween(this.#scroll - 1, chars.length) <= room) {
      this.#scroll -= 1;
    }
    let text = '';
    let used = 0;
    for (let i = this.#scroll; i < chars.length; i += 1) {
      const w = graphemeWidth(chars[i]!);
      if (used + w > width) break;
      text += chars[i]!;
      used += w;
    }
    return { text, cursorX: widthBetween(this.#scroll, this.#cursor) };
  }
}

function isSpace(grapheme: string): boolean {
  return /^\s+$/u.test(grapheme);
}
