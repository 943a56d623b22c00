/**
 * Everything the screen shows, as plain data: the conversations (one per
 * room, one per person you talk to privately), which one is in view, our
 * messages waiting for their ack, the connection's state and the question
 * being asked, if any. It knows no terminal and no socket: frames come in
 * through apply-frame.ts, the controller adds what the user does, and the
 * components draw it. Every change bumps `version` and tells subscribers.
 */
import { nameKey } from '../../core/names.ts';
import { roomKey } from '../../core/rooms.ts';
import type { ConnectionState } from '../connection-types.ts';
import { Conversation, type Entry } from './conversation.ts';

export interface Question {
  /** Shown in place of the input prompt. */
  prompt: string;
  /** The answer is a password: shown as dots. */
  secret?: boolean;
  answer(text: string): void;
}

export interface ChatModelOptions {
  /** Our name until the server's welcome says how it shows it. */
  name: string;
  /** `host:port`, shown until the server names itself. */
  peer: string;
  now?: () => number;
}

export function sameName(a: string, b: string): boolean {
  return a === b || nameKey(a) === nameKey(b);
}

export function privateKey(name: string): string {
  return `@${nameKey(name)}`;
}

export class ChatModel {
  me: string;
  readonly peer: string;
  server: string | null = null;
  state: ConnectionState = 'connecting';
  fingerprint: string | null = null;
  showFingerprint = false;
  question: Question | null = null;
  /** Rooms the server listed (/rooms), for completion. */
  readonly knownRooms = new Set<string>();
  /** Conversations in the order they were opened: the room list. */
  readonly order: Conversation[] = [];
  /** Our messages by client id, until acknowledged or refused. */
  readonly pending = new Map<string, { entry: Entry; conversation: Conversation }>();
  /** Called for every live message that names us or is private to us. */
  onAlert: (conversation: Conversation, entry: Entry) => void = () => {};
  readonly now: () => number;
  /**
   * Before the first room opens (connecting, a trust question, a refused
   * name) lines go here; the first conversation takes them over.
   */
  readonly status = new Conversation('room', '', '(not in a room)');
  #active: Conversation | null = null;
  #seq = 0;
  #version = 0;
  #speaking = 0;
  /** When each person last spoke (a counter), so completion offers the most recent first. */
  readonly #spoke = new Map<string, number>();
  readonly #listeners = new Set<() => void>();

  constructor(options: ChatModelOptions) {
    this.me = options.name;
    this.peer = options.peer;
    this.now = options.now ?? Date.now;
  }

  get version(): number {
    return this.#version;
  }

  get active(): Conversation | null {
    return this.#active;
  }

  /** What the message pane shows. */
  get shown(): Conversation {
    return this.#active ?? this.status;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  changed(): void {
    this.#version += 1;
    for (const listener of [...this.#listeners]) listener();
  }

  // ---- conversations ------------------------------------------------------------

  find(key: string): Conversation | undefined {
    return this.order.find((c) => c.key === key);
  }

  room(name: string): Conversation | undefined {
    return this.find(roomKey(name));
  }

  /** The room's conversation, opened when it is new. */
  openRoom(name: string): Conversation {
    return this.room(name) ?? this.#open(new Conversation('room', roomKey(name), name));
  }

  /** The conversation with a person, opened when it is new. */
  openPrivate(name: string): Conversation {
    return (
      this.find(privateKey(name)) ?? this.#open(new Conversation('private', privateKey(name), name))
    );
  }

  #open(conversation: Conversation): Conversation {
    this.order.push(conversation);
    if (!this.#active) {
      conversation.entries.push(...this.status.entries.splice(0));
      this.#active = conversation;
    }
    return conversation;
  }

  close(conversation: Conversation): void {
    const at = this.order.indexOf(conversation);
    if (at === -1) return;
    this.order.splice(at, 1);
    if (this.#active === conversation) {
      this.#active = null;
      const next = this.order[Math.min(at, this.order.length - 1)] ?? null;
      if (next) this.activate(next);
    }
  }

  activate(conversation: Conversation): void {
    if (this.#active === conversation) return;
    this.#active?.leftView();
    this.#active = conversation;
    if (conversation.anchor === null) conversation.caughtUp();
  }

  /** Moves the view `step` conversations along the list, wrapping around. */
  cycle(step: number): void {
    const at = this.#active ? this.order.indexOf(this.#active) : -1;
    const n = this.order.length;
    if (n === 0) return;
    this.activate(this.order[(((at + step) % n) + n) % n]!);
  }

  /** Whether the newest line of this conversation is on screen now. */
  inView(conversation: Conversation): boolean {
    return conversation === this.#active && conversation.anchor === null;
  }

  // ---- entries ------------------------------------------------------------------

  entry(fields: Omit<Entry, 'seq' | 'rev' | 'ts'> & { ts?: number }): Entry {
    // Events without a time of their own (a topic reported on join) happen now.
    return { ...fields, ts: fields.ts ?? this.now(), seq: ++this.#seq, rev: 0 };
  }

  /** Adds an entry; `counts` for messages that should raise the unread count. */
  add(conversation: Conversation, entry: Entry, counts = false): void {
    conversation.add(entry, { seen: this.inView(conversation), counts });
    if (entry.from !== undefined && (entry.kind === 'say' || entry.kind === 'me')) {
      this.#spoke.set(nameKey(entry.from), ++this.#speaking);
      if (this.#spoke.size > 5000) this.#spoke.clear(); // bounded; only an ordering hint
    }
  }

  /** A line from the client itself (status, help, local errors), in the conversation in view. */
  notice(text: string, kind: 'notice' | 'error' = 'notice', where = this.shown): void {
    this.add(where, this.entry({ kind, text }));
  }

  /** Our message, shown at once and marked pending until the server acknowledges it. */
  sent(id: string, conversation: Conversation, kind: 'say' | 'me', text: string): void {
    const entry = this.entry({ kind, from: this.me, text, own: 'pending' });
    conversation.anchor = null; // sending something brings you back to the newest line
    conversation.caughtUp();
    this.add(conversation, entry);
    this.pending.set(id, { entry, conversation });
  }

  /** Names to complete in the conversation in view: who spoke last first, then the rest. */
  completionNames(): string[] {
    const seen = new Map<string, string>();
    const active = this.#active;
    const candidates = [
      ...(active?.kind === 'private' ? [active.title] : (active?.members ?? [])),
      ...this.order.filter((c) => c.kind === 'private').map((c) => c.title),
    ];
    for (const name of candidates) {
      if (!sameName(name, this.me)) seen.set(nameKey(name), name);
    }
    const rank = (name: string) => this.#spoke.get(nameKey(name)) ?? 0;
    return [...seen.values()].sort((a, b) => rank(b) - rank(a) || a.localeCompare(b));
  }

  /** Rooms to complete: the ones we are in, then any the server listed. */
  completionRooms(): string[] {
    const rooms = this.order.filter((c) => c.kind === 'room').map((c) => c.title);
    const keys = new Set(rooms.map(roomKey));
    for (const room of this.knownRooms) if (!keys.has(roomKey(room))) rooms.push(room);
    return rooms;
  }
}
