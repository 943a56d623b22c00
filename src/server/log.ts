/**
 * Structured logs on stderr: one JSON object per line (the default), so
 * operators can grep by `code` and ship them anywhere, or `pretty` lines for
 * a person at a terminal. Secrets are never passed here; as a second line of
 * defence, fields named like secrets are written as "[redacted]".
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'json' | 'pretty';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export type LogFields = Record<string, string | number | boolean | undefined | null>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const SECRET_FIELD = /pass(word)?|token|secret|cookie|private|^key$|authorization/iu;

function redact(fields: LogFields | undefined): LogFields | undefined {
  if (!fields) return fields;
  let out: LogFields | undefined;
  for (const name of Object.keys(fields)) {
    if (
      SECRET_FIELD.test(name) &&
      fields[name] !== undefined &&
      typeof fields[name] !== 'boolean'
    ) {
      out ??= { ...fields };
      out[name] = '[redacted]';
    }
  }
  return out ?? fields;
}

function prettyValue(value: string | number | boolean | null): string {
  const text = String(value);
  return /^[^\s"=]+$/u.test(text) ? text : JSON.stringify(text);
}

/** `21:14:03.512 INFO  login name=alice session=3`: local time, level, message, fields. */
export function formatPretty(time: Date, level: string, msg: string, fields?: LogFields): string {
  const clock = [time.getHours(), time.getMinutes(), time.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
  const ms = String(time.getMilliseconds()).padStart(3, '0');
  const rest = Object.entries(fields ?? {})
    .filter((entry): entry is [string, string | number | boolean | null] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}=${prettyValue(value)}`)
    .join('');
  return `${clock}.${ms} ${level.toUpperCase().padEnd(5)} ${msg}${rest}\n`;
}

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(line),
  format: LogFormat = 'json',
): Logger {
  const threshold = RANK[level];
  const log = (lvl: Exclude<LogLevel, 'silent'>) => (msg: string, raw?: LogFields) => {
    if (RANK[lvl] < threshold) return;
    const fields = redact(raw);
    const time = new Date();
    write(
      format === 'pretty'
        ? formatPretty(time, lvl, msg, fields)
        : JSON.stringify({ time: time.toISOString(), level: lvl, msg, ...fields }) + '\n',
    );
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

export const LOG_LEVELS = Object.keys(RANK) as LogLevel[];
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];
