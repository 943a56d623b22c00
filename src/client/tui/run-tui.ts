/**
 * Starts and ends the full-screen client. It takes over the terminal (the
 * alternate screen, so your shell's scrollback is left as it was, and
 * bracketed paste, so a paste arrives as one), mounts the Ink app, runs
 * the session, and gives the terminal back on every way out: /quit,
 * Ctrl-C, the server going away, SIGTERM/SIGHUP, or a crash.
 */
import { render } from 'ink';
import React from 'react';
import { sanitizeText } from '../../core/sanitize.ts';
import type { ErrorFrame } from '../../protocol/frames.ts';
import { describeNewHost, type NewHostQuestion } from '../../tls/client-trust.ts';
import type { Connection } from '../connection.ts';
import { ChatModel } from './chat-model.ts';
import { App } from './components/app.ts';
import { TuiController } from './controller.ts';
import { RowCache } from './entry-rows.ts';
import { colorWanted, createTheme } from './theme.ts';

/**
 * Alternate screen, cleared; bracketed paste on; line wrap off. Terminals
 * disagree about the width of some emoji (a skin-tone modifier is 2 columns
 * in one, 4 in another): with autowrap on, a row one column too wide would
 * spill onto the next and shift the whole screen; off, it only loses its
 * last characters at the right edge.
 */
const ENTER = '\x1b[?1049h\x1b[H\x1b[2J\x1b[?2004h\x1b[?7l';
/** Everything back as it was: wrap on, bracketed paste off, cursor visible, normal screen. */
const LEAVE = '\x1b[?7h\x1b[?2004l\x1b[?25h\x1b[?1049l';

export interface TuiOptions {
  name: string;
  /** `host:port`. */
  peer: string;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  bell: boolean;
  pasteAsOne: boolean;
  ackTimeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

export class TuiSession {
  readonly #options: TuiOptions;
  readonly controller: TuiController;

  constructor(options: TuiOptions) {
    this.#options = options;
    const model = new ChatModel({ name: options.name, peer: options.peer });
    this.controller = new TuiController(model, {
      bell: options.bell,
      pasteAsOne: options.pasteAsOne,
      ackTimeoutMs: options.ackTimeoutMs,
      ringBell: () => options.stdout.write('\x07'),
    });
  }

  /** A status line from the trust check (a newly remembered server, a bad known_hosts line). */
  status(line: string): void {
    for (const part of line.split('\n')) this.controller.session.status(sanitizeText(part));
  }

  /** The certificate's fingerprint, once the server passed the trust check. */
  setFingerprint(fingerprint: string): void {
    this.controller.model.fingerprint = fingerprint;
    this.controller.model.changed();
  }

  /** Trust on first use, asked in the input line. */
  async askTrust(question: NewHostQuestion): Promise<boolean> {
    this.status(describeNewHost(question));
    const answer = await this.controller.session.ask(`Trust ${question.hostPort}? [y/N] `);
    return /^\s*y(es)?\s*$/iu.test(answer);
  }

  /** The server refused the name at login (its error is on screen): ask for another. */
  async chooseName(_refusal: ErrorFrame): Promise<string | null> {
    const answer = (await this.controller.session.ask('Another name (empty gives up): ')).trim();
    return answer === '' ? null : answer;
  }

  /** The name is registered: ask for its password, masked in the input line. */
  async askPassword(_refusal: ErrorFrame): Promise<string | null> {
    const answer = await this.controller.session.ask('Password: ', true);
    return answer === '' ? null : answer;
  }

  /** Runs the session until it is over; returns the exit code. */
  async run(connection: Connection): Promise<number> {
    const { stdout, stdin, stderr } = this.#options;
    const controller = this.controller;
    const session = controller.session;
    let restored = false;
    const restore = () => {
      if (restored) return;
      restored = true;
      stdout.write(LEAVE);
    };
    // A signal or a crash must not leave the terminal on the alternate screen.
    const onSignal = () => void session.quit(undefined, true);
    // `on`, not `once`: Ink's signal-exit re-raises the signal when it finds
    // itself the only listener left, which would skip the goodbye and the restore.
    process.on('SIGTERM', onSignal).on('SIGHUP', onSignal);
    process.once('exit', restore);
    // After SIGHUP the terminal is gone and drawing fails; saying goodbye to
    // the server still matters, so a failed write must not crash the client.
    const ignore = () => {};
    stdout.on('error', ignore);

    stdout.write(ENTER);
    const theme = createTheme(colorWanted(this.#options.env ?? process.env));
    const instance = render(
      React.createElement(App, { controller, theme, cache: new RowCache() }),
      {
        stdout,
        stdin,
        stderr,
        exitOnCtrlC: false, // Ctrl-C says goodbye to the server first
        patchConsole: false,
      },
    );
    session.attach(connection, this.#options.peer);
    connection.start();
    try {
      return await session.done;
    } finally {
      instance.unmount();
      await instance.waitUntilExit().catch(() => {});
      restore();
      process.off('SIGTERM', onSignal).off('SIGHUP', onSignal).off('exit', restore);
      stdout.off('error', ignore);
      stdin.pause();
      for (const line of session.farewell) stderr.write(`natter: ${line}\n`);
    }
  }
}
