/**
 * Requests about rooms and names: who, nick, leave, rooms, history, topic.
 * Every answer is bounded by what a client's queue can hold: history is
 * replayed in paced pages (replay.ts), `who` and `rooms` are capped.
 */
import { NatterError, natterError } from '../protocol/errors.ts';
import type { HistoryRequest, RoomsRequest, TopicRequest } from '../protocol/frames.ts';
import type { ChatUser, Room } from '../core/chat.ts';
import { checkName } from '../core/names.ts';
import { checkRoomName, roomKey } from '../core/rooms.ts';
import { cleanText, echoInput } from '../core/text-cut.ts';
import { DEFAULT_ROOM, ROOMS_PAGE_DEFAULT, ROOMS_PAGE_MAX } from '../protocol/limits.ts';
import { SERVER_SCOPE } from '../store/moderation.ts';
import type { StoredRoom } from '../store/store.ts';
import { replyBudget, whoReply } from './bounded-replies.ts';
import { historyQuery } from './history.ts';
import { idOf, isRoomOperator, type HubContext } from './hub-context.ts';
import { identityStart, repointToken } from './identity.ts';
import { bannedError } from './moderation-requests.ts';
import { replay } from './replay.ts';
import type { Session } from './session.ts';

const TOPIC_MAX_BYTES = 300; // UTF-8, cut on a grapheme boundary

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
    if (!record) return natterError('no_such_room', `there is no room ${echoInput(named)}`);
    session.sendFrame({ type: 'who', room: record.name, users: [], count: 0 });
    return;
  }
  session.sendFrame(whoReply(ctx.limits, room));
}

export async function nick(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  rawName: string,
): Promise<NatterError | void> {
  if (session.account !== null) {
    // An account is the identity of all its devices: it keeps its name.
    return natterError(
      'bad_arguments',
      `you are logged in as the registered ${user.name}; log in as another name to use it`,
    );
  }
  // Rights and restrictions follow the holding, not the nick: a mute is not shed by renaming.
  const muted = ctx.moderation.anyMuteFor(user.key, ctx.now());
  if (muted) return natterError('muted', 'you cannot change your name while you are muted');
  const checked = checkName(rawName);
  if (checked.ok && checked.key !== user.key) {
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
  // A new name is a new holding: private history stays with the old one, and
  // this session's token now names the new holding (ending the old one's).
  session.identity = { nameKey: user.key, since: identityStart(ctx.now()) };
  await repointToken(ctx.store, session.tokenHash, session.identity, ctx.now());
  ctx.log.info('nick', { session: session.id, old: renamed.old, name: user.name });
  ctx.deliver(audience, { type: 'nick', old: renamed.old, name: user.name, ts: ctx.now() });
}

/**
 * Takes a user — every session of it — out of a room (leave, kick, ban),
 * telling the room first; an account's stored membership goes too.
 */
export async function removeFromRoom(
  ctx: HubContext,
  user: ChatUser,
  room: Room,
  announce: boolean,
): Promise<void> {
  if (announce)
    ctx.deliverToRoom(room, { type: 'leave', room: room.name, name: user.name, ts: ctx.now() });
  ctx.chat.leave(user, room.name);
  const accounts = new Set<string>();
  for (const session of ctx.sessionsOf(user)) {
    if (session.account !== null) accounts.add(session.account);
    if (session.room !== room.key) continue;
    // The most recently joined remaining room becomes current.
    session.room = [...user.rooms].at(-1) ?? null;
    const current = session.room === null ? undefined : ctx.chat.findRoom(session.room);
    session.sendFrame({
      type: 'notice',
      text: current ? `you are now in ${current.name}` : 'you are in no room; /join #room',
    });
  }
  for (const account of accounts) await ctx.store.removeMembership(account, room.key);
}

export async function leave(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  named: string | undefined,
): Promise<NatterError | void> {
  const room = ctx.targetRoom(session, user, named);
  if (room instanceof NatterError) return room;
  await removeFromRoom(ctx, user, room, true);
}

/**
 * A page of the room list, in room-key order: `after` continues from a
 * previous page, `match` filters by name. A page stops at `limit` rooms or
 * at the reply budget, whichever comes first, and says whether more follow.
 */
export function rooms(
  ctx: HubContext,
  session: Session,
  request: RoomsRequest,
): NatterError | void {
  const limit = request.limit ?? ROOMS_PAGE_DEFAULT;
  if (limit < 1 || limit > ROOMS_PAGE_MAX) {
    return natterError('bad_frame', `rooms.limit must be 1–${ROOMS_PAGE_MAX}`);
  }
  let after: { key: string; name: string } | undefined;
  if (request.after !== undefined) {
    const checked = checkRoomName(request.after);
    if (!checked.ok) return natterError('bad_frame', `rooms.after must be a room name`);
    after = { key: checked.key, name: checked.name };
  }
  const match = request.match?.trim() ? roomKey(request.match.trim()) : undefined;
  const budget = replyBudget(ctx.limits);
  let bytes = 0;
  const entry = (r: StoredRoom) => ({
    room: r.name,
    members: ctx.chat.findRoom(r.key)?.members.size ?? 0,
    ...(r.topic ? { topic: r.topic } : {}),
  });
  const page = ctx.rooms.page(
    { ...(after === undefined ? {} : { after }), ...(match ? { match } : {}), limit },
    (r) => {
      bytes += Buffer.byteLength(JSON.stringify(entry(r))) + 1;
      return bytes <= budget;
    },
  );
  session.sendFrame({ type: 'rooms', rooms: page.rooms.map(entry), more: page.more });
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
    await replay(
      ctx,
      session,
      { with: request.with, userKey: user.key, peerKey, since },
      query,
      idOf(request),
    );
    return;
  }
  const room = ctx.targetRoom(session, user, request.room);
  if (room instanceof NatterError) return room;
  await replay(ctx, session, { room: room.name, key: room.key }, query, idOf(request));
}

export async function topic(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  request: TopicRequest,
): Promise<NatterError | void> {
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
  if (!isRoomOperator(ctx, session, room.key)) {
    return natterError('unauthorized', `only operators of ${room.name} can set its topic`);
  }
  const text = cleanText(request.topic, TOPIC_MAX_BYTES) || null;
  await ctx.rooms.setTopic(room.key, text);
  ctx.deliverToRoom(room, {
    type: 'topic',
    room: room.name,
    topic: text,
    by: user.name,
    ts: ctx.now(),
  });
}
