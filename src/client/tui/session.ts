/**
 * The session behind the screen, between the connection manager and the
 * model: server frames in (sanitised), typed lines out as frames, state
 * changes as status lines, mentions as one bell each, and leaving (Ctrl-C,
 * /quit, the server going away) as a clean goodbye and an exit code.
 */
import { formatHelp } from '../../core/format.ts';
import { roomKey } from '../../core/rooms.ts';
import type { Connection, StateChange } from '../connection.ts';
import { EXIT, describeState, exitCodeFor } from '../line/status.ts';
import { sanitizeFrame } from '../sanitize-frame.ts';
import { IgnoreList, loadIgnoreList, parseIgnoreCommand, runIgnoreCommand } from '../ignore.ts';
import { applyFrame } from './apply-frame.ts';
import { type ChatModel, sameName } from './chat-model.ts';
import { SCREEN_COMMANDS, type LineAction } from './line-commands.ts';
import { ReadSync } from './read-sync.ts';

export interface SessionOptions {
  /** Ring the bell for mentions and private messages. */
  bell: boolean;
  /** How long /quit waits for acknowledgements of what was sent. */
  ackTimeoutMs: number;
  /** Writes BEL to the terminal. */
  ringBell: () => void;
  /** Where /ignore keeps its list (default: the user's natter config); null: this session only. */
  ignoreFile?: string | null;
}

/** Bells closer together than this are one bell: a burst of mentions is not a siren. */
const BELL_GAP_MS = 1000;

const KEY_HELP = [
  'keys: PageUp/PageDown scroll, Up/Down history, Tab completes names, commands and #rooms,',
  '      Ctrl-N/Ctrl-P or Alt-1…9 switch conversations, Ctrl-C leaves',
];

export class ChatSession {
  readonly model: ChatModel;
  readonly #options: SessionOptions;
  #connection: Connection | null = null;
  /** Rooms we asked to join: the view moves there when the server confirms. */
  readonly #joining = new Set<string>();
  #lastBell = -Infinity;
  #wasOnline = false;
  /** Whose messages to hide (client-side /ignore); loaded when the session starts. */
  #ignore: IgnoreList | null = null;
  #leaving = false;
  #forceLeave: (() => void) | null = null;
  #ended: StateChange | null = null;
  #reads: ReadSync | null = null;
  #resolveDone!: (code: number) => void;
  /** Resolves with the exit code once the session is over and the screen may close. */
  readonly done = new Promise<number>((resolve) => (this.#resolveDone = resolve));
  /** Lines for stderr once the screen is gone (why we could not connect, say). */
  readonly farewell: string[] = [];

  constructor(model: ChatModel, options: SessionOptions) {
    this.model = model;
    this.#options = options;
    model.onAlert = () => this.#bell();
  }

  /** A fresh client id for a message (parseTextInput numbers messages with it). */
  readonly newId = (): string => {
    if (!this.#connection) throw new Error('no connection attached');
    return this.#connection.newId();
  };

  /** /ignore and /unignore are answered here; true when the line was one of them. */
  ignoreCommand(line: string): boolean {
    const command = parseIgnoreCommand(line);
    if (!command) return false;
    void (async () => {
      const list = (this.#ignore ??= await this.#loadIgnore());
      const outcome = await runIgnoreCommand(list, command, this.model.me);
      if ('error' in outcome) {
        this.model.notice(`${outcome.error.code}: ${outcome.error.message}`, 'error');
      } else {
        for (const line of outcome.lines) this.model.notice(line.replace(/^-- ?/u, ''));
      }
      this.model.changed();
    })();
    return true;
  }

  #loadIgnore(): Promise<IgnoreList> {
    const file = this.#options.ignoreFile;
    if (file === null) return Promise.resolve(new IgnoreList(null));
    return loadIgnoreList((m) => this.status(`warning: ${m}`), file);
  }

  attach(connection: Connection, peer: string): void {
    this.#connection = connection;
    this.#reads = new ReadSync(this.model, (room, msg) => {
      if (connection.state === 'online' && connection.supports('read-markers')) {
        connection.send({ type: 'read', room, msg });
      }
    });
    void this.#loadIgnore().then((list) => {
      this.#ignore ??= list;
    });
    const model = this.model;
    connection.on('frame', (raw) => {
      const frame = sanitizeFrame(raw);
      if (frame.type === 'read') {
        this.#reads?.heard(frame);
        model.changed();
        return;
      }
      this.#ignore?.follow(frame);
      if (this.#ignore?.isIgnored(frame)) return; // /ignore: hidden here, kept by the server
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
  ask(prompt: string, secret = false): Promise<string> {
    return new Promise((resolve) => {
      this.model.question = { prompt, secret, answer: resolve };
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
    this.status('offline: /reconnect tries again; Ctrl-C or /quit leaves');
  }

  #bell(): void {
    const now = this.model.now();
    if (!this.#options.bell || now - this.#lastBell < BELL_GAP_MS) return;
    this.#lastBell = now;
    this.#options.ringBell();
  }

  /** Does what a typed (or pasted) line asked for. */
  run(action: LineAction): void {
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
      case 'reconnect':
        if (!connection?.reconnect()) model.notice('already connected');
        return;
    }
    if (!connection || connection.state === 'offline') {
      model.notice('offline: nothing can be sent (/reconnect, or Ctrl-C or /quit leaves)', 'error');
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
