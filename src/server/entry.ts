/**
 * What a session sees right after logging in: the welcome, then each of its
 * rooms with what it missed, then its private messages — for an account,
 * those that arrived while it was offline. The rooms are the ones the client
 * resumes, the account's stored rooms, and those its other sessions are in
 * now; a guest with nothing to resume starts in #lobby.
 */
import { NatterError } from '../protocol/errors.ts';
import { PROTOCOL_VERSION } from '../protocol/frames.ts';
import { DEFAULT_ROOM } from '../protocol/limits.ts';
import type { ChatUser } from '../core/chat.ts';
import { roomKey } from '../core/rooms.ts';
import { PRIVATE_MARKER } from '../store/store.ts';
import type { HubContext } from './hub-context.ts';
import type { LoginHello } from './login.ts';
import { PRIVATE_RESUME_KEY } from './messaging.ts';
import { replay } from './replay.ts';
import { join, replayPlan, roomNameOf } from './room-join.ts';
import type { Session } from './session.ts';

/** What the welcome announces (protocol.md, "welcome"). */
export const FEATURES = ['multi-session', 'read-markers', 'offline-dm', 'switch'] as const;

/** The rooms to enter, in order (the first is current), each named once. */
async function roomsToEnter(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  resumed: readonly string[],
): Promise<string[]> {
  const names = new Map<string, string>();
  const add = (name: string) => {
    const key = roomKey(roomNameOf(name));
    if (!names.has(key)) names.set(key, name);
  };
  resumed.forEach(add);
  if (session.account !== null) {
    for (const m of await ctx.store.listMemberships(session.account)) add(m.roomName);
  }
  for (const key of user.rooms) {
    const room = ctx.chat.findRoom(key);
    if (room) add(room.name);
  }
  // IRC clients join what their own autojoin lists say; the others start in #lobby.
  if (names.size === 0 && session.dialect !== 'irc') add(DEFAULT_ROOM);
  return [...names.values()];
}

export async function enter(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  hello: LoginHello,
  token: string,
) {
  const resume = hello.resume ?? {};
  const resumed = Object.keys(resume).filter((room) => room !== PRIVATE_RESUME_KEY);
  const rooms = await roomsToEnter(ctx, session, user, resumed);
  const { limits } = ctx;
  session.sendFrame({
    type: 'welcome',
    version: PROTOCOL_VERSION,
    server: ctx.serverName,
    name: user.name,
    room: rooms[0] ?? DEFAULT_ROOM,
    rooms,
    limits: {
      maxLineBytes: limits.maxLineBytes,
      maxMessageBytes: limits.maxMessageBytes,
      historyMax: limits.historyMax,
      flood: {
        burst: limits.floodBurst,
        perSecond: limits.floodPerSecond,
        queue: limits.floodQueue,
      },
    },
    token,
    features: [...FEATURES],
    ...(session.account !== null ? { account: true as const } : {}),
  });
  for (const room of rooms) {
    if (session.closing) return;
    const joined = await join(ctx, session, room, { entering: true, after: resume[room] });
    if (joined instanceof NatterError) ctx.reportError(session, joined);
  }
  // The first room that could be entered is current, as the welcome said.
  session.room = rooms.map((r) => roomKey(roomNameOf(r))).find((k) => user.rooms.has(k)) ?? null;
  await replayPrivate(ctx, session, user, resume[PRIVATE_RESUME_KEY]);
}

/** Whether a login replays private messages: then live ones are held from the moment it joins its user. */
export function replaysPrivate(session: Session, after: number | undefined): boolean {
  return after !== undefined || session.account !== null;
}

/**
 * Private messages the session missed: after its resume point, or for an
 * account whatever arrived since its private read position (offline
 * messages) — held live messages are released after it, exactly once.
 */
async function replayPrivate(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  after: number | undefined,
): Promise<void> {
  const account = session.account;
  if (!replaysPrivate(session, after)) return;
  const since = session.identity?.since ?? ctx.now();
  let lastReplayed = 0;
  try {
    // Text mode prints whatever it is sent, so it gets only what is unread.
    const plan = await replayPlan(
      ctx,
      account,
      after,
      PRIVATE_MARKER,
      (from, cap) => ctx.store.countPrivateMessages(user.key, since, from, cap),
      session.dialect === 'text',
    );
    lastReplayed = (
      await replay(ctx, session, { with: '', userKey: user.key, peerKey: null, since }, plan.query)
    ).lastId;
    if (account !== null) {
      if (session.dialect === 'text' && lastReplayed > 0) {
        ctx.markers.advance(account, PRIVATE_MARKER, lastReplayed);
      }
      const marker = await ctx.markers.get(account, PRIVATE_MARKER);
      const unread = await ctx.store.countPrivateMessages(
        user.key,
        since,
        marker,
        ctx.limits.historyMax + 1,
      );
      session.sendFrame({ type: 'read', room: PRIVATE_MARKER, msg: marker, unread });
    }
  } finally {
    session.release(PRIVATE_RESUME_KEY, lastReplayed);
  }
}
