/**
 * An injected terminal for component tests, after Ink's own
 * test/helpers/create-stdout.ts: a stdout with a size and a write spy (Ink
 * in debug mode writes each whole frame), and a stdin that delivers bytes
 * the way a TTY in raw mode does. Resizing emits `resize` as a TTY would.
 */
import { EventEmitter } from 'node:events';

export class FakeStdout extends EventEmitter {
  columns: number;
  rows: number;
  readonly isTTY = false;
  readonly frames: string[] = [];
  /** Everything written outside Ink's frames (the bell, for one). */
  readonly raw: string[] = [];

  constructor(columns: number, rows: number) {
    super();
    this.columns = columns;
    this.rows = rows;
  }

  write(data: string): boolean {
    this.raw.push(data);
    this.frames.push(data);
    return true;
  }

  /** The last frame Ink drew, without colour codes, trailing spaces trimmed per line. */
  lastFrame(): string {
    return plain(this.frames.at(-1) ?? '');
  }

  /** The last frame as lines. */
  lines(): string[] {
    return this.lastFrame().split('\n');
  }

  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

export class FakeStdin extends EventEmitter {
  readonly isTTY = true;
  #queue: string[] = [];

  /** Types bytes, as a terminal sends them for keys (`\r` for Enter, `\x1b[5~` PageUp). */
  type(data: string): void {
    this.#queue.push(data);
    this.emit('readable');
  }

  read(): string | null {
    return this.#queue.shift() ?? null;
  }

  setEncoding(): this {
    return this;
  }
  setRawMode(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
}

/** Strips SGR colour codes and trailing spaces. */
export function plain(text: string): string {
  return text
    .replace(/\x1b\[[0-9;]*m/gu, '')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

/** Waits until the last frame satisfies `check`; fails with that frame after a while. */
export async function frameWhere(
  stdout: FakeStdout,
  check: (frame: string) => boolean,
  what: string,
): Promise<string> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const frame = stdout.lastFrame();
    if (check(frame)) return frame;
    if (Date.now() > deadline) throw new Error(`no frame with ${what}; last frame:\n${frame}`);
    await settle();
  }
}

/** Lets Ink and React finish what the last input or frame started. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5));
}

export const KEYS = {
  enter: '\r',
  tab: '\t',
  shiftTab: '\x1b[Z',
  up: '\x1b[A',
  down: '\x1b[B',
  left: '\x1b[D',
  pageUp: '\x1b[5~',
  pageDown: '\x1b[6~',
  backspace: '\x7f',
  ctrlC: '\x03',
  ctrlN: '\x0e',
  pasteStart: '\x1b[200~',
  pasteEnd: '\x1b[201~',
} as const;
