/**
 * Text arriving in chunks, read as lines: tests wait for the next line that
 * matches, with a deadline, and fail loudly (saying what they last saw) when
 * the source ends or the deadline passes first.
 */
export const WAIT_MS = 5_000;

export type LineMatch = RegExp | ((line: string) => boolean);

export class LineBuffer {
  readonly lines: string[] = [];
  #cursor = 0;
  #partial = '';
  #waiters: (() => void)[] = [];
  #ended = false;

  get ended(): boolean {
    return this.#ended;
  }

  push(chunk: string): void {
    this.#partial += chunk;
    let newline;
    while ((newline = this.#partial.indexOf('\n')) !== -1) {
      this.lines.push(this.#partial.slice(0, newline).replace(/\r$/u, ''));
      this.#partial = this.#partial.slice(newline + 1);
    }
    this.#wake();
  }

  /** No more lines will come (the socket closed, the process exited). */
  end(): void {
    this.#ended = true;
    this.#wake();
  }

  /** Lines received that no wait has moved past yet. */
  unread(): string[] {
    return this.lines.slice(this.#cursor);
  }

  /** Waits for the next line (after the cursor) that matches, and moves past it. */
  async waitFor(match: LineMatch, what: string, describe: () => string): Promise<string> {
    const test = typeof match === 'function' ? match : (line: string) => match.test(line);
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      while (this.#cursor < this.lines.length) {
        const line = this.lines[this.#cursor++]!;
        if (test(line)) return line;
      }
      if (this.#ended) throw new Error(`ended while waiting for ${what}; ${describe()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; ${describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }
}
