/**
 * The interactive fallback on a terminal until the full-screen UI lands: a
 * readline prompt showing the current room. Incoming lines never clobber
 * what the user is typing: the prompt line is cleared, the event printed,
 * then the prompt and the half-typed input are drawn again. readline measures
 * wide and combining characters itself when it redraws the input.
 */
import { clearLine, createInterface, cursorTo } from 'node:readline';
import { sanitizeText } from '../../core/sanitize.ts';
import { parseTextInput } from '../../core/commands.ts';
import type { ErrorFrame } from '../../protocol/frames.ts';
import { describeNewHost, type NewHostQuestion } from '../../tls/client-trust.ts';
import type { Connection, StateChange } from '../connection.ts';
import {
  loadIgnoreList,
  parseIgnoreCommand,
  runIgnoreCommand,
  type IgnoreList,
} from '../ignore.ts';
import { formatFrameLine, helpLines } from './format.ts';
import { EXIT, describeState, exitCodeFor } from './status.ts';

export interface InteractiveOptions {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  errors: NodeJS.WriteStream;
  ackTimeoutMs: number;
  /** Names whose messages are not shown. Default: the list in natter's config directory. */
  ignore?: IgnoreList;
}

export class InteractiveUi {
  readonly #options: InteractiveOptions;
  readonly #rl;
  #connection: Connection | null = null;
  /** readline refuses to draw a prompt once closed; status lines still come after. */
  #closed = false;

  constructor(options: InteractiveOptions) {
    this.#options = options;
    this.#rl = createInterface({ input: options.input, output: options.output, terminal: true });
    this.#rl.setPrompt('(connecting) > ');
    this.#rl.once('close', () => (this.#closed = true));
  }

  /** Prints above the prompt, then redraws the prompt and the input typed so far. */
  print(line: string, stream: NodeJS.WriteStream = this.#options.output): void {
    clearLine(this.#options.output, 0);
    cursorTo(this.#options.output, 0);
    stream.write(`${line}\n`);
    if (!this.#closed) this.#rl.prompt(true);
  }

  status(line: string): void {
    this.print(`natter: ${line}`, this.#options.errors);
  }

  /** The trust-on-first-use question (see client-trust.ts). */
  async askTrust(question: NewHostQuestion): Promise<boolean> {
    this.status(describeNewHost(question));
    const answer = await this.#ask(
      `Trust ${question.hostPort} and remember it in ${question.knownHosts}? [y/N] `,
    );
    return /^\s*y(es)?\s*$/iu.test(answer);
  }

  /** Asked when the server refuses the name at login. */
  async chooseName(refusal: ErrorFrame): Promise<string | null> {
    this.status(`${sanitizeText(refusal.code)}: ${sanitizeText(refusal.message)}`);
    const answer = (await this.#ask('Choose another name (empty to give up): ')).trim();
    return answer === '' ? null : answer;
  }

  /** The name is registered: ask for its password without echoing it. */
  async askPassword(refusal: ErrorFrame): Promise<string | null> {
    this.status(`${sanitizeText(refusal.code)}: ${sanitizeText(refusal.message)}`);
    const rl = this.#rl as unknown as { _writeToOutput(text: string): void };
    const write = rl._writeToOutput.bind(rl);
    const prompt = 'Password (empty to give up): ';
    // readline has no silent mode: echo the prompt, and nothing of what is typed.
    rl._writeToOutput = (text: string) => {
      if (text.startsWith(prompt) || text === '\r\n' || text === '\n')
        write(text.startsWith(prompt) ? prompt : text);
    };
    try {
      const answer = await this.#ask(prompt);
      // Nor may it be one Up-arrow away afterwards.
      const history = (this.#rl as unknown as { history?: string[] }).history;
      if (history?.[0] === answer) history.shift();
      return answer === '' ? null : answer;
    } finally {
      rl._writeToOutput = write;
    }
  }

  #ask(question: string): Promise<string> {
    return new Promise((resolve) => {
      clearLine(this.#options.output, 0);
      cursorTo(this.#options.output, 0);
      this.#rl.question(question, resolve);
    });
  }

  #updatePrompt(): void {
    const connection = this.#connection;
    if (!connection || this.#closed) return;
    const where = sanitizeText(connection.room ?? '(no room)');
    this.#rl.setPrompt(
      connection.state === 'online' ? `${where}> ` : `(${connection.state}) ${where}> `,
    );
    this.#rl.prompt(true);
  }

  /** Runs the chat until /quit, Ctrl-D or Ctrl-C; returns the exit code. */
  async run(connection: Connection, peer: string): Promise<number> {
    this.#connection = connection;
    const rl = this.#rl;
    const ignore =
      this.#options.ignore ??
      (await loadIgnoreList((message) => this.status(`warning: ${message}`)));
    connection.on('frame', (frame) => {
      ignore.follow(frame);
      const line = ignore.isIgnored(frame) ? null : formatFrameLine(frame);
      if (line !== null) this.print(line);
      if (frame.type === 'join' || frame.type === 'leave') this.#updatePrompt();
    });
    connection.on('warning', (message) => this.status(`warning: ${message}`));
    const offline = new Promise<StateChange>((resolve) => {
      connection.on('state', (change) => {
        this.status(describeState(change, connection, peer));
        this.#updatePrompt();
        if (change.state === 'offline') resolve(change);
      });
    });
    let quitReason: string | undefined;
    const done = new Promise<void>((resolve) => {
      rl.on('SIGINT', () => rl.close());
      rl.once('close', resolve);
    });
    let localWork = Promise.resolve();
    rl.on('line', (line) => {
      if (/^\/reconnect\s*$/iu.test(line)) {
        if (!connection.reconnect()) this.status('already connected');
        if (!this.#closed) rl.prompt();
        return;
      }
      if (connection.state === 'offline') return;
      const local = parseIgnoreCommand(line);
      if (local !== null) {
        // This client's own command: answered here, one after another.
        localWork = localWork.then(async () => {
          const outcome = await runIgnoreCommand(ignore, local, connection.name);
          if ('error' in outcome) this.print(`! ${outcome.error.code}: ${outcome.error.message}`);
          else for (const answer of outcome.lines) this.print(answer);
        });
        return;
      }
      const input = parseTextInput(line, connection.newId);
      if (input.kind === 'help') for (const help of helpLines()) this.print(help);
      else if (input.kind === 'error') this.print(`! ${input.error.code}: ${input.error.message}`);
      else if (input.kind === 'frame' && input.frame.type === 'quit') {
        quitReason = input.frame.reason;
        rl.close();
        return;
      } else if (input.kind === 'frame') connection.send(input.frame);
      if (!this.#closed) rl.prompt();
    });
    rl.prompt();
    connection.start();

    const first = await Promise.race([done.then(() => null), offline]);
    let settled = true;
    if (first === null && connection.state !== 'offline') {
      const waiting = connection.pending.length;
      if (waiting > 0) this.status(`waiting for ${waiting} acknowledgement(s)`);
      settled = await connection.drain(this.#options.ackTimeoutMs);
      await connection.quit(quitReason);
    }
    if (!this.#closed) this.#options.output.write('\n'); // keep what was typed, unsent, visible
    rl.close();
    this.#options.input.pause();
    await localWork;
    const end = await offline;
    if (first !== null || end.cause === 'fatal') return exitCodeFor(end);
    return settled ? EXIT.ok : EXIT.failed;
  }
}
