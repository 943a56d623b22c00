/**
 * Read positions between the screen and the server: when a room's newest
 * message is on screen, the server is told (a `read` frame, at most one per
 * room per beat), so the account's other devices know it was seen; when the
 * server says another device read on, or how much is unread at login, the
 * room's unread count follows.
 */
import type { ReadEvent } from '../../protocol/frames.ts';
import type { ChatModel } from './chat-model.ts';

/** Reading is reported at most this often per room: scrolling through a burst is one frame. */
const REPORT_EVERY_MS = 500;

export class ReadSync {
  readonly #model: ChatModel;
  readonly #send: (room: string, msg: number) => void;
  /** The last position reported (or heard) per room key. */
  readonly #reported = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(model: ChatModel, send: (room: string, msg: number) => void) {
    this.#model = model;
    this.#send = send;
    model.subscribe(() => this.#schedule());
  }

  /** A `read` frame from the server. */
  heard(frame: ReadEvent): void {
    const room = this.#model.room(frame.room);
    if (!room) return;
    this.#reported.set(room.key, Math.max(this.#reported.get(room.key) ?? 0, frame.msg));
    if (frame.unread !== undefined && !this.#model.inView(room)) {
      room.unread = frame.unread;
      if (frame.unread === 0) room.mentions = 0;
    } else if ((room.lastMsg() ?? 0) <= frame.msg) room.caughtUp();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#report();
    }, REPORT_EVERY_MS).unref();
  }

  #report(): void {
    const shown = this.#model.shown;
    if (shown.kind !== 'room' || !this.#model.inView(shown)) return;
    const last = shown.lastMsg();
    if (last === undefined || last <= (this.#reported.get(shown.key) ?? 0)) return;
    this.#reported.set(shown.key, last);
    this.#send(shown.title, last);
  }
}
