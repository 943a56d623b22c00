/**
 * The rows around the message pane, as plain data: the title bar (what you
 * are looking at, and its topic), the status bar (connection, you, where
 * you are, unseen activity, the server, and the certificate's fingerprint
 * on demand), the room list, and the input line with its prompt.
 */
import type { ChatModel } from './chat-model.ts';
import type { Conversation } from './conversation.ts';
import type { InputLine } from './input-line.ts';
import { type Row, type Run, fitRow, run } from './styled.ts';
import { displayWidth, truncateToWidth } from './text-width.ts';
import type { Theme } from './theme.ts';

export function titleRow(model: ChatModel, width: number, theme: Theme): Row {
  const c = model.active;
  let text: string;
  if (!c) text = `natter: ${model.state} to ${model.peer}`;
  else if (c.kind === 'private') text = `${c.title}: private conversation`;
  else {
    const n = c.members.length;
    const who = n > 0 ? ` (${n} ${n === 1 ? 'user' : 'users'})` : '';
    text = `${c.title}${who}${c.topic ? `: ${c.topic}` : ''}`;
  }
  return fitRow([run(` ${text}`, theme.bar)], width, theme.bar);
}

/** `2:#dev(4)`, with `!` when something there named you. */
function activity(model: ChatModel): string {
  return model.order
    .map((c, i) => ({ c, n: i + 1 }))
    .filter(({ c }) => c !== model.active && c.unread > 0)
    .map(({ c, n }) => `${n}:${c.title}(${c.unread}${c.mentions > 0 ? '!' : ''})`)
    .join(' ');
}

export function statusRows(
  model: ChatModel,
  width: number,
  theme: Theme,
  withActivity: boolean,
): Row[] {
  const bar = theme.bar;
  const sep = run(' | ', bar);
  const shown = model.shown;
  const runs: Run[] = [
    run(` ${model.state}`, model.state === 'online' ? bar : theme.barAlert),
    sep,
    run(model.me, bar),
  ];
  if (model.active) runs.push(sep, run(model.active.title, bar));
  if (shown.anchor !== null) {
    runs.push(sep, run(shown.unread > 0 ? `MORE: ${shown.unread} new` : 'MORE', theme.barAlert));
  }
  const act = withActivity ? activity(model) : '';
  if (act !== '') {
    const alert = model.order.some((c) => c !== model.active && c.mentions > 0);
    runs.push(sep, run(`act: ${act}`, alert ? theme.barAlert : bar));
  }
  const where = model.server ? `${model.server} (${model.peer})` : model.peer;
  runs.push(sep, run(where, bar));
  const rows = [fitRow(runs, width, bar)];
  if (model.showFingerprint) {
    for (const line of fingerprintLines(model.fingerprint, width)) {
      rows.push(fitRow([run(line, bar)], width, bar));
    }
  }
  return rows;
}

/**
 * The certificate's fingerprint, whole (it is only useful whole), broken
 * after a colon when it does not fit, so that no byte is split in two.
 */
export function fingerprintLines(fingerprint: string | null, width: number): string[] {
  const lines: string[] = [];
  let line = ' TLS certificate SHA256';
  const pieces = fingerprint === null ? ['(not connected yet)'] : fingerprint.split(':');
  pieces.forEach((piece, i) => {
    const word = `${i === 0 ? ' ' : ''}${piece}${i < pieces.length - 1 ? ':' : ''}`;
    if (line.length + word.length > width && line.trim() !== '') {
      lines.push(line);
      line = ` ${word.trimStart()}`;
    } else {
      line += word;
    }
  });
  lines.push(line);
  return lines;
}

/** The room list's width for these conversations, or 0 when the terminal is too narrow. */
export function roomListWidth(model: ChatModel, columns: number): number {
  if (columns < 60 || model.order.length === 0) return 0;
  const longest = Math.max(...model.order.map((c) => displayWidth(c.title)));
  return Math.min(24, Math.max(14, longest + 9));
}

/** `height` rows of `width` columns, the last column a rule beside the pane. */
export function roomListRows(model: ChatModel, width: number, height: number, theme: Theme): Row[] {
  const inner = width - 1;
  const rows: Row[] = model.order.slice(0, height).map((c, i) => {
    const count = c.unread > 0 ? `${c.unread}${c.mentions > 0 ? '!' : ''}` : '';
    const label = `${String(i + 1).padStart(2)} `;
    const name = truncateToWidth(c.title, inner - label.length - count.length - 1);
    const gap = ' '.repeat(Math.max(1, inner - label.length - displayWidth(name) - count.length));
    const style = rowStyle(c, model, theme);
    return [...fitRow([run(`${label}${name}${gap}${count}`, style)], inner, style), run('|')];
  });
  while (rows.length < height) rows.push([run(' '.repeat(inner)), run('|')]);
  return rows;
}

function rowStyle(c: Conversation, model: ChatModel, theme: Theme) {
  if (c === model.active) return theme.active;
  if (c.mentions > 0) return theme.mention;
  if (c.unread > 0) return theme.ownName; // bold
  return theme.text;
}

/** The input row and where the cursor goes in it. */
export function inputRow(
  model: ChatModel,
  input: InputLine,
  width: number,
  theme: Theme,
): { row: Row; cursorX: number } {
  const label = model.question?.prompt ?? `[${model.active?.title ?? model.state}] `;
  // The prompt gets at most half the row: what you type must stay visible.
  const prompt = truncateToWidth(label, Math.floor(width / 2));
  const promptWidth = displayWidth(prompt);
  const view = input.view(width - promptWidth);
  // A password is shown as one dot per character typed, never as itself.
  const shown = model.question?.secret ? '•'.repeat(displayWidth(view.text)) : view.text;
  return {
    row: fitRow([run(prompt, theme.prompt), run(shown)], width),
    cursorX: promptWidth + view.cursorX,
  };
}
