/**
 * Line mode's view of server frames: the text-mode line format (the same
 * lines `openssl s_client` users see), or NDJSON for --json. Every string is
 * sanitised first; each result is exactly one line.
 */
import type { ServerFrame } from '../../protocol/frames.ts';
import { TEXT_COMMANDS } from '../../core/commands.ts';
import { formatHelp, formatTextLine } from '../../core/format.ts';
import { IGNORE_HELP } from '../ignore.ts';
import { sanitizeFrame } from '../sanitize-frame.ts';

/** The line for a frame, or null for frames a person does not need to see. */
export function formatFrameLine(frame: ServerFrame): string | null {
  // Acks are the client's business; the welcome is reported as status on stderr.
  if (frame.type === 'welcome' || (frame.type === 'ack' && !frame.offline)) return null;
  return formatTextLine(sanitizeFrame(frame));
}

/**
 * One NDJSON line (without newline) for a frame, for bots. `ignored`: the
 * frame is a message from a name on the /ignore list; bots still get it,
 * marked `"ignored": true`, and decide for themselves.
 */
export function formatFrameJson(frame: ServerFrame, ignored = false): string | null {
  if (frame.type === 'ping' || frame.type === 'pong') return null;
  if (frame.type === 'welcome') {
    // The resume token proves who we are to the server; bot output often
    // ends up in logs, and the connection manager already uses it.
    const { token: _token, ...shown } = frame;
    return JSON.stringify(sanitizeFrame(shown as ServerFrame));
  }
  const clean = sanitizeFrame(frame);
  return JSON.stringify(ignored ? { ...clean, ignored: true } : clean);
}

/** /help, answered locally: the commands plus what only this client does. */
export function helpLines(): string[] {
  const width = Math.max(...TEXT_COMMANDS.map((c) => c.usage.length));
  const [intro, ...commands] = formatHelp();
  const quit = commands.findIndex((line) => line.startsWith('--   /quit'));
  const local = IGNORE_HELP.map((c) => `--   ${c.usage.padEnd(width)}  ${c.about}`);
  commands.splice(quit === -1 ? commands.length : quit, 0, ...local);
  return [intro!, ...commands, '-- end of input (Ctrl-D) waits for acknowledgements, then leaves'];
}
