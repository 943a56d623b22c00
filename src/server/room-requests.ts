/** Requests about rooms and names: who, nick, join, leave, rooms, history, topic. */
import { NatterError, natterError } from '../protocol/errors.ts';
import type { HistoryRequest, TopicRequest } from '../protocol/frames.ts';
import type { ChatUser, Room } from '../core/chat.ts';
import { checkName } from '../core/names.ts';
import { checkRoomName, roomKey } from '../core/rooms.ts';
import { sanitizeText } from '../core/sanitize.ts';
import { DEFAULT_ROOM } from '../protocol/limits.ts';
import { SERVER_SCOPE } from '../store/moderation.ts';
import { historyQuery, readHistoryPage, sendHistoryPage } from './history.ts';
import { idOf, type HubContext } from './hub-context.ts';
import { identityStart } from './identity.ts';
import { bannedError } from './moderation-requests.ts';
import type { Session } from './session.ts';

const TOPIC_MAX_CHARS = 300;

export function who(
  ctx: HubContext,
  session: Session,
  named: string | undefined,
): NatterError | void {
  const room =
    named !== undefined
      ? ctx.chat.findRoom(named)
      : session.room === null
        ? undefined
        : ctx.chat.findRoom(session.room);
  if (!room) {
    if (named === undefined)
      return natterError('not_in_room', 'you are in no room; /who #room names one');
    const checked = checkRoomName(named);
    const record = checked.ok ? ctx.rooms.get(checked.key) : undefined;
    if (!record) return natterError('no_such_room', `there is no room ${named.slice(0, 70)}`);
    session.sendFrame({ type: 'who', room: record.name, users: [] });
    return;
  }
  session.sendFrame({
    type: 'who',
    room: room.name,
    users: [...room.members.values()].map((m) => m.name),
  });
}

export async function nick(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  rawName: string,
): Promise<NatterError | void> {
  const checked = checkName(rawName);
  if (checked.ok && checked.key !== session.account && checked.key !== user.key) {
    // A registered name is only ever taken with its password, at login.
    if (await ctx.store.accounts.getAccount(checked.key)) {
      return natterError(
        'name_taken',
        `${checked.display} is registered; log in with its password`,
      );
    }
  }
  // A name banned from the server cannot be taken by renaming either.
  if (
    checked.ok &&
    checked.key !== user.key &&
    ctx.moderation.banFor(SERVER_SCOPE, checked.key, session.remoteAddress, ctx.now())
  ) {
    return natterError('banned', `${checked.display} is banned from this server`);
  }
  const renamed = ctx.chat.rename(user, rawName);
  if (renamed instanceof NatterError) return renamed;
  const audience = new Set<ChatUser>([user]);
  for (const key of user.rooms) {
    for (const member of ctx.chat.findRoom(key)?.members.values() ?? []) audience.add(member);
  }
  // A new name is a new identity: private history stays with the old one.
  session.identity = { nameKey: user.key, since: identityStart(ctx.now()) };
  ctx.log.info('nick', { session: session.id, old: renamed.old, name: user.name });
  ctx.deliver(audience, { type: 'nick', old: renamed.old, name: user.name, ts: ctx.now() });
}

