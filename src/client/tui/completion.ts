/**
 * Tab completion of the word before the cursor: a command when the line is
 * just `/wor`, a room when the word starts with `#`, otherwise a name (with
 * `: ` after it at the start of a line, the IRC way of addressing someone).
 * Pressing Tab again cycles through the other matches (Shift-Tab goes back);
 * any other key keeps what is there.
 */

export interface CompletionSources {
  commands: readonly string[];
  rooms: readonly string[];
  /** In the order to offer them: who spoke last first. */
  names: readonly string[];
}

/** Where a completion run started, so that Tab again can replace its last choice. */
export interface CompletionState {
  /** Text before the word being completed. */
  head: string;
  /** Text after the cursor, kept as is. */
  tail: string;
  candidates: string[];
  index: number;
}

export interface Completed {
  text: string;
  /** Cursor position, in UTF-16 code units of `text`. */
  cursor: number;
  state: CompletionState;
}

function fold(s: string): string {
  return s.normalize('NFKC').toLowerCase();
}

function candidatesFor(head: string, word: string, sources: CompletionSources): string[] {
  const prefix = fold(word);
  const pick = (list: readonly string[]) => list.filter((item) => fold(item).startsWith(prefix));
  if (word.startsWith('/') && head.trim() === '') {
    return pick(sources.commands).map((c) => `${c} `);
  }
  if (word.startsWith('#')) return pick(sources.rooms).map((r) => `${r} `);
  const suffix = head.trim() === '' ? ': ' : ' ';
  return pick(sources.names).map((n) => `${n}${suffix}`);
}

/**
 * Completes at the cursor (`before` is the text before it, `after` the rest).
 * With `state` from the previous Tab, moves to the next match instead.
 * Returns null when nothing matches.
 */
export function complete(
  before: string,
  after: string,
  sources: CompletionSources,
  state: CompletionState | null,
  step: 1 | -1 = 1,
): Completed | null {
  let next: CompletionState;
  if (state && state.candidates.length > 0) {
    const n = state.candidates.length;
    next = { ...state, index: (((state.index + step) % n) + n) % n };
  } else {
    const match = /\S*$/u.exec(before);
    const word = match?.[0] ?? '';
    const head = before.slice(0, before.length - word.length);
    if (word === '' && head.trim() !== '') return null; // nothing typed to complete
    const candidates = candidatesFor(head, word, sources);
    if (candidates.length === 0) return null;
    next = { head, tail: after, candidates, index: step === 1 ? 0 : candidates.length - 1 };
  }
  const choice = next.candidates[next.index]!;
  // A space already after the cursor makes the completion's own one redundant.
  const trimmed = next.tail.startsWith(' ') ? choice.trimEnd() : choice;
  const text = `${next.head}${trimmed}${next.tail}`;
  return { text, cursor: next.head.length + trimmed.length, state: next };
}
