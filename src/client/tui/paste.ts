/**
 * Pasted text into what to send. A terminal delivers a paste as one burst
 * of input (between ESC[200~ and ESC[201~ once bracketed paste is on), with
 * CR, LF or CRLF between the lines. Line by line (the default), every
 * complete line is a message of its own and the unfinished last one stays
 * in the input to edit; with --paste-as-one the lines are joined by spaces
 * into one message (the server would turn line breaks into spaces anyway).
 */

export interface PastePlan {
  /** Text that joins what is already typed, up to the first line break. */
  first: string;
  /** Complete lines after the first, each a message (blank ones are skipped). */
  lines: string[];
  /** The rest after the last line break: stays in the input. */
  rest: string;
  /** Whether the paste had a line break at all (otherwise it is plain typing). */
  multiline: boolean;
}

export function planPaste(text: string, asOne: boolean): PastePlan {
  const parts = text.replace(/\r\n?/gu, '\n').split('\n');
  if (parts.length === 1) return { first: parts[0]!, lines: [], rest: '', multiline: false };
  const rest = parts.pop()!;
  if (asOne) {
    const joined = parts.filter((p) => p.trim() !== '').join(' ');
    // Everything up to the last break is one message; a tail without a break stays to edit.
    return { first: joined, lines: [], rest, multiline: true };
  }
  const [first, ...lines] = parts;
  return { first: first!, lines: lines.filter((l) => l.trim() !== ''), rest, multiline: true };
}
