/**
 * History: stored messages turned back into events, and history requests
 * checked into store queries. Sending them is replay.ts's job.
 */
import { natterError, type NatterError } from '../protocol/errors.ts';
import type { HistoryRequest, MessageEvent } from '../protocol/frames.ts';
import type { HistoryQuery, StoredMessage } from '../store/store.ts';

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
