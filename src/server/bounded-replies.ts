/**
 * Answers that are one frame each (`who`, `rooms`) cannot be paced like a
 * replay, so they are capped: each may take half of the client's soft queue
 * limit, and says how much it left out.
 */
import type { WhoReply } from '../protocol/frames.ts';
import type { Limits } from '../protocol/limits.ts';
import type { Room } from '../core/chat.ts';

/** The bytes one capped reply may take. */
export function replyBudget(limits: Pick<Limits, 'outQueueSoftBytes'>): number {
  return Math.max(4096, Math.floor(limits.outQueueSoftBytes / 2));
}

/**
 * A room's members in join order, as many as the budget holds, with the
 * count of all: a room of thousands must not fill the queue of everyone
 * who joins it.
 */
export function whoReply(limits: Pick<Limits, 'outQueueSoftBytes'>, room: Room): WhoReply {
  const budget = replyBudget(limits);
  const users: string[] = [];
  let bytes = 0;
  for (const member of room.members.values()) {
    bytes += Buffer.byteLength(member.name) + 3; // quotes and comma
    if (bytes > budget) break;
    users.push(member.name);
  }
  const count = room.members.size;
  return {
    type: 'who',
    room: room.name,
    users,
    count,
    ...(users.length < count ? { more: true } : {}),
  };
}
