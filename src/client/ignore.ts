/**
 * /ignore: hide the messages of people you would rather not read. It is this
 * client's business only — the server still delivers everything and nobody
 * is told — so it works on any server and cannot be used against anyone.
 *
 * Names are compared by their key (src/core/names.ts): ignoring `bob` hides
 * `Bob` and a look-alike `bоb` too. The list is kept in
 * `$XDG_CONFIG_HOME/natter/ignore` (`~/.config/natter/ignore`), one name per
 * line, `#` for comments, and written atomically (a temporary file renamed
 * over it), so a crash never leaves half a list. Each change re-reads the file
 * first, so two clients running at once do not undo each other's changes.
 *
 * A person who changes name with /nick stays ignored for the rest of the
 * session under the new name (`follow`); the file keeps the name you typed.
 *
 * What is hidden: room and private messages (live and replayed) from an
 * ignored name. Joins, leaves, renames and moderation notices still show, so
 * the room's membership is never a mystery.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkName, nameKey } from '../core/names.ts';
import type { ErrorCode } from '../protocol/errors.ts';
import type { ServerFrame } from '../protocol/frames.ts';
import { natterConfigDir } from '../tls/known-hosts.ts';

export const IGNORE_FILE_HEADER = [
  '# natter ignore list: one name per line; natter chat hides their messages.',
  '# Edit freely, or use /ignore NAME and /unignore NAME.',
].join('\n');

/** `$XDG_CONFIG_HOME/natter/ignore`, or `~/.config/natter/ignore`. */
export function defaultIgnoreFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(natterConfigDir(env), 'ignore');
}

/** The names in an ignore file's text, in order, without duplicates; bad lines are skipped. */
export function parseIgnoreFile(text: string): string[] {
  const names = new Map<string, string>();
  for (const raw of text.split(/\r?\n/u)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const checked = checkName(line);
    if (checked.ok && !names.has(checked.key)) names.set(checked.key, checked.display);
  }
  return [...names.values()];
}

