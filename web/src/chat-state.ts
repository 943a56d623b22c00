/**
 * What the chat shows and remembers, apart from talking to the server
 * (chat.ts): the conversations and the one in view, the events that only add
 * a line or change a list, and what is saved for the next page.
 */
import type { Status } from './connection.ts';
import type { Conversation } from './conversation.ts';
import { Conversations, roomKey } from './conversations.ts';
import { banLines, moderationText, roomsText, topicText, whoText } from './describe.ts';
import type { Incoming } from './frames.ts';
import { save, type Saved } from './storage.ts';

export type Phase = 'login' | 'chat';

export abstract class ChatState {
  phase: Phase = 'login';
  status: Status = 'stopped';
  statusDetail = '';
  loginError = '';
  needPassword = false;
  helpOpen = false;
  me = '';
  server = '';
  view = '';
  features: string[] = [];
  readonly conversations = new Conversations(() => this.saved);
  protected saved: Saved | null;
  protected token = '';
  /** Logged in to a registered name: a reload asks for the password again. */
  protected account = false;
  /** Replies the user asked for (shown), as opposed to those a join brings (not shown). */
  protected asked = { who: new Set<string>(), topic: new Set<string>(), join: '' };
  /** After a reload: the conversation to show once it is back. */
  protected pendingView = '';
  readonly #listeners = new Set<() => void>();

  constructor(saved: Saved | null) {
    this.saved = saved;
  }

  abstract select(key: string): void;

  /** A saved guest name logs in again by itself; accounts are asked for the password. */
  get savedName(): string {
    return this.saved?.name ?? '';
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  protected changed(): void {
    for (const listener of this.#listeners) listener();
  }

  get current(): Conversation | undefined {
    return this.conversations.get(this.view);
  }

  /** Rooms first, in the order joined, then private conversations. */
  get list(): Conversation[] {
    return this.conversations.list;
  }

  setHelp(open: boolean): void {
    this.helpOpen = open;
    this.changed();
  }

  /** Frames that only add a line or change a list; false for any other. */
  protected showFrame(frame: Incoming): boolean {
    switch (frame.type) {
      case 'leave': {
        const c = this.conversations.get(roomKey(frame.room));
        if (!c) return true;
        if (this.isMe(frame.name)) this.drop(c.key);
        else {
          const why = frame.reason ? ` (${frame.reason})` : '';
          c.addEvent(`${frame.name} left${why}`, frame.ts);
          c.users = c.users.filter((u) => u !== frame.name);
        }
        return true;
      }
      case 'nick':
        this.nick(frame.old, frame.name, frame.ts);
        return true;
      case 'who': {
        const c = this.conversations.room(frame.room);
        c.users = frame.users;
        if (this.asked.who.delete(c.key)) c.addEvent(whoText(frame), Date.now());
        return true;
      }
      case 'rooms':
        this.note(roomsText(frame));
        return true;
      case 'topic': {
        const c = this.conversations.room(frame.room);
        c.topic = frame.topic;
        if (frame.by) c.addEvent(topicText(frame.topic, frame.by), frame.ts ?? Date.now());
        else if (this.asked.topic.delete(c.key)) c.addEvent(topicText(frame.topic), Date.now());
        return true;
      }
      case 'moderation': {
        const c = frame.room ? this.conversations.get(roomKey(frame.room)) : this.current;
        c?.addEvent(moderationText(frame), frame.ts);
        if (frame.room && frame.action === 'kick' && this.isMe(frame.target) && c) this.drop(c.key);
        return true;
      }
      case 'bans':
        for (const line of banLines(frame.entries)) this.note(line);
        return true;
      case 'registered':
        this.note(`${frame.name} is registered: log in with its password from now on`);
        return true;
      case 'notice':
        this.note(frame.text);
        return true;
      case 'bye':
        this.note(frame.reason === 'shutdown' ? 'the server is restarting' : frame.reason);
        return true;
      case 'read':
        this.conversations.readTo(frame.room, frame.msg);
        return true;
      default:
        return false;
    }
  }

  protected nick(old: string, name: string, ts: number): void {
    if (this.isMe(old)) {
      this.me = name;
      this.token = '';
    }
    for (const c of this.conversations.values()) {
      if (c.users.includes(old) || c.key === this.view) {
        c.users = c.users.map((u) => (u === old ? name : u));
        c.addEvent(`${old} is now known as ${name}`, ts);
      }
    }
    this.persist();
  }

  protected drop(key: string): void {
    this.conversations.delete(key);
    if (this.view === key) {
      const next = this.list[0];
      this.view = '';
      if (next) this.select(next.key);
    }
    this.persist();
  }

  protected isMe(name: string): boolean {
    return name.toLowerCase() === this.me.toLowerCase();
  }

  protected note(text: string, error = false): void {
    const c = this.current;
    if (c) c.addEvent(text, Date.now(), error);
    else this.loginError = text;
    this.changed();
  }

  protected persist(): void {
    const next: Saved = {
      name: this.me,
      token: this.token,
      account: this.account,
      ...this.conversations.positions(),
      view: this.view || (this.saved?.view ?? ''),
    };
    this.saved = next;
    save(next);
  }
}