/** Joins a room, replaying its recent history (or everything after `after`) first. */
export async function join(
  ctx: HubContext,
  session: Session,
  rawRoom: string,
  after?: number,
): Promise<NatterError | void> {
  const user = session.user!;
  if (user.rooms.size >= ctx.limits.maxRoomsPerUser) {
    return natterError(
      'too_many_rooms',
      `you can be in at most ${ctx.limits.maxRoomsPerUser} rooms`,
    );
  }
  const checked = checkRoomName(rawRoom);
  if (!checked.ok) return natterError('room_invalid', checked.reason);
  const now = ctx.now();
  const ban = ctx.moderation.banFor(checked.key, user.key, session.remoteAddress, now);
  if (ban) return bannedError(ban, checked.name);
  const created = ctx.rooms.get(checked.key) === undefined;
  const record = ctx.rooms.ensure(checked.key, checked.name, now);
  if (created && session.account !== null && record.key !== roomKey(DEFAULT_ROOM)) {
    // Whoever creates a room with a registered name operates it (#lobby is the server's).
    ctx.moderation.grant({ roomKey: record.key, nameKey: session.account, grantedBy: user.name });
  }
  const joined = ctx.chat.join(user, record.name);
  if (joined instanceof NatterError) return joined;
  const room = joined.room;
  session.room = room.key;
  session.hold(room.key);
  ctx.deliverToRoom(room, { type: 'join', room: room.name, name: user.name, ts: now });
  const limit = after === undefined ? ctx.limits.historyOnJoin : ctx.limits.historyMax;
  let lastReplayed = 0;
  try {
    const { page, more } = await readHistoryPage(
      after === undefined ? { limit } : { after, limit },
      (query) => ctx.store.roomHistory(room.key, query),
    );
    lastReplayed = sendHistoryPage(session, page, { room: room.name }, more);
  } finally {
    session.release(room.key, lastReplayed);
  }
  if (record.topic) session.sendFrame({ type: 'topic', room: room.name, topic: record.topic });
  who(ctx, session, undefined);
}

/** Takes a user out of a room (leave, kick, ban), telling the room first. */
export function removeFromRoom(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  room: Room,
  announce: boolean,
): void {
  if (announce)
    ctx.deliverToRoom(room, { type: 'leave', room: room.name, name: user.name, ts: ctx.now() });
  ctx.chat.leave(user, room.name);
  if (session.room === room.key) {
    // The most recently joined remaining room becomes current.
    session.room = [...user.rooms].at(-1) ?? null;
    const current = session.room === null ? undefined : ctx.chat.findRoom(session.room);
    session.sendFrame({
      type: 'notice',
      text: current ? `you are now in ${current.name}` : 'you are in no room; /join #room',
    });
  }
}

export function leave(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  named: string | undefined,
): NatterError | void {
  const room = ctx.targetRoom(session, user, named);
  if (room instanceof NatterError) return room;
  removeFromRoom(ctx, session, user, room, true);
}

export function rooms(ctx: HubContext, session: Session): void {
  session.sendFrame({
    type: 'rooms',
    rooms: ctx.rooms.all().map((r) => ({
      room: r.name,
      members: ctx.chat.findRoom(r.key)?.members.size ?? 0,
      ...(r.topic ? { topic: r.topic } : {}),
    })),
  });
}

export async function history(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  request: HistoryRequest,
): Promise<NatterError | void> {
  const query = historyQuery(request, ctx.limits.historyOnJoin || 50, ctx.limits.historyMax);
  if (query instanceof NatterError) return query;
  if (request.with !== undefined) {
    let peerKey: string | null = null;
    if (request.with !== '') {
      const peer = checkName(request.with);
      if (!peer.ok) return natterError(peer.code, peer.reason);
      peerKey = peer.key;
    }
    const since = session.identity?.since ?? ctx.now();
    const { page, more } = await readHistoryPage(query, (q) =>
      ctx.store.privateHistory(user.key, peerKey, since, q),
    );
    sendHistoryPage(session, page, { with: request.with, ...idOf(request) }, more);
    return;
  }
  const room = ctx.targetRoom(session, user, request.room);
  if (room instanceof NatterError) return room;
  const { page, more } = await readHistoryPage(query, (q) => ctx.store.roomHistory(room.key, q));
  sendHistoryPage(session, page, { room: room.name, ...idOf(request) }, more);
}

export function topic(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  request: TopicRequest,
): NatterError | void {
  const room = ctx.targetRoom(session, user, request.room);
  if (room instanceof NatterError) return room;
  if (request.topic === undefined) {
    session.sendFrame({
      type: 'topic',
      room: room.name,
      topic: ctx.rooms.get(room.key)?.topic ?? null,
    });
    return;
  }
  const text = sanitizeText(request.topic).trim().slice(0, TOPIC_MAX_CHARS) || null;
  ctx.rooms.setTopic(room.key, text);
  ctx.deliverToRoom(room, {
    type: 'topic',
    room: room.name,
    topic: text,
    by: user.name,
    ts: ctx.now(),
  });
}