async function readNames(file: string): Promise<string[]> {
  try {
    return parseIgnoreFile(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Writes the whole file to a temporary name, then renames it over the old one. */
async function writeNames(file: string, names: readonly string[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, `${IGNORE_FILE_HEADER}\n${names.map((n) => `${n}\n`).join('')}`, {
      mode: 0o600,
    });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export class IgnoreList {
  /** Where the list is kept; null keeps it in memory only. */
  readonly file: string | null;
  /** Key → name as typed: the persisted list. */
  readonly #names = new Map<string, string>();
  /** Key → current name of someone ignored under an earlier one (this session only). */
  readonly #renamed = new Map<string, string>();

  constructor(file: string | null, names: Iterable<string> = []) {
    this.file = file;
    this.#replace(names);
  }

  /** Reads the list (a missing file is an empty list). */
  static async load(file: string = defaultIgnoreFile()): Promise<IgnoreList> {
    return new IgnoreList(file, await readNames(file));
  }

  #replace(names: Iterable<string>): void {
    this.#names.clear();
    for (const name of names) {
      const checked = checkName(name);
      if (checked.ok && !this.#names.has(checked.key))
        this.#names.set(checked.key, checked.display);
    }
  }

  /** The ignored names (as typed), then names followed through a rename this session. */
  names(): string[] {
    return [...this.#names.values(), ...this.#renamed.values()];
  }

  get size(): number {
    return this.#names.size + this.#renamed.size;
  }

  has(name: string): boolean {
    const key = nameKey(name);
    return this.#names.has(key) || this.#renamed.has(key);
  }

  /** Whether a frame is a message (room or private, live or replayed) from an ignored name. */
  isIgnored(frame: ServerFrame): boolean {
    return frame.type === 'message' && this.has(frame.from);
  }

  /** Keeps ignoring someone who changes their name (for this session). */
  follow(frame: ServerFrame): void {
    if (frame.type !== 'nick' || !this.has(frame.old) || this.has(frame.name)) return;
    const checked = checkName(frame.name);
    if (checked.ok) this.#renamed.set(checked.key, checked.display);
  }

  /**
   * Adds a name and saves the list. False when it was ignored already.
   * Throws only if the file cannot be read or written; the name is ignored anyway.
   */
  async add(name: string): Promise<boolean> {
    const checked = checkName(name);
    if (!checked.ok) throw new Error(checked.reason);
    return this.#change((names) => {
      if (names.has(checked.key)) return false;
      names.set(checked.key, checked.display);
      return true;
    });
  }

  /** Removes a name (and whatever it was followed to) and saves. False when it was not ignored. */
  async remove(name: string): Promise<boolean> {
    const key = nameKey(name);
    const followed = this.#renamed.delete(key);
    const removed = await this.#change((names) => names.delete(key));
    return removed || followed;
  }

  /** Re-reads the file (another client may have changed it), applies, writes if changed. */
  async #change(apply: (names: Map<string, string>) => boolean): Promise<boolean> {
    let unreadable: unknown = null;
    if (this.file !== null) {
      try {
        this.#replace(await readNames(this.file));
      } catch (error) {
        unreadable = error; // apply in memory, but never write over a file we could not read
      }
    }
    const changed = apply(this.#names);
    if (unreadable !== null) throw unreadable;
    if (changed && this.file !== null) await writeNames(this.file, [...this.#names.values()]);
    return changed;
  }
}

/** For renderers (the TUI too): whether to hide this frame. */
export function isIgnored(frame: ServerFrame, list: IgnoreList): boolean {
  return list.isIgnored(frame);
}

// ---- the /ignore and /unignore commands ----------------------------------------

export type IgnoreCommand =
  | { kind: 'list' }
  | { kind: 'ignore'; name: string }
  | { kind: 'unignore'; name: string }
  | { kind: 'usage'; usage: string };

export const IGNORE_HELP = [
  { usage: '/ignore [NAME]', about: 'hide messages from NAME (here only); alone: list' },
  { usage: '/unignore NAME', about: 'show their messages again' },
] as const;

/** The /ignore or /unignore command on a line, or null when the line is something else. */
export function parseIgnoreCommand(line: string): IgnoreCommand | null {
  const match = /^\/(ignore|unignore)(?:\s+(.*))?$/isu.exec(line.trim());
  if (!match) return null;
  const word = match[1]!.toLowerCase();
  const args = (match[2] ?? '').trim().split(/\s+/u).filter(Boolean);
  if (word === 'ignore' && args.length === 0) return { kind: 'list' };
  if (args.length !== 1) {
    return { kind: 'usage', usage: word === 'ignore' ? '/ignore [NAME]' : '/unignore NAME' };
  }
  return { kind: word as 'ignore' | 'unignore', name: args[0]! };
}

/** What a command answers: lines to show, or a refusal shaped like a server error. */
export type IgnoreOutcome = { lines: string[] } | { error: { code: ErrorCode; message: string } };

/**
 * Carries out an /ignore command. `self` is our own name (not ignorable).
 * A list that cannot be saved still applies for this session, with a warning.
 */
export async function runIgnoreCommand(
  list: IgnoreList,
  command: IgnoreCommand,
  self: string,
): Promise<IgnoreOutcome> {
  switch (command.kind) {
    case 'usage':
      return { error: { code: 'bad_arguments', message: `usage: ${command.usage}` } };
    case 'list': {
      const names = list.names();
      return {
        lines: [names.length === 0 ? '-- ignoring nobody' : `-- ignoring: ${names.join(', ')}`],
      };
    }
    case 'ignore': {
      const checked = checkName(command.name);
      if (!checked.ok) return { error: { code: checked.code, message: checked.reason } };
      if (checked.key === nameKey(self))
        return { error: { code: 'bad_arguments', message: 'you cannot ignore yourself' } };
      try {
        const added = await list.add(checked.display);
        return {
          lines: [
            added
              ? `-- ignoring ${checked.display}: their messages are hidden here (/unignore ${checked.display} shows them again)`
              : `-- already ignoring ${checked.display}`,
          ],
        };
      } catch (error) {
        return { lines: [unsaved(list, `ignoring ${checked.display}`, error)] };
      }
    }
    case 'unignore': {
      try {
        return {
          lines: [
            (await list.remove(command.name))
              ? `-- no longer ignoring ${command.name}`
              : `-- ${command.name} is not ignored`,
          ],
        };
      } catch (error) {
        return { lines: [unsaved(list, `no longer ignoring ${command.name}`, error)] };
      }
    }
  }
}

function unsaved(list: IgnoreList, what: string, error: unknown): string {
  return `-- ${what} for this session only: could not save ${list.file}: ${(error as Error).message}`;
}

/**
 * The list for a client to use: the file's, or — if it cannot be read — an
 * empty one (with a warning) that still applies for the session.
 */
export async function loadIgnoreList(
  warn: (message: string) => void,
  file: string = defaultIgnoreFile(),
): Promise<IgnoreList> {
  try {
    return await IgnoreList.load(file);
  } catch (error) {
    warn(`could not read the ignore list ${file}: ${(error as Error).message}`);
    return new IgnoreList(file);
  }
}
