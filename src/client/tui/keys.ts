/**
 * Keys to actions. Ink's useInput hands over (input, key); this decides what
 * they mean, with no side effects, so the bindings are testable and listed
 * in one place (docs/tui.md mirrors this table).
 *
 * Ink reports the Backspace key (DEL, 0x7f, on nearly every terminal) as
 * `key.delete`, the same as the Delete key; Backspace is by far the more
 * common, so both erase backwards and Ctrl-D deletes forwards, as in
 * readline.
 *
 * Keys typed faster than the terminal is read (or sent by tmux send-keys,
 * or a paste in a terminal without bracketed paste) arrive as one string,
 * which Ink splits only at escape sequences: `keyActions` takes such a
 * burst apart, so Enter and Tab inside it still act as keys.
 */
import type { Key } from 'ink';
import type { EditOp } from './input-line.ts';

export type KeyAction =
  | { type: 'insert'; text: string }
  | { type: 'paste-start' }
  | { type: 'paste-end' }
  | { type: 'submit' }
  | { type: 'edit'; op: EditOp }
  | { type: 'history'; step: -1 | 1 }
  | { type: 'complete'; step: -1 | 1 }
  | { type: 'scroll'; pages: number }
  | { type: 'window'; step: number }
  | { type: 'window-number'; number: number }
  | { type: 'quit' }
  | { type: 'eof-or-delete' }
  | { type: 'none' };

/** What terminals send around a paste once bracketed paste mode is on (Ink strips the ESC). */
export const PASTE_START = '[200~';
export const PASTE_END = '[201~';

const CTRL: Record<string, KeyAction> = {
  a: { type: 'edit', op: 'home' },
  e: { type: 'edit', op: 'end' },
  b: { type: 'edit', op: 'left' },
  f: { type: 'edit', op: 'right' },
  u: { type: 'edit', op: 'kill-start' },
  k: { type: 'edit', op: 'kill-end' },
  w: { type: 'edit', op: 'kill-word' },
  h: { type: 'edit', op: 'backspace' },
  n: { type: 'window', step: 1 },
  p: { type: 'window', step: -1 },
  c: { type: 'quit' },
  d: { type: 'eof-or-delete' },
};

/** What a control character inside a burst of typing does. */
function controlChar(ch: string): KeyAction | null {
  if (ch === '\r' || ch === '\n') return { type: 'submit' };
  if (ch === '\t') return { type: 'complete', step: 1 };
  if (ch === '\x7f' || ch === '\b') return { type: 'edit', op: 'backspace' };
  const code = ch.codePointAt(0)!;
  if (code >= 1 && code <= 26) return CTRL[String.fromCharCode(code + 96)] ?? { type: 'none' };
  return code < 0x20 ? { type: 'none' } : null;
}

/** The actions of one input event from Ink: usually one, several for a burst of typing. */
export function keyActions(input: string, key: Key): KeyAction[] {
  const action = keyAction(input, key);
  if (action.type !== 'insert' || !/[\x00-\x1f\x7f]/u.test(input)) return [action];
  const actions: KeyAction[] = [];
  let text = '';
  for (const ch of input) {
    const control = controlChar(ch);
    if (control === null) {
      text += ch;
      continue;
    }
    if (text !== '') actions.push({ type: 'insert', text });
    text = '';
    if (control.type !== 'none') actions.push(control);
  }
  if (text !== '') actions.push({ type: 'insert', text });
  return actions;
}

export function keyAction(input: string, key: Key): KeyAction {
  if (input === PASTE_START) return { type: 'paste-start' };
  if (input === PASTE_END) return { type: 'paste-end' };
  if (key.pageUp) return { type: 'scroll', pages: 1 };
  if (key.pageDown) return { type: 'scroll', pages: -1 };
  if (key.tab) return { type: 'complete', step: key.shift ? -1 : 1 };
  if (key.return) return { type: 'submit' };
  if (key.meta && (key.leftArrow || key.rightArrow)) {
    return { type: 'window', step: key.leftArrow ? -1 : 1 };
  }
  if (key.upArrow) return { type: 'history', step: -1 };
  if (key.downArrow) return { type: 'history', step: 1 };
  if (key.leftArrow) return { type: 'edit', op: key.ctrl ? 'word-left' : 'left' };
  if (key.rightArrow) return { type: 'edit', op: key.ctrl ? 'word-right' : 'right' };
  if (key.home) return { type: 'edit', op: 'home' };
  if (key.end) return { type: 'edit', op: 'end' };
  if (key.backspace || key.delete) return { type: 'edit', op: 'backspace' };
  if (key.ctrl) return CTRL[input] ?? { type: 'none' };
  if (key.meta) {
    // Alt-1 … Alt-9 pick a conversation by its number, Alt-0 the tenth (irssi's keys).
    if (/^[0-9]$/u.test(input)) return { type: 'window-number', number: Number(input) || 10 };
    if (input === 'b') return { type: 'edit', op: 'word-left' };
    if (input === 'f') return { type: 'edit', op: 'word-right' };
    if (input === '\x7f' || input === '\b') return { type: 'edit', op: 'kill-word' };
    return { type: 'none' };
  }
  if (key.escape || input === '') return { type: 'none' };
  return { type: 'insert', text: input };
}
