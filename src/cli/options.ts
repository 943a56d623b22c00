/**
 * Declarative command-line options. One table per command drives parseArgs,
 * the JSON config file (same keys as the long flags), --help, and the
 * reference in docs/operations.md, so they cannot drift apart.
 * Precedence: flag > config file > default.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatDuration, formatSize, parseDuration, parseSize } from '../core/units.ts';

export type OptionKind = 'string' | 'port' | 'integer' | 'size' | 'duration' | 'boolean';

export interface OptionSpec {
  /** Long flag and config key, kebab-case. */
  name: string;
  kind: OptionKind;
  description: string;
  default?: string | number | boolean;
  /** Allowed values for a string option. */
  choices?: readonly string[];
  short?: string;
}

export type OptionValues = Record<string, string | number | boolean | undefined>;

export class UsageError extends Error {}

/** `--data-dir` for the commands that act on a server's data (account, admin, backup, cert). */
export const DATA_DIR_OPTION: OptionSpec = {
  name: 'data-dir',
  kind: 'string',
  default: './data',
  description: "the server's data directory",
};
export const HELP_OPTION: OptionSpec = {
  name: 'help',
  short: 'h',
  kind: 'boolean',
  description: 'show this help',
};

function convert(spec: OptionSpec, raw: unknown, source: string): string | number | boolean {
  const where = source === '--' ? `--${spec.name}` : `${source} ${spec.name}`;
  try {
    switch (spec.kind) {
      case 'boolean':
        if (typeof raw === 'boolean') return raw;
        if (raw === 'true' || raw === 'false') return raw === 'true';
        throw new Error('must be true or false');
      case 'string': {
        if (typeof raw !== 'string') throw new Error('must be a string');
        if (spec.choices && !spec.choices.includes(raw)) {
          throw new Error(`must be one of ${spec.choices.join(', ')}`);
        }
        return raw;
      }
      case 'port':
      case 'integer': {
        const n = typeof raw === 'number' ? raw : Number(raw);
        if (!Number.isSafeInteger(n) || n < 0 || (spec.kind === 'port' && n > 65535)) {
          throw new Error(
            spec.kind === 'port' ? 'must be a port 0-65535' : 'must be a whole number',
          );
        }
        return n;
      }
      case 'size':
        if (typeof raw !== 'string' && typeof raw !== 'number') throw new Error('must be a size');
        return parseSize(raw);
      case 'duration':
        if (typeof raw !== 'string' && typeof raw !== 'number')
          throw new Error('must be a duration');
        return parseDuration(raw);
    }
  } catch (error) {
    throw new UsageError(`${where}: ${(error as Error).message}`);
  }
}

export function formatDefault(spec: OptionSpec): string {
  if (spec.default === undefined) return '';
  if (spec.kind === 'size' && typeof spec.default === 'number') return formatSize(spec.default);
  if (spec.kind === 'duration' && typeof spec.default === 'number') {
    return formatDuration(spec.default);
  }
  return String(spec.default);
}

/** Reads a JSON config file: an object keyed by long flag names. */
export function readConfigFile(file: string, specs: readonly OptionSpec[]): OptionValues {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`config file ${file}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`config file ${file}: must be a JSON object`);
  }
  const values: OptionValues = {};
  for (const [key, raw] of Object.entries(parsed)) {
    const spec = specs.find((s) => s.name === key);
    if (!spec || spec.name === 'config') {
      throw new UsageError(`config file ${file}: unknown key "${key}"`);
    }
    values[key] = convert(spec, raw, `config file ${file}:`);
  }
  return values;
}

/**
 * Parses argv against the table. A `config` option, when present in the
 * table and given, names a JSON file whose values sit under the flags.
 */
export function parseOptions(
  argv: readonly string[],
  specs: readonly OptionSpec[],
): { values: OptionValues; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        specs.map((s) => [
          s.name,
          {
            type: s.kind === 'boolean' ? 'boolean' : 'string',
            ...(s.short ? { short: s.short } : {}),
          },
        ]),
      ) as Record<string, { type: 'string' | 'boolean'; short?: string }>,
    });
  } catch (error) {
    throw new UsageError(explainParseError((error as Error).message, specs));
  }
  const fromFlags: OptionValues = {};
  for (const spec of specs) {
    const raw = parsed.values[spec.name];
    if (raw !== undefined) fromFlags[spec.name] = convert(spec, raw, '--');
  }
  const configFile = fromFlags.config;
  const fromConfig = typeof configFile === 'string' ? readConfigFile(configFile, specs) : {};
  const values: OptionValues = {};
  for (const spec of specs) {
    values[spec.name] = fromFlags[spec.name] ?? fromConfig[spec.name] ?? spec.default;
  }
  return { values, positionals: parsed.positionals };
}

/**
 * parseArgs' own words, plus a suggestion for a mistyped flag: the known
 * flag closest to it (by edit distance), when one is close enough.
 */
function explainParseError(message: string, specs: readonly OptionSpec[]): string {
  const unknown = /^Unknown option '(-{1,2})([^']*)'/u.exec(message);
  if (!unknown) return message;
  const typed = unknown[2]!;
  let best: { name: string; distance: number } | null = null;
  for (const spec of specs) {
    const distance = editDistance(typed, spec.name);
    if (best === null || distance < best.distance) best = { name: spec.name, distance };
  }
  const close = best !== null && best.distance <= Math.max(2, Math.floor(typed.length / 3));
  const hint = close ? `; did you mean --${best!.name}?` : '';
  return `unknown option ${unknown[1]}${typed}${hint} (--help lists the options)`;
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

export function formatOptionsHelp(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const flag = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.kind === 'boolean' ? '' : ` <${s.kind}>`}`;
    const def = formatDefault(s);
    return [flag, `${s.description}${def ? ` (default ${def})` : ''}`] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`).join('\n');
}
