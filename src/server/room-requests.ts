/** Requests about rooms and names: who, nick, join, leave, rooms, history, topic. */
import { NatterError, natterError } from '../protocol/errors.ts';
import type { HistoryRequest, TopicRequest } from '../protocol/frames.ts';
import type { ChatUser, Room } from '../core/chat.ts';
import { checkName } from '../core/names.ts';
import { checkRoomName, roomKey } from '../core/rooms.ts';
import { cleanText, echoInput } from '../core/text-cut.ts';
import { DEFAULT_ROOM } from '../protocol/limits.ts';
import { SERVER_SCOPE } from '../store/moderation.ts';
import { historyQuery, readHistoryPage, sendHistoryPage } from './history.ts';
import { idOf, isRoomOperator, type HubContext } from './hub-context.ts';
import { identityStart, repointToken } from './identity.ts';
import { bannedError } from './moderation-requests.ts';
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
