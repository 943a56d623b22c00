/** Parses human-friendly sizes and durations from flags and config files. */

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
};

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  '': 1000,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

function parseWithUnit(
  value: string | number,
  units: Record<string, number>,
  what: string,
): number {
  if (typeof value === 'number') value = String(value);
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/iu.exec(value);
  const unit = units[match?.[2]?.toLowerCase() ?? '\0'];
  if (!match || unit === undefined) throw new Error(`"${value}" is not a ${what}`);
  const result = Math.round(Number(match[1]) * unit);
  if (!Number.isSafeInteger(result)) throw new Error(`"${value}" is too large`);
  return result;
}

/** "16KiB", "1m", "65536" -> bytes. */
export function parseSize(value: string | number): number {
  return parseWithUnit(value, SIZE_UNITS, 'size (e.g. 16KiB, 1MiB, 65536)');
}

/** "30s", "500ms", "2m", "1d", "30" (seconds) -> milliseconds. */
export function parseDuration(value: string | number): number {
  return parseWithUnit(value, DURATION_UNITS, 'duration (e.g. 30s, 500ms, 2m, 1d)');
}

export function formatSize(bytes: number): string {
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024}KiB`;
  return String(bytes);
}

export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0 && ms >= 86_400_000) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0 && ms >= 3_600_000) return `${ms / 3_600_000}h`;
  if (ms % 86_400_000 === 0 && ms >= 86_400_000) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0 && ms >= 3_600_000) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
