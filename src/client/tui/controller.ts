/**
 * The full-screen client's behaviour, between the connection manager and
 * the screen: server frames into the model, keys into edits, lines into
 * frames, pastes into paced messages, mentions into one bell each, and
 * leaving (Ctrl-C, /quit) into a clean goodbye and an exit code. The
 * components only draw what the model and the input line hold.
 */
import { formatHelp } from '../../core/format.ts';
import { roomKey } from '../../core/rooms.ts';
import type { Connection, StateChange } from '../connection.ts';
import { EXIT, describeState, exitCodeFor } from '../line/status.ts';
import { sanitizeFrame } from '../sanitize-frame.ts';
import { applyFrame } from './apply-frame.ts';
import { type ChatModel, sameName } from './chat-model.ts';
import { complete, type CompletionState } from './completion.ts';
import { InputLine } from './input-line.ts';
import type { KeyAction } from './keys.ts';
import {
  COMMAND_WORDS,
  SCREEN_COMMANDS,
  interpretLine,
  literalLine,
  type LineAction,
} from './line-commands.ts';
import { planPaste } from './paste.ts';
import { graphemes } from './text-width.ts';
import { type PaneLayout, pageRows, scrollBy } from './viewport.ts';

export interface ControllerOptions {
  /** Ring the bell for mentions and private messages. */
  bell: boolean;
  /** Send a multi-line paste as one message instead of one per line. */
  pasteAsOne: boolean;
  /** How long /quit waits for acknowledgements of what was sent. */
  ackTimeoutMs: number;
  /** Writes BEL to the terminal. */
  ringBell: () => void;
}

/** Bells closer together than this are one bell: a burst of mentions is not a siren. */
const BELL_GAP_MS = 1000;
/** Pastes longer than this get a note: the server takes them at its own pace. */
const PASTE_NOTE_LINES = 8;

const KEY_HELP = [
  'keys: PageUp/PageDown scroll, Up/Down history, Tab completes names, commands and #rooms,',
  '      Ctrl-N/Ctrl-P or Alt-1…9 switch conversations, Ctrl-C leaves',
];

