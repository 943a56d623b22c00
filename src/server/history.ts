/**
 * History: stored messages turned back into events, and pages of them sent
 * to one session followed by a `history` end frame.
 */
import { natterError, type NatterError } from '../protocol/errors.ts';
import type { HistoryRequest, MessageEvent } from '../protocol/frames.ts';
import type { HistoryQuery, StoredMessage } from '../store/store.ts';
import type { Session } from './session.ts';

export function messageEvent(m: StoredMessage, history = false): MessageEvent {
  const event: MessageEvent = {
    type: 'message',
    msg: m.id,
    ts: m.ts,
    from: m.fromName,
    kind: m.kind,
    text: m.text,
  };
  if (m.roomName !== null) event.room = m.roomName;
  if (m.toName !== null) event.to = m.toName;
  if (history) event.history = true;
  return event;
}

/** Validates a request's bounds against the cap; returns the store query. */
export function historyQuery(
  request: Pick<HistoryRequest, 'before' | 'after' | 'limit'>,
  defaultLimit: number,
  maxLimit: number,
): HistoryQuery | NatterError {
  const limit = request.limit ?? defaultLimit;
  if (limit < 1 || limit > maxLimit) {
    return natterError('bad_frame', `history.limit must be 1–${maxLimit}`);
  }
  if (
    request.before !== undefined &&
    request.after !== undefined &&
    request.before <= request.after
  ) {
    return natterError('bad_frame', 'history.before must be greater than history.after');
  }
  const query: HistoryQuery = { limit };
  if (request.before !== undefined) query.before = request.before;
  if (request.after !== undefined) query.after = request.after;
  return query;
}

/**
 * Reads one page, asking the store for one message beyond the limit so that
 * `more` is exact; that extra one (the furthest from the anchor) is dropped.
 */
export async function readHistoryPage(
  query: HistoryQuery,
  read: (query: HistoryQuery) => Promise<StoredMessage[]>,
): Promise<{ page: StoredMessage[]; more: boolean }> {
  const rows = await read({ ...query, limit: query.limit + 1 });
  if (rows.length <= query.limit) return { page: rows, more: false };
  // Forwards (after): the extra one is the newest; backwards, the oldest.
  const page = query.after !== undefined ? rows.slice(0, query.limit) : rows.slice(1);
  return { page, more: true };
}

/** Sends a page of history and its end frame; returns the last id sent (0 if none). */
export function sendHistoryPage(
  session: Session,
  page: readonly StoredMessage[],
  about: ({ room: string } | { with: string }) & { id?: string },
  more: boolean,
): number {
  for (const m of page) session.sendFrame(messageEvent(m, true));
  session.sendFrame({ type: 'history', ...about, count: page.length, more });
  return page.at(-1)?.id ?? 0;
}
