/**
 * History pages: scroll-back (the page before the oldest line shown), the
 * earlier context a fresh page fetches after a resume, and the rest of a
 * resume that did not fit in one replay.
 */
import type { ClientFrame } from '../../src/protocol/frames.ts';
import type { Conversation } from './conversation.ts';
import { PRIVATE, privateKey, roomKey, type Conversations } from './conversations.ts';

const PAGE = 50;

export class Paging {
  /** Rooms the last hello resumed ("@": private messages) whose replay has not ended. */
  resumed = new Set<string>();
  readonly #conversations: Conversations;
  readonly #send: (frame: ClientFrame) => boolean;

  constructor(conversations: Conversations, send: (frame: ClientFrame) => boolean) {
    this.#conversations = conversations;
    this.#send = send;
  }

  /** Asks for the page before the oldest message shown. */
  older(view: Conversation): void {
    const before = view.oldest ?? view.newest + 1;
    const id = `older.${view.key}`;
    const target = view.room !== null ? { room: view.room } : { with: view.peer ?? '' };
    if (before <= 1) {
      view.olderExist = false;
      return;
    }
    view.loadingOlder = this.#send({
      type: 'history',
      id,
      ...target,
      before,
      limit: PAGE,
    });
  }

  /** The end of a page of history: a scroll-back page, a join's replay or a resume's. */
  ended(
    room: string | undefined,
    peer: string | undefined,
    id: string | undefined,
    more: boolean,
  ): void {
    let c =
      room !== undefined
        ? this.#conversations.get(roomKey(room))
        : peer
          ? this.#conversations.get(privateKey(peer))
          : undefined;
    if (id?.startsWith('older.')) {
      const older = this.#conversations.get(id.slice('older.'.length));
      if (older) {
        older.loadingOlder = false;
        older.olderExist = more;
      }
      return;
    }
    if (id !== undefined) return;
    const key = room !== undefined ? roomKey(room) : PRIVATE;
    // A resume replays a room before announcing the join: the room exists from here.
    if (room !== undefined && !c) c = this.#conversations.room(room);
    if (this.resumed.delete(key)) {
      // A resume replay: `more` means newer messages beyond the page.
      const targets = c ? [c] : [...this.#conversations.values()].filter((x) => x.room === null);
      for (const target of targets) {
        if (more && target.room !== null) {
          this.#send({
            type: 'history',
            room: target.room,
            after: target.newest,
            limit: 1000,
          });
          this.resumed.add(key);
        }
        if (!target.backfilled) {
          target.backfilled = true;
          this.older(target);
        }
      }
    } else if (c) {
      c.backfilled = true;
      c.olderExist = more;
    }
  }
}
