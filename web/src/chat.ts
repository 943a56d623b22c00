/**
 * The web client's behaviour towards the server, apart from rendering:
 * logging in, our own messages from pending to stored (or failed, with a
 * retry), resume after a reconnect or a reload, read positions, scroll-back
 * pages, typed commands. What only shows is chat-state.ts's; components
 * subscribe and re-render on change.
 */
import type { ClientFrame, HelloFrame, MessageEvent } from '../../src/protocol/frames.ts';
import { PROTOCOL_VERSION } from '../../src/protocol/frames.ts';
import { ChatState } from './chat-state.ts';
import { parseInput } from './commands.ts';
import { Paging } from './paging.ts';
import { Connection, type Status } from './connection.ts';
import { lineKey, type Conversation, type MessageLine } from './conversation.ts';
import { PRIVATE, roomKey } from './conversations.ts';
import type { Incoming } from './frames.ts';
import { mentions } from './linkify.ts';
import { notify, requestNotifications } from './notify.ts';
import { forget, loadSaved } from './storage.ts';

/** Login refusals the user has to answer (another name, a password). */
const LOGIN_ERRORS = new Set([
  'name_invalid',
  'name_reserved',
  'name_taken',
  'password_required',
  'unauthorized',
  'banned',
  'rate_limited',
  'too_many_sessions',
]);

function clientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return 'w.' + Array.from(bytes, (b) => b.toString(36).padStart(2, '0')).join('');
}

export class Chat extends ChatState {
  readonly #outbox = new Map<string, { frame: ClientFrame; key: string }>();
  readonly #connection: Connection;
  #password = '';
  #welcomed = false;
  readonly #paging: Paging;
  #quitting = false;

