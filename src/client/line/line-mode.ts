/**
 * Line mode, for pipes, scripts and bots: every stdin line is sent (a `/`
 * line is a command, as in text mode), every event is one stdout line, and
 * status goes to stderr only. At end of input it waits until everything it
 * sent is acknowledged, so `printf 'a\nb\n' | natter chat` is a reliable
 * way to post; the exit code says whether it was.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parseTextInput } from '../../core/commands.ts';
import type { ErrorFrame } from '../../protocol/frames.ts';
import type { Connection, StateChange } from '../connection.ts';
import {
  loadIgnoreList,
  parseIgnoreCommand,
  runIgnoreCommand,
  type IgnoreCommand,
  type IgnoreList,
} from '../ignore.ts';
import { formatFrameJson, formatFrameLine, helpLines } from './format.ts';
import { EXIT, describeState, exitCodeFor } from './status.ts';

/** Messages read from input but not yet acknowledged before reading pauses. */
const READ_AHEAD = 256;

export interface LineModeOptions {
  connection: Connection;
  /** `host:port`, for status lines. */
  peer: string;
  input: Readable;
  /** Writes one line to stdout (the newline is added). */
  out: (line: string) => void;
  /** Writes one status line to stderr. */
  status: (line: string) => void;
  /** Print server frames as NDJSON instead of text lines. */
  json: boolean;
  /** At end of input, how long to wait for acknowledgements. */
  ackTimeoutMs: number;
  /**
   * Names whose messages are not printed (--json prints them marked
   * `"ignored": true`). Default: the list in natter's config directory.
   */
  ignore?: IgnoreList;
}

/** Runs until the input ends (or /quit) and everything is settled; returns the exit code. */
export async function runLineMode(options: LineModeOptions): Promise<number> {
  const { connection, json, out, status } = options;
  const ignore =
    options.ignore ?? (await loadIgnoreList((message) => status(`warning: ${message}`)));
  let failures = 0;

  let quitting = false;
  const show = (frame: Parameters<typeof formatFrameLine>[0]) => {
    // The server's goodbye to our own quit is no news in a script's output.
    if (quitting && frame.type === 'bye' && !json) return;
    const ignored = ignore.isIgnored(frame);
    if (ignored && !json) return;
    const line = json ? formatFrameJson(frame, ignored) : formatFrameLine(frame);
    if (line !== null) out(line);
  };
  connection.on('frame', (frame) => {
    // Every error answers something we sent (the manager keeps its own
    // login retries to itself), so each one makes the run a failure.
    if (frame.type === 'error') failures += 1;
    ignore.follow(frame);
    show(frame);
  });
  // /ignore and /unignore are this client's own; they run one after another.
  let localWork = Promise.resolve();
  const runLocal = (command: IgnoreCommand) => {
    localWork = localWork.then(async () => {
      const outcome = await runIgnoreCommand(ignore, command, connection.name);
      if ('error' in outcome) {
        failures += 1;
        show({ type: 'error', ...outcome.error });
      } else for (const line of outcome.lines) (json ? status : out)(line);
    });
  };
  connection.on('warning', (message) => status(`warning: ${message}`));
  const offline = new Promise<StateChange>((resolve) => {
    connection.on('state', (change) => {
      status(describeState(change, connection, options.peer));
      if (change.state === 'offline') resolve(change);
    });
  });

  const reader = createInterface({ input: options.input, crlfDelay: Infinity, terminal: false });
  let reading = true;
  let quitReason: string | undefined;
  const inputEnded = new Promise<void>((resolve) =>
    reader.once('close', () => {
      reading = false; // readline refuses pause/resume once closed
      resolve();
    }),
  );
  reader.on('line', (line) => {
    if (!reading || connection.state === 'offline') return;
    const local = parseIgnoreCommand(line);
    if (local !== null) return runLocal(local);
    const input = parseTextInput(line, connection.newId);
    switch (input.kind) {
      case 'none':
        return;
      case 'help':
        for (const help of helpLines()) (json ? status : out)(help);
        return;
      case 'error': {
        // Refused before it left: reported like the server would, and counted.
        const { code, message } = input.error;
        const refusal: ErrorFrame = { type: 'error', code, message };
        failures += 1;
        show(refusal);
        return;
      }
      case 'frame':
        if (input.frame.type === 'quit') {
          reading = false;
          quitReason = input.frame.reason;
          reader.close();
          return;
        }
        connection.send(input.frame);
        // Bounded like every queue: stop reading a huge input while the
        // server works through what was sent, go on as acks come back.
        if (connection.pending.length >= READ_AHEAD) reader.pause();
    }
  });
  const resume = () => {
    if (reading && connection.pending.length < READ_AHEAD / 2) reader.resume();
  };
  connection.on('ack', resume).on('refused', resume);

  connection.start();
  const first = await Promise.race([inputEnded.then(() => null), offline]);
  let settled = true;
  if (first === null && connection.state !== 'offline') {
    settled = await connection.drain(options.ackTimeoutMs);
    // A server restart is waited out (the connection gives up after --reconnect-for):
    // what was sent is re-sent and acknowledged once it is back.
    while (!settled && connection.pending.length > 0 && reconnecting(connection.state)) {
      settled = await connection.drain(options.ackTimeoutMs);
    }
    const unacked = connection.pending.length;
    if (!settled && unacked > 0 && (connection.state as string) !== 'offline') {
      const seconds = options.ackTimeoutMs / 1000;
      status(
        `${unacked} ${unacked === 1 ? 'message was' : 'messages were'} not acknowledged (nothing heard for ${seconds} s); giving up`,
      );
    }
    quitting = true;
    await connection.quit(quitReason);
  }
  // Stop reading: a pipe nobody closes must not keep the process alive.
  reading = false;
  reader.close();
  options.input.destroy();
  await localWork;
  const end = await offline;
  const unacked = connection.pending.length;
  if (end.gaveUp && unacked > 0) {
    // Gave up reconnecting with messages unacknowledged: the count, and exit 1.
    status(`${unacked} ${unacked === 1 ? 'message was' : 'messages were'} not acknowledged`);
    return EXIT.failed;
  }
  if (first !== null) return exitCodeFor(end);
  if (end.cause === 'fatal') return exitCodeFor(end);
  return failures > 0 || !settled ? EXIT.failed : EXIT.ok;
}

function reconnecting(state: Connection['state']): boolean {
  return state === 'reconnecting' || state === 'connecting';
}
