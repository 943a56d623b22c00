/**
 * Replays: stored messages sent to one session as `message` frames with
 * `history: true`, then a `history` end frame. Joins, resumes (rooms and
 * "@"), and history requests all go through `replay`.
 *
 * A replay is paged by bytes, not by counts: it sends until the session's
 * out-queue passes its soft limit, then waits for the queue to drain before
 * it goes on, so a history of any size reaches a reader of any speed and
 * never pushes the queue towards its hard limit (which would cut the reader
 * as a slow consumer). Each store read asks for about what the queue can
 * take, so memory stays near one queue's worth per replay.
 *
 * A session's replays run one at a time, in the order they were asked for:
 * one cursor per session, so the frames of two replays never interleave.
 */
import type { HistoryEnd, ServerFrame } from '../protocol/frames.ts';
import type { HistoryQuery, StoredMessage } from '../store/store.ts';
import { messageEvent } from './history.ts';
import type { HubContext } from './hub-context.ts';
import type { Session } from './session.ts';

/** What is replayed: a room, or private messages (with one peer, or all: peerKey null). */
export type ReplayTarget =
  | { room: string; key: string }
  | { with: string; userKey: string; peerKey: string | null; since: number };

export interface ReplayOptions {
  /** The history request's client id, echoed in the end frame. */
  id?: string;
  /**
   * The hold key (room key, or "@" for private messages) the caller started
   * holding live events under; released once the replay is sent, skipping
   * what it contained, so each message is seen exactly once and in order.
   */
  release?: string;
}

export interface ReplayOutcome {
  /** Messages sent. */
  count: number;
  /** More messages lie beyond the replay (older for a backward one, newer for `after`). */
  more: boolean;
  /** The id of the last message sent, 0 if none. */
  lastId: number;
  /** False when the connection ended first (no end frame was sent). */
  complete: boolean;
}

type Read = (query: HistoryQuery) => Promise<StoredMessage[]>;

/** Rows read at once at most, whatever the queue could take: bounds one page in memory. */
const MAX_PAGE_ROWS = 100;
/** First guess at a replayed frame's size, before any was measured. */
const FIRST_GUESS_BYTES = 1024;

const cursors = new WeakMap<Session, Promise<unknown>>();

/**
 * Replays `query` (newest `limit` below `before`; with `after`, the oldest
 * `limit` above it) to the session, after any replay it is already getting.
 */
export function replay(
  ctx: HubContext,
  session: Session,
  target: ReplayTarget,
  query: HistoryQuery,
  options: ReplayOptions = {},
): Promise<ReplayOutcome> {
  const previous = cursors.get(session) ?? Promise.resolve();
  const run = previous.then(() => runReplay(ctx, session, target, query, options));
  // The next replay waits for this one, whether it succeeded or not.
  cursors.set(
    session,
    run.catch(() => undefined),
  );
  return run;
}

async function runReplay(
  ctx: HubContext,
  session: Session,
  target: ReplayTarget,
  query: HistoryQuery,
  options: ReplayOptions,
): Promise<ReplayOutcome> {
  const pacer = new Pacer(session, ctx.limits.outQueueSoftBytes);
  const outcome: ReplayOutcome = { count: 0, more: false, lastId: 0, complete: false };
  try {
    if (session.closing) return outcome;
    const read = readerFor(ctx, target);
    if (query.after !== undefined) {
      await sendForward(pacer, read, query, outcome);
    } else {
      await sendNewest(pacer, read, query, outcome);
    }
    if (session.closing) return outcome;
    const end: HistoryEnd = {
      type: 'history',
      ...('room' in target ? { room: target.room } : { with: target.with }),
      ...(options.id === undefined ? {} : { id: options.id }),
      count: outcome.count,
      more: outcome.more,
    };
    session.sendFrame(end);
    outcome.complete = true;
    return outcome;
  } finally {
    if (options.release !== undefined) session.release(options.release, outcome.lastId);
  }
}

function readerFor(ctx: HubContext, target: ReplayTarget): Read {
  if ('room' in target) return (q) => ctx.store.roomHistory(target.key, q);
  return (q) => ctx.store.privateHistory(target.userKey, target.peerKey, target.since, q);
}