  constructor() {
    super(loadSaved());
    this.#connection = new Connection({
      hello: () => this.#hello(),
      frame: (frame) => {
        this.#frame(frame);
        this.changed();
      },
      status: (status, detail) => this.#status(status, detail),
    });
    this.#paging = new Paging(this.conversations, (frame) => this.#connection.send(frame));
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) this.#readView();
      this.changed();
    });
  }

  resumeSaved(): void {
    if (this.saved && this.saved.token !== '' && !this.saved.account) {
      this.login(this.saved.name, '');
    } else if (this.saved?.account) {
      this.needPassword = true;
    }
  }

  login(name: string, password: string): void {
    if (this.saved && this.saved.name.toLowerCase() !== name.toLowerCase()) {
      this.saved = null;
      forget();
    }
    this.me = name;
    this.#password = password;
    this.token = this.saved?.token ?? '';
    this.loginError = '';
    this.#quitting = false;
    this.#connection.start();
    this.changed();
  }

  logout(): void {
    this.#quitting = true;
    this.#connection.send({ type: 'quit', reason: 'logged out' });
    this.#connection.stop('logged out');
    forget();
    this.saved = null;
    this.conversations.clear();
    this.#outbox.clear();
    this.view = '';
    this.phase = 'login';
    this.changed();
  }

  override select(key: string): void {
    const conversation = this.conversations.get(key);
    if (!conversation) return;
    this.view = key;
    conversation.marker = conversation.readUpTo;
    this.#readView();
    this.persist();
    this.changed();
  }

  /** Alt+Up / Alt+Down. */
  cycle(step: 1 | -1): void {
    const list = this.list;
    if (list.length === 0) return;
    const at = list.findIndex((c) => c.key === this.view);
    const next = list[(at + step + list.length) % list.length]!;
    this.select(next.key);
  }

  /** What the message box submitted. */
  submit(input: string): void {
    const view = this.current;
    const parsed = parseInput(input, view?.room ?? null, view?.peer ?? null);
    switch (parsed.kind) {
      case 'say': {
        if (!view?.room) return;
        const id = clientId();
        const frame: ClientFrame = parsed.action
          ? { type: 'me', id, text: parsed.text, room: view.room }
          : { type: 'say', id, text: parsed.text, room: view.room };
        this.#queue(view, id, frame, parsed.text, parsed.action);
        break;
      }
      case 'private': {
        const conversation = this.conversations.private(parsed.to);
        const id = clientId();
        this.#queue(
          conversation,
          id,
          { type: 'msg', id, to: parsed.to, text: parsed.text },
          parsed.text,
          false,
        );
        this.select(conversation.key);
        break;
      }
      case 'request': {
        const frame = parsed.frame;
        if (frame.type === 'join') this.asked.join = roomKey(frame.room);
        if (frame.type === 'who' && frame.room) this.asked.who.add(roomKey(frame.room));
        if (frame.type === 'topic' && frame.topic === undefined && frame.room) {
          this.asked.topic.add(roomKey(frame.room));
        }
        if (frame.type === 'quit') this.#quitting = true;
        if (!this.#connection.send(frame))
          this.note('offline: not sent; try again when online', true);
        break;
      }
      case 'local':
        if (parsed.what === 'help') this.setHelp(true);
        else void requestNotifications().then((text) => this.note(text));
        break;
      case 'error':
        this.note(parsed.message, true);
        break;
    }
    this.changed();
  }

  retry(key: string, id: string): void {
    const conversation = this.conversations.get(key);
    const line = conversation?.setStatus(id, 'pending');
    if (!conversation || !line) return;
    const frame: ClientFrame =
      conversation.room !== null
        ? { type: line.action ? 'me' : 'say', id, text: line.text, room: conversation.room }
        : { type: 'msg', id, to: conversation.peer ?? '', text: line.text };
    this.#outbox.set(id, { frame, key: conversation.key });
    if (this.#welcomed) this.#connection.send(frame);
    this.changed();
  }

  /** The reader scrolled to the top: fetch the page before the oldest line. */
  loadOlder(): void {
    const view = this.current;
    if (!view || view.loadingOlder || !view.olderExist || !this.#welcomed) return;
    this.#paging.older(view);
    this.changed();
  }

  #queue(
    conversation: Conversation,
    id: string,
    frame: ClientFrame,
    text: string,
    action: boolean,
  ): void {
    conversation.addMessage({
      kind: 'message',
      key: lineKey(),
      msg: null,
      id,
      ts: Date.now(),
      from: this.me,
      action,
      text,
      own: true,
      mention: false,
      status: 'pending',
    });
    this.#outbox.set(id, { frame, key: conversation.key });
    // Before the welcome it waits: the welcome sends everything pending, in order.
    if (this.#welcomed) this.#connection.send(frame);
  }

  #hello(): HelloFrame {
    this.#welcomed = false;
    const resume = this.conversations.resumePoints();
    this.#paging.resumed = new Set(Object.keys(resume).map(roomKey));
    return {
      type: 'hello',
      version: PROTOCOL_VERSION,
      name: this.me,
      client: 'natter-web',
      ...(Object.keys(resume).length > 0 && { resume }),
      ...(this.token && { token: this.token }),
      ...(this.#password && { password: this.#password }),
    };
  }

  #status(status: Status, detail: string): void {
    if (status === 'waiting' && this.#quitting) {
      this.#connection.stop('disconnected');
      return;
    }
    if (status !== 'online') this.#welcomed = false;
    this.status = status;
    this.statusDetail = detail;
    this.changed();
  }

  #frame(frame: Incoming): void {
    switch (frame.type) {
      case 'welcome':
        this.#welcome(
          frame.name,
          frame.token,
          frame.server,
          frame.features ?? [],
          frame.account === true,
        );
        return;
      case 'ack':
        this.#ack(frame.id, frame.msg);
        if (frame.offline)
          this.note('they are offline: it is stored and delivered when they log in');
        return;
      case 'message':
        this.#message(frame);
        return;
      case 'error':
        this.#error(frame.code, frame.message, frame.id, frame.fatal === true);
        return;
      case 'join': {
        const c = this.conversations.room(frame.room);
        if (this.isMe(frame.name)) {
          const restoring = this.pendingView !== '' && this.pendingView !== c.key;
          if (this.asked.join === c.key || (this.view === '' && !restoring)) {
            this.asked.join = '';
            this.select(c.key);
          }
        } else {
          c.addEvent(`${frame.name} joined`, frame.ts);
          if (!c.users.includes(frame.name)) c.users = [...c.users, frame.name];
        }
        return;
      }
      case 'history':
        this.#historyEnd(frame.room, frame.with, frame.id, frame.more);
        return;
      default:
        this.showFrame(frame); // the rest only shows (pong and unknown types: nothing)
    }
  }

  #welcome(
    name: string,
    token: string,
    server: string,
    features: string[],
    account: boolean,
  ): void {
    this.me = name;
    this.account = account;
    this.server = server;
    this.features = features;
    if (token) this.token = token;
    this.phase = 'chat';
    this.#welcomed = true;
    this.needPassword = false;
    const saved = this.saved;
    if (saved && this.conversations.size === 0) {
      // A fresh page: read positions as they were, the room that was in view.
      this.view = '';
      this.pendingView = saved.view;
    }
    for (const { frame } of this.#outbox.values()) this.#connection.send(frame);
    this.persist();
  }

  #ack(id: string, msg: number): void {
    const pending = this.#outbox.get(id);
    if (!pending) return;
    this.#outbox.delete(id);
    const c = this.conversations.get(pending.key);
    if (!c) return;
    c.acknowledge(id, msg);
    if (c.key === this.view && !document.hidden) {
      if (c.marker >= c.readUpTo) c.marker = c.newest;
      c.markRead();
    }
    this.persist();
  }

  #message(frame: MessageEvent): void {
    const own = this.isMe(frame.from);
    const c =
      frame.room !== undefined
        ? this.conversations.room(frame.room)
        : this.conversations.private(own ? (frame.to ?? '') : frame.from);
    const mention = !own && (frame.room === undefined || mentions(frame.text, this.me));
    const line: MessageLine = {
      kind: 'message',
      key: lineKey(),
      msg: frame.msg,
      id: null,
      ts: frame.ts,
      from: frame.from,
      action: frame.kind === 'me',
      text: frame.text,
      own,
      mention,
      status: 'stored',
    };
    if (!c.addMessage(line)) return;
    if (own || frame.msg <= c.readUpTo) return;
    if (c.key === this.view && !document.hidden) {
      // Read as it arrives: the "new messages" line stays where it was, ahead of
      // what was unread when the conversation was opened.
      if (frame.history !== true && c.marker >= c.readUpTo) c.marker = frame.msg;
      c.markRead();
      this.persist();
      return;
    }
    c.unread++;
    if (mention) {
      c.mentioned = true;
      if (frame.history !== true) {
        notify(frame.room ? `${frame.from} in ${frame.room}` : `${frame.from}`, frame.text, () =>
          this.select(c.key),
        );
      }
    }
    this.persist();
  }

  #error(code: string, message: string, id: string | undefined, fatal: boolean): void {
    if (!this.#welcomed && LOGIN_ERRORS.has(code)) {
      this.loginError = `${code}: ${message}`;
      this.needPassword ||= code === 'password_required';
      if (code === 'unauthorized') this.#password = '';
      this.#connection.stop(this.loginError);
      this.phase = 'login';
      return;
    }
    if (id !== undefined) {
      const pending = this.#outbox.get(id);
      if (pending) {
        this.#outbox.delete(id);
        this.conversations.get(pending.key)?.setStatus(id, 'failed', `${code}: ${message}`);
        return;
      }
      if (id.startsWith('older.')) {
        const c = this.conversations.get(id.slice('older.'.length));
        if (c) c.loadingOlder = false;
      }
    }
    if (code === 'replaced') {
      this.phase = 'login';
      this.loginError = `${code}: ${message}`;
    }
    this.note(`${code}: ${message}${fatal ? ' (disconnected)' : ''}`, true);
  }

  #historyEnd(
    room: string | undefined,
    peer: string | undefined,
    id: string | undefined,
    more: boolean,
  ): void {
    this.#paging.ended(room, peer, id, more);
    if (this.pendingView && this.conversations.has(this.pendingView)) {
      const wanted = this.pendingView;
      this.pendingView = '';
      this.select(wanted);
    } else if (this.pendingView && this.#paging.resumed.size === 0) {
      // The room that was in view is gone (left elsewhere, or the server forgot it).
      this.pendingView = '';
      if (this.view === '' && this.list[0]) this.select(this.list[0].key);
    }
  }

  #readView(): void {
    const c = this.current;
    if (!c || document.hidden) return;
    const before = c.readUpTo;
    c.markRead();
    if (c.readUpTo > before && this.features.includes('read-markers')) {
      this.#connection.send({ type: 'read', room: c.room ?? PRIVATE, msg: c.readUpTo });
    }
  }
}