export class TuiController {
  readonly model: ChatModel;
  readonly input = new InputLine();
  readonly #options: ControllerOptions;
  #connection: Connection | null = null;
  #completion: CompletionState | null = null;
  /** Bracketed paste in progress: what arrived so far. */
  #paste: string | null = null;
  /** Rooms we asked to join: the view moves there when the server confirms. */
  readonly #joining = new Set<string>();
  #lastBell = -Infinity;
  #wasOnline = false;
  #leaving = false;
  #forceLeave: (() => void) | null = null;
  #ended: StateChange | null = null;
  #resolveDone!: (code: number) => void;
  /** Resolves with the exit code once the session is over and the screen may close. */
  readonly done = new Promise<number>((resolve) => (this.#resolveDone = resolve));
  /** Lines for stderr once the screen is gone (why we could not connect, say). */
  readonly farewell: string[] = [];

  constructor(model: ChatModel, options: ControllerOptions) {
    this.model = model;
    this.#options = options;
    model.onAlert = () => this.#bell();
  }

  attach(connection: Connection, peer: string): void {
    this.#connection = connection;
    const model = this.model;
    connection.on('frame', (raw) => {
      const frame = sanitizeFrame(raw);
      applyFrame(model, frame);
      if (frame.type === 'join' && this.#joining.delete(roomKey(frame.room))) {
        const room = model.room(frame.room);
        if (room && sameName(frame.name, model.me)) model.activate(room);
      }
      model.changed();
    });
    connection.on('warning', (message) => this.status(`warning: ${message}`));
    connection.on('state', (change) => {
      model.state = change.state;
      if (change.state === 'online') this.#wasOnline = true;
      for (const line of describeState(change, connection, peer).split('\n')) this.status(line);
      if (change.state === 'offline') this.#offline(change);
      model.changed();
    });
  }

  /** Asks in the input line (trust on first use, another name); resolves with the answer. */
  ask(prompt: string): Promise<string> {
    return new Promise((resolve) => {
      this.model.question = { prompt, answer: resolve };
      this.model.changed();
    });
  }

  /** A status line, shown in the conversation in view. */
  status(line: string): void {
    this.model.notice(line);
    this.model.changed();
  }

  #offline(change: StateChange): void {
    this.#ended = change;
    if (this.#leaving) return; // quit() finishes
    if (!this.#wasOnline) {
      // Never got in (refused trust, no server, no name): nothing to read, say why outside.
      this.farewell.push(describeState(change, this.#connection!, this.model.peer));
      this.#resolveDone(exitCodeFor(change));
      return;
    }
    this.status('offline: Ctrl-C or /quit leaves');
  }

  #bell(): void {
    const now = this.model.now();
    if (!this.#options.bell || now - this.#lastBell < BELL_GAP_MS) return;
    this.#lastBell = now;
    this.#options.ringBell();
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
        if (input.text === '') void this.quit(undefined, true);
        else input.edit('delete');
        break;
      case 'quit':
        void this.quit(undefined, true);
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
    this.#run(interpretLine(this.input.submit(), this.model, this.#newId));
  }

  #newId = (): string => this.#connection!.newId();

  #pasted(text: string): void {
    const plan = planPaste(text, this.#options.pasteAsOne);
    const input = this.input;
    if (!plan.multiline || this.model.question) {
      input.insert(plan.first.replace(/[\r\n]+/gu, ' '));
      return;
    }
    const typed = input.text.trim() !== '';
    input.insert(plan.first);
    const line = input.submit();
    // What you typed before pasting may be a command; pasted lines never are.
    this.#run(typed ? interpretLine(line, this.model, this.#newId) : this.#literal(line));
    for (const pasted of plan.lines) this.#run(this.#literal(pasted));
    input.insert(plan.rest);
    const count = plan.lines.length + 1;
    if (count > PASTE_NOTE_LINES) {
      this.status(`sending ${count} pasted lines at the pace the server accepts`);
    }
  }

  #literal(line: string): LineAction {
    return literalLine(line, this.model, this.#newId);
  }

  #run(action: LineAction): void {
    const model = this.model;
    const connection = this.#connection;
    switch (action.kind) {
      case 'none':
        return;
      case 'help':
        for (const line of formatHelp()) model.notice(line.replace(/^-- ?/u, ''));
        for (const c of SCREEN_COMMANDS) model.notice(`  ${c.usage.padEnd(15)}  ${c.about}`);
        for (const line of KEY_HELP) model.notice(line);
        return;
      case 'fingerprint':
        model.showFingerprint = !model.showFingerprint;
        if (model.fingerprint === null) model.notice('no certificate fingerprint yet');
        return;
      case 'quit':
        void this.quit(action.reason, false);
        return;
      case 'error':
        model.notice(action.text, 'error');
        return;
      case 'switch':
        model.activate(action.conversation);
        return;
      case 'close':
        model.close(action.conversation);
        return;
      case 'query':
        model.activate(model.openPrivate(action.name));
        return;
    }
    if (!connection || connection.state === 'offline') {
      model.notice('offline: nothing can be sent (Ctrl-C or /quit leaves)', 'error');
      return;
    }
    if (action.kind === 'request') {
      if (action.join !== undefined) this.#joining.add(roomKey(action.join));
      connection.send(action.frame);
      return;
    }
    const { frame, conversation } = action;
    const id = connection.send(frame);
    model.sent(id, conversation, frame.type === 'me' ? 'me' : 'say', frame.text);
    if (frame.type === 'msg') model.activate(conversation);
  }

  /**
   * Leaves: waits for the acknowledgement of what was sent (unless `now`,
   * as for Ctrl-C; a second Ctrl-C stops the wait), says goodbye, and
   * resolves `done` with the exit code.
   */
  async quit(reason: string | undefined, now: boolean): Promise<void> {
    if (this.#leaving) {
      this.#forceLeave?.();
      return;
    }
    this.#leaving = true;
    this.model.question?.answer(''); // a trust or name question counts as declined
    this.model.question = null;
    const connection = this.#connection;
    let settled = true;
    if (connection && connection.state !== 'offline') {
      const waiting = connection.pending.length;
      if (!now && waiting > 0) {
        this.status(`waiting for ${waiting} acknowledgement(s); Ctrl-C leaves now`);
        const forced = new Promise<boolean>((resolve) => (this.#forceLeave = () => resolve(false)));
        settled = await Promise.race([connection.drain(this.#options.ackTimeoutMs), forced]);
      }
      await connection.quit(reason);
    }
    const ended = this.#ended;
    if (ended && ended.cause !== 'quit') this.#resolveDone(exitCodeFor(ended));
    else this.#resolveDone(now || settled ? EXIT.ok : EXIT.failed);
  }
}
