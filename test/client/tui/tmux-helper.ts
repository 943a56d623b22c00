/**
 * A private tmux server (its own socket) running the real `natter chat`:
 * keys in with send-keys, the screen back with capture-pane, exactly what a
 * person would see.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const MAIN = path.resolve(import.meta.dirname, '../../../src/cli/main.ts');
const WAIT_MS = 10_000;

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export class Tmux {
  readonly socket = `natter-test-${randomBytes(4).toString('hex')}`;
  readonly #env: NodeJS.ProcessEnv;

  constructor(home: string, extraEnv: NodeJS.ProcessEnv = {}) {
    // Only what the client needs. CI variables must not reach it: Ink draws
    // nothing until exit when it believes it runs in CI.
    this.#env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      TZ: 'UTC',
      LANG: 'C.UTF-8',
      ...extraEnv,
    };
  }

  async tmux(...args: string[]): Promise<string> {
    const { stdout } = await run('tmux', ['-u', '-L', this.socket, '-f', '/dev/null', ...args], {
      env: this.#env,
    });
    return stdout;
  }

  /** Starts `natter chat` in a new session; the shell reports its exit code after it. */
  async chat(name: string, args: string[]): Promise<void> {
    const command = [process.execPath, MAIN, 'chat', ...args].map(quote).join(' ');
    const shell = `${command}; echo "natter exited with $?"; sleep 600`;
    await this.tmux('new-session', '-d', '-x', '100', '-y', '30', '-s', name, shell);
  }

  screen(name: string): Promise<string> {
    return this.tmux('capture-pane', '-p', '-t', `=${name}:`);
  }

  async type(name: string, text: string): Promise<void> {
    await this.tmux('send-keys', '-t', `=${name}:`, '-l', text);
    await this.tmux('send-keys', '-t', `=${name}:`, 'Enter');
  }

  async key(name: string, key: string): Promise<void> {
    await this.tmux('send-keys', '-t', `=${name}:`, key);
  }

  /** Waits until the screen satisfies `check`; fails showing the screen. */
  async until(name: string, check: (screen: string) => boolean, what: string): Promise<string> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const screen = await this.screen(name);
      if (check(screen)) return screen;
      if (Date.now() > deadline) {
        throw new Error(`${name}'s screen never showed ${what}:\n${screen}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops this tmux server (ours alone: its own socket) and removes the socket file. */
  async kill(): Promise<void> {
    const socket = await this.tmux('display-message', '-p', '#{socket_path}').catch(() => '');
    await this.tmux('kill-server').catch(() => {}); // already gone is fine
    if (socket.trim() !== '') await rm(socket.trim(), { force: true });
  }
}
