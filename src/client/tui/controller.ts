/**
 * What keys do: edits of the input line, history, Tab completion, scrolling,
 * switching conversations, and pastes, which arrive as one burst (bracketed
 * paste) and go out line by line, paced by the connection manager. Lines
 * are handed to the session (session.ts) to be sent.
 */
import type { ChatModel } from './chat-model.ts';
import { complete, type CompletionState } from './completion.ts';
import { InputLine } from './input-line.ts';
import type { KeyAction } from './keys.ts';
import { COMMAND_WORDS, interpretLine, literalLine } from './line-commands.ts';
import { planPaste } from './paste.ts';
import { ChatSession, type SessionOptions } from './session.ts';
import { graphemes } from './text-width.ts';
import { type PaneLayout, pageRows, scrollBy } from './viewport.ts';

export interface ControllerOptions extends SessionOptions {
  /** Send a multi-line paste as one message instead of one per line. */
  pasteAsOne: boolean;
}

/** Pastes longer than this get a note: the server takes them at its own pace. */
const PASTE_NOTE_LINES = 8;

export class TuiController {
  readonly model: ChatModel;
  readonly session: ChatSession;
  readonly input = new InputLine();
  readonly #pasteAsOne: boolean;
  #completion: CompletionState | null = null;
  /** Bracketed paste in progress: what arrived so far. */
  #paste: string | null = null;

  constructor(model: ChatModel, options: ControllerOptions) {
    this.model = model;
    this.session = new ChatSession(model, options);
    this.#pasteAsOne = options.pasteAsOne;
  }

  /** Acts on a key; `pane` is the message pane's current size, for scrolling. */
  key(action: KeyAction, pane: PaneLayout): void {
    if (this.#paste !== null && this.#pasting(action)) return;
    if (action.type !== 'complete') this.#completion = null;
    const input = this.input;
    const model = this.model;
    switch (action.type) {
      case 'insert':
        input.insert(action.text);
        break;
      case 'paste-start':
        this.#paste = '';
        return;
      case 'submit':
        this.#submit();
        break;
      case 'edit':
        input.edit(action.op);
        break;
      case 'history':
        input.recall(action.step);
        break;
      case 'complete':
        this.#complete(action.step);
        break;
      case 'scroll':
        scrollBy(model.shown, pane, action.pages * pageRows(pane));
        break;
      case 'window':
        model.cycle(action.step);
        break;
      case 'window-number': {
        const target = model.order[action.number - 1];
        if (target) model.activate(target);
        break;
      }
      case 'eof-or-delete':
        if (input.text === '') void this.session.quit(undefined, true);
        else input.edit('delete');
        break;
      case 'quit':
        void this.session.quit(undefined, true);
        break;
      case 'paste-end':
      case 'none':
        return;
    }
    model.changed();
  }

  /**
   * Inside a bracketed paste, keys are text: Enter is a line break and Tab
   * a tab, collected until the paste ends. Returns false for keys that still
   * act (Ctrl-C, scrolling).
   */
  #pasting(action: KeyAction): boolean {
    switch (action.type) {
      case 'insert':
        this.#paste += action.text;
        return true;
      case 'submit':
        this.#paste += '\n';
        return true;
      case 'complete':
        this.#paste += '\t';
        return true;
      case 'paste-end': {
        const text = this.#paste ?? '';
        this.#paste = null;
        this.#pasted(text);
        this.model.changed();
        return true;
      }
      case 'quit':
      case 'scroll':
        return false;
      default:
        return true;
    }
  }

  #complete(step: 1 | -1): void {
    const input = this.input;
    const before = input.beforeCursor;
    const after = input.text.slice(before.length);
    const sources = {
      commands: COMMAND_WORDS,
      rooms: this.model.completionRooms(),
      names: this.model.completionNames(),
    };
    const result = complete(before, after, sources, this.#completion, step);
    if (!result) return;
    input.set(result.text, graphemes(result.text.slice(0, result.cursor)).length);
    this.#completion = result.state;
  }

  #submit(): void {
    const question = this.model.question;
    if (question) {
      const answer = this.input.text;
      this.input.set('');
      this.model.question = null;
      question.answer(answer);
      return;
    }
    const line = this.input.submit();
    if (this.session.ignoreCommand(line)) return;
    this.session.run(interpretLine(line, this.model, this.session.newId));
  }

  #pasted(text: string): void {
    const plan = planPaste(text, this.#pasteAsOne);
    const input = this.input;
    if (!plan.multiline || this.model.question) {
      input.insert(plan.first.replace(/[\r\n\t]+/gu, ' '));
      return;
    }
    const { model, session } = this;
    const typed = input.text.trim() !== '';
    input.insert(plan.first);
    const line = input.submit();
    // What you typed before pasting may be a command; pasted lines never are.
    session.run(
      typed ? interpretLine(line, model, session.newId) : literalLine(line, model, session.newId),
    );
    for (const pasted of plan.lines) session.run(literalLine(pasted, model, session.newId));
    input.insert(plan.rest);
    const count = plan.lines.length + 1;
    if (count > PASTE_NOTE_LINES) {
      session.status(`sending ${count} pasted lines at the pace the server accepts`);
    }
  }
}
