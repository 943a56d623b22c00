/**
 * One conversation on screen (a room, or private messages with one person):
 * its lines in message order, each message at most once, and where the
 * reader is in it.
 */
export interface MessageLine {
  kind: 'message';
  key: string;
  /** The server's id; null while pending. */
  msg: number | null;
  /** The client id of our own message. */
  id: string | null;
  ts: number;
  from: string;
  action: boolean;
  text: string;
  own: boolean;
  mention: boolean;
  status: 'pending' | 'failed' | 'stored';
  error?: string;
}

export interface EventLine {
  kind: 'event';
  key: string;
  ts: number;
  text: string;
  error?: boolean;
}

export type Line = MessageLine | EventLine;

let nextKey = 1;
export function lineKey(): string {
  return `l${nextKey++}`;
}

export class Conversation {
  readonly key: string;
  label: string;
  /** The room name, or null for private messages (then `peer` is set). */
  readonly room: string | null;
  peer: string | null;
  lines: Line[] = [];
  readonly seen = new Set<number>();
  newest = 0;
  oldest: number | null = null;
  /** Older history exists on the server (unknown until a page says otherwise). */
  olderExist = true;
  loadingOlder = false;
  /** Earlier context fetched after a resume from a fresh page. */
  backfilled = false;
  unread = 0;
  mentioned = false;
  readUpTo = 0;
  /** The "new messages" line goes above the first message after this. */
  marker = 0;
  topic: string | null = null;
  users: string[] = [];

  constructor(key: string, label: string, room: string | null, peer: string | null) {
    this.key = key;
    this.label = label;
    this.room = room;
    this.peer = peer;
  }

  /** Adds a message in id order; false when it is already shown. */
  addMessage(line: MessageLine): boolean {
    const msg = line.msg;
    if (msg === null) {
      this.lines = [...this.lines, line];
      return true;
    }
    if (this.seen.has(msg)) return false;
    this.seen.add(msg);
    this.newest = Math.max(this.newest, msg);
    this.oldest = this.oldest === null ? msg : Math.min(this.oldest, msg);
    const lines = this.lines;
    let at = lines.length;
    // Newer than everything stored: after the last line. Older: before the first newer one.
    for (let i = lines.length - 1; i >= 0; i--) {
      const other = lines[i]!;
      if (other.kind !== 'message' || other.msg === null) continue;
      if (other.msg < msg) break;
      at = i;
    }
    this.lines = [...lines.slice(0, at), line, ...lines.slice(at)];
    return true;
  }

  addEvent(text: string, ts: number, error = false): void {
    this.lines = [
      ...this.lines,
      { kind: 'event', key: lineKey(), ts, text, ...(error && { error }) },
    ];
  }

  /** Our pending message `id` was stored as `msg`. */
  acknowledge(id: string, msg: number): void {
    const index = this.lines.findIndex((l) => l.kind === 'message' && l.id === id);
    if (index === -1) return;
    if (this.seen.has(msg)) {
      // Already shown (a resume replayed it before the re-sent copy's ack): once is enough.
      this.lines = this.lines.filter((_, i) => i !== index);
      return;
    }
    const line = this.lines[index] as MessageLine;
    this.seen.add(msg);
    this.newest = Math.max(this.newest, msg);
    const stored: MessageLine = { ...line, msg, status: 'stored' };
    delete stored.error;
    this.lines = this.lines.map((l, i) => (i === index ? stored : l));
  }

  setStatus(id: string, status: 'pending' | 'failed', error?: string): MessageLine | null {
    let found: MessageLine | null = null;
    this.lines = this.lines.map((l) => {
      if (l.kind !== 'message' || l.id !== id) return l;
      found = { ...l, status, ...(error !== undefined && { error }) };
      if (error === undefined) delete found.error;
      return found;
    });
    return found;
  }

  /** Everything up to the newest message is read. */
  markRead(): void {
    this.readUpTo = Math.max(this.readUpTo, this.newest);
    this.unread = 0;
    this.mentioned = false;
  }

  /** Unread counts from a read position (another device's, or a reload's). */
  recount(): void {
    let unread = 0;
    let mentioned = false;
    for (const line of this.lines) {
      if (line.kind !== 'message' || line.own || line.msg === null) continue;
      if (line.msg > this.readUpTo) {
        unread++;
        mentioned ||= line.mention;
      }
    }
    this.unread = unread;
    this.mentioned = mentioned;
  }
}
