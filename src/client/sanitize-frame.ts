/**
 * Neutralises every string in a server frame before anything displays it.
 * The server sanitises text when it enters, but the client does not take that
 * on trust: a modified or malicious server could send raw escape sequences,
 * and a terminal must never be driven by what someone else typed. Names,
 * rooms and error messages are cleaned as well as message text.
 */
import type { ServerFrame } from '../protocol/frames.ts';
import { sanitizeText } from '../core/sanitize.ts';

function clean(value: unknown): unknown {
  if (typeof value === 'string') return sanitizeText(value);
  if (Array.isArray(value)) return value.map(clean);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = clean(inner);
    return out;
  }
  return value;
}

export function sanitizeFrame<T extends ServerFrame>(frame: T): T {
  return clean(frame) as T;
}
