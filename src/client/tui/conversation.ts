/**
 * One conversation on screen: a room, or the private messages with one
 * person. It keeps a bounded scrollback of entries, how many arrived unseen
 * (and whether any named you), where the unread marker goes, and where the
 * view is anchored when you scroll back. The anchor names an entry, not a
 * row count, so new messages arriving below and a terminal resized to a
 * different width both leave what you are reading where it is.
 */

/** What a line of the scrollback holds. */
export interface Entry {
  /** Increases with every entry the model makes: identifies it across trims and inserts. */
  readonly seq: number;
  kind: 'say' | 'me' | 'notice' | 'error';
  /** Server time of the message or event; for our own, the ack's time once acknowledged. */
  ts: number;
  /** say/me: the sender. */
  from?: string;
  text: string;
  /** Server message id, once known: orders replayed history and matches our own echo. */
  msg?: number;
  /** Our own message: pending until acknowledged, failed when refused. */
  own?: 'pending' | 'acked' | 'failed';
  /** Someone else's message naming us (or privately to us). */
  mention?: boolean;
  /** Bumped on every change, so cached layouts of the entry are redone. */
  rev: number;
}

export type ConversationKind = 'room' | 'private';

/** Where the bottom of the view is when scrolled back: `skip` rows of entry `seq` are below it. */
export interface Anchor {
  seq: number;
  skip: number;
}

/** How many entries each conversation keeps; older ones are dropped first. */
export const SCROLLBACK_LIMIT = 2000;

export class Conversation {
  readonly kind: ConversationKind;
  /** roomKey for rooms, `@` + nameKey for people: stable under case changes. */
  key: string;
  /** As shown: `#lobby`, or the person's name. */
  title: string;
  readonly entries: Entry[] = [];
  /** Messages that arrived while you were elsewhere or scrolled back. */
  unread = 0;
  /** Of those, how many named you (or were private to you). */
  mentions = 0;
  /** The first entry you have not seen: a marker line is drawn above it. */
  marker: number | null = null;
  /** null follows the newest line; otherwise the view stays on this entry. */
  anchor: Anchor | null = null;
  topic: string | null = null;
  /** Room members, in join order, as the server last told us. */
  members: string[] = [];
  readonly #limit: number;

  constructor(kind: ConversationKind, key: string, title: string, limit = SCROLLBACK_LIMIT) {
    this.kind = kind;
    this.key = key;
    this.title = title;
    this.#limit = limit;
  }

  /**
   * Appends an entry; a replayed message older than what is shown goes in
   * its place by server id instead. `seen` says whether you are looking at
   * the newest line of this conversation right now.
   */
  add(entry: Entry, options: { seen: boolean; counts: boolean }): void {
    const last = this.lastMsg();
    if (entry.msg !== undefined && last !== undefined && entry.msg < last) {
      const at = this.entries.findIndex((e) => e.msg !== undefined && e.msg > entry.msg!);
      this.entries.splice(at === -1 ? this.entries.length : at, 0, entry);
    } else {
      this.entries.push(entry);
      if (options.counts && !options.seen) {
        this.unread += 1;
        if (entry.mention) this.mentions += 1;
        this.marker ??= entry.seq;
      }
    }
    if (this.entries.length > this.#limit) this.#trim();
  }

  #trim(): void {
    const dropped = this.entries.splice(0, this.entries.length - this.#limit);
    const gone = new Set(dropped.map((e) => e.seq));
    if (this.marker !== null && gone.has(this.marker)) this.marker = this.entries[0]?.seq ?? null;
    if (this.anchor && gone.has(this.anchor.seq)) {
      this.anchor = this.entries[0] ? { seq: this.entries[0].seq, skip: 0 } : null;
    }
  }

  lastMsg(): number | undefined {
    for (let i = this.entries.length - 1; i >= 0; i -= 1) {
      const msg = this.entries[i]!.msg;
      if (msg !== undefined) return msg;
    }
    return undefined;
  }

  /** The entry holding server message `msg`, searching the newest first. */
  findMsg(msg: number): Entry | undefined {
    for (let i = this.entries.length - 1; i >= 0; i -= 1) {
      if (this.entries[i]!.msg === msg) return this.entries[i];
    }
    return undefined;
  }

  indexOfSeq(seq: number): number {
    for (let i = this.entries.length - 1; i >= 0; i -= 1) {
      if (this.entries[i]!.seq === seq) return i;
    }
    return -1;
  }

  /** You are looking at the newest line: nothing is unread any more. */
  caughtUp(): void {
    this.unread = 0;
    this.mentions = 0;
  }

  /** You left this conversation for another: the marker has done its job. */
  leftView(): void {
    this.marker = null;
  }

  renameMember(old: string, name: string, same: (a: string, b: string) => boolean): boolean {
    const at = this.members.findIndex((m) => same(m, old));
    if (at === -1) return false;
    this.members[at] = name;
    return true;
  }
}
