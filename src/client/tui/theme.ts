/**
 * The styles the screen uses, in one place, with and without colour.
 * NO_COLOR (https://no-color.org) takes away colour only: bold, dim, italic
 * and inverse still separate your messages, actions, notices and errors.
 * Sender names get a colour picked by a hash of the name, so a person keeps
 * their colour across messages, rooms and sessions.
 */
import type { Style } from './styled.ts';

/**
 * Basic 16-colour names every terminal (and tmux) draws. Red is kept for
 * errors, and black/white/grey would vanish on one background or another.
 */
const NAME_COLORS = [
  'cyan',
  'green',
  'yellow',
  'blue',
  'magenta',
  'cyanBright',
  'greenBright',
  'yellowBright',
  'blueBright',
  'magentaBright',
] as const;

/** FNV-1a over the name's case-folded code points: stable across runs and machines. */
export function nameHash(name: string): number {
  let hash = 0x811c9dc5;
  for (const ch of name.normalize('NFKC').toLowerCase()) {
    hash ^= ch.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function nameColor(name: string): string {
  return NAME_COLORS[nameHash(name) % NAME_COLORS.length]!;
}

export interface Theme {
  readonly color: boolean;
  readonly text: Style;
  readonly time: Style;
  readonly pending: Style;
  readonly failed: Style;
  readonly notice: Style;
  readonly error: Style;
  readonly action: Style;
  readonly mention: Style;
  readonly ownName: Style;
  readonly marker: Style;
  readonly bar: Style;
  readonly barAlert: Style;
  readonly active: Style;
  readonly prompt: Style;
  /** The style of a sender's name (the same object each time, for run merging). */
  name(name: string): Style;
}

export function createTheme(color: boolean): Theme {
  const names = new Map<string, Style>();
  const paint = (hue: string, extra: Style = {}): Style =>
    Object.freeze(color ? { color: hue, ...extra } : { ...extra });
  return {
    color,
    text: Object.freeze({}),
    time: paint('gray', { dim: !color }),
    pending: Object.freeze({ dim: true }),
    failed: paint('red', { bold: true }),
    notice: Object.freeze({ dim: true }),
    error: paint('red', { bold: !color }),
    action: Object.freeze({ italic: true }),
    mention: paint('yellowBright', { bold: true }),
    ownName: Object.freeze({ bold: true }),
    marker: paint('red', { dim: !color }),
    // Inverse of the terminal's own colours reads on dark and light backgrounds alike.
    bar: Object.freeze({ inverse: true }),
    barAlert: paint('yellow', { inverse: true, bold: true }),
    active: Object.freeze({ inverse: true, bold: true }),
    prompt: Object.freeze({ bold: true }),
    name(name: string): Style {
      let style = names.get(name);
      if (!style) {
        if (names.size >= 1000) names.clear(); // bounded, like every cache
        style = paint(nameColor(name));
        names.set(name, style);
      }
      return style;
    },
  };
}

/** Colour unless NO_COLOR is set to anything non-empty (the convention's rule). */
export function colorWanted(env: NodeJS.ProcessEnv): boolean {
  return !env.NO_COLOR;
}
