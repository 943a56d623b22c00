/**
 * What survives a reload, in this browser's localStorage: the name and its
 * resume token, the last message seen per conversation (for resume), the
 * read position per conversation (for the unread marker), the room in view.
 * Never the password: a registered name is asked for it again.
 */
export interface Saved {
  name: string;
  token: string;
  /** A registered name: never logged in again without its password. */
  account: boolean;
  /** Room -> last message id seen; "@" for private messages. */
  seen: Record<string, number>;
  /** Conversation key -> last message id read. */
  read: Record<string, number>;
  view: string;
}

const KEY = 'natter.session';

export function loadSaved(): Saved | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (raw === null) return null;
    const value = JSON.parse(raw) as Partial<Saved>;
    if (typeof value.name !== 'string' || value.name === '') return null;
    return {
      name: value.name,
      token: typeof value.token === 'string' ? value.token : '',
      account: value.account === true,
      seen: numbers(value.seen),
      read: numbers(value.read),
      view: typeof value.view === 'string' ? value.view : '',
    };
  } catch {
    return null;
  }
}

function numbers(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [key, n] of Object.entries(value)) {
    if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) out[key] = n;
  }
  return out;
}

export function save(saved: Saved): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(saved));
  } catch {
    // storage full or disabled: the session still works, a reload starts afresh
  }
}

export function forget(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // nothing to forget
  }
}