/**
 * Forwards: the oldest `limit` above `after` (and below `before`, if given),
 * read page by page. Each read asks for one row beyond the page, so `more`
 * is exact.
 */
async function sendForward(
  pacer: Pacer,
  read: Read,
  query: HistoryQuery,
  outcome: ReplayOutcome,
): Promise<void> {
  let after = query.after ?? 0;
  let remaining = query.limit;
  while (remaining > 0) {
    // Sized after the queue has drained, or a full queue would read one row at a time.
    if (!(await pacer.ready())) return;
    const want = pacer.rowsToRead(remaining);
    const rows = await read({ ...query, after, limit: want + 1 });
    const page = rows.slice(0, want);
    if (!(await pacer.sendAll(page, outcome))) return;
    remaining -= page.length;
    after = page.at(-1)?.id ?? after;
    if (rows.length <= want) {
      outcome.more = false; // the store has nothing further
      return;
    }
  }
  outcome.more = true;
}

/**
 * Backwards: the newest `limit` below `before`, sent oldest first. The
 * window's lower end is found walking back page by page (rows are not kept),
 * then the window is sent forwards, bounded above by where the walk started
 * so that messages arriving meanwhile are left to the live stream. When the
 * first read already covers the window — every join — it is sent as read.
 */
async function sendNewest(
  pacer: Pacer,
  read: Read,
  query: HistoryQuery,
  outcome: ReplayOutcome,
): Promise<void> {
  let below = query.before;
  let remaining = query.limit;
  let top: number | undefined;
  for (let first = true; ; first = false) {
    const want = Math.min(remaining, MAX_PAGE_ROWS);
    const rows = await read({ ...(below === undefined ? {} : { before: below }), limit: want + 1 });
    if (rows.length === 0 && first) return;
    top ??= below ?? rows.at(-1)!.id + 1;
    const reachedStart = rows.length <= want;
    remaining -= Math.min(want, rows.length);
    if (reachedStart || remaining === 0) {
      outcome.more = !reachedStart;
      if (first) {
        await pacer.sendAll(reachedStart ? rows : rows.slice(1), outcome);
        return;
      }
      // ids above `after`: the extra row read is the first one outside the window.
      const after = reachedStart ? 0 : rows[0]!.id;
      const more = outcome.more;
      await sendForward(pacer, read, { after, before: top, limit: query.limit }, outcome);
      outcome.more = more;
      return;
    }
    below = rows[1]!.id;
  }
}

/** Sends frames while the session's queue takes them, and waits for it to drain when not. */
class Pacer {
  readonly #session: Session;
  readonly #softBytes: number;
  #bytes = 0;
  #frames = 0;

  constructor(session: Session, softBytes: number) {
    this.#session = session;
    this.#softBytes = softBytes;
  }

  /** How many rows to read next: about what the queue can take now, by the sizes seen so far. */
  rowsToRead(remaining: number): number {
    const average = this.#frames === 0 ? FIRST_GUESS_BYTES : this.#bytes / this.#frames;
    const room = Math.max(0, this.#softBytes - this.#session.queuedBytes);
    return Math.max(1, Math.min(remaining, MAX_PAGE_ROWS, Math.floor(room / average)));
  }

  /** Sends the messages in order; false when the connection ended before all were sent. */
  async sendAll(messages: readonly StoredMessage[], outcome: ReplayOutcome): Promise<boolean> {
    for (const m of messages) {
      if (!(await this.send(messageEvent(m, true)))) return false;
      outcome.count += 1;
      outcome.lastId = m.id;
    }
    return true;
  }

  /** Waits until the queue is under its soft limit; false when the connection ended. */
  async ready(): Promise<boolean> {
    const session = this.#session;
    if (session.throttled) {
      await session.whenDrained();
      // The client is reading what it was sent: it is alive, though its own
      // lines (pongs included) wait unread until this replay is done.
      session.lastActivity = Date.now();
    }
    return !session.closing;
  }

  async send(frame: ServerFrame): Promise<boolean> {
    if (!(await this.ready())) return false;
    const session = this.#session;
    const before = session.queuedBytes;
    session.sendFrame(frame);
    this.#bytes += Math.max(0, session.queuedBytes - before);
    this.#frames += 1;
    return true;
  }
}
