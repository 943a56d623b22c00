/**
 * Joining rooms. Membership belongs to the user — for an account, to all of
 * its sessions, and it is kept in the store — so there are three cases:
 *   - the user is not in the room: it joins (the room hears "alice joined"
 *     once, every session of the account learns it is in the room);
 *   - a session logging in enters a room its user is in already (another
 *     device, or the account's stored rooms): only that session hears of it;
 *   - `/join` of a room the session is in already makes it current.
 * Either way the session entering gets the room's history first: what it
 * missed since its resume point, or since its account's read position.
 */
import { NatterError, natterError } from '../protocol/errors.ts';
import type { JoinEvent } from '../protocol/frames.ts';
import { DEFAULT_ROOM } from '../protocol/limits.ts';
import type { ChatUser, Room } from '../core/chat.ts';
import { checkRoomName, roomKey } from '../core/rooms.ts';
import type { HistoryQuery } from '../store/store.ts';
import { whoReply } from './bounded-replies.ts';
import { addressKey } from './connection-limits.ts';
import type { HubContext } from './hub-context.ts';
import { bannedError } from './moderation-requests.ts';
import { Outgoing } from './outgoing.ts';
import { replay } from './replay.ts';
import type { Session } from './session.ts';

export interface JoinOptions {
  /** A session logging in, entering its rooms: it may not create any (but #lobby). */
  entering?: boolean;
  /** The session's resume point in this room: the last message id it has shown. */
  after?: number;
}

/** `lobby` means `#lobby`: people type room names without the `#`. */
export function roomNameOf(raw: string): string {
  const trimmed = raw.trim();
  return trimmed.startsWith('#') ? trimmed : `#${trimmed}`;
}

export async function join(
  ctx: HubContext,
  session: Session,
  rawRoom: string,
  options: JoinOptions = {},
): Promise<NatterError | void> {
  const user = session.user!;
  const checked = checkRoomName(roomNameOf(rawRoom));
  if (!checked.ok) return natterError('room_invalid', checked.reason);
  const now = ctx.now();
  const ban = ctx.moderation.banFor(checked.key, user.key, session.remoteAddress, now);
  if (ban) return bannedError(ban, checked.name);
  const member = user.rooms.has(checked.key);
  if (member && !options.entering) return switchTo(ctx, session, user, checked.name);
  let record = ctx.rooms.get(checked.key);
  if (!member) {
    if (user.rooms.size >= ctx.limits.maxRoomsPerUser) {
      return natterError(
        'too_many_rooms',
        `you can be in at most ${ctx.limits.maxRoomsPerUser} rooms`,
      );
    }
    if (!record) {
      const lobby = checked.key === roomKey(DEFAULT_ROOM);
      if (options.entering && !lobby) {
        return natterError('no_such_room', `there is no room ${checked.name} any more`);
      }
      if (!lobby) {
        const refused = admitCreation(ctx, session, user, now);
        if (refused) return refused;
      }
      // Whoever creates a room while logged in to an account registers it (#lobby is the server's).
      const founder = lobby ? null : session.account;
      record = await ctx.rooms.create(checked.key, checked.name, now, founder);
      if (founder !== null) {
        await ctx.moderation.grant({ roomKey: record.key, nameKey: founder, grantedBy: user.name });
      }
    }
  }
  let joined: Room;
  if (member) {
    const room = ctx.chat.findRoom(checked.key);
    if (!room) return natterError('no_such_room', `there is no room ${checked.name}`);
    joined = room;
  } else {
    const result = ctx.chat.join(user, record!.name);
    if (result instanceof NatterError) return result;
    joined = result.room;
  }
  const joinedNow = !member;
  if (!options.entering) session.room = joined.key;
  const event: JoinEvent = { type: 'join', room: joined.name, name: user.name, ts: now };
  session.hold(joined.key);
  let lastReplayed = 0;
  try {
    if (joinedNow) {
      if (session.account !== null) {
        await ctx.store.addMembership(
          session.account,
          { roomKey: joined.key, roomName: joined.name, lastRead: 0 },
          now,
        );
      }
      ctx.deliverToRoom(joined, event);
    } else {
      session.send(new Outgoing(event), joined.key);
    }
    // Entering is coming back to a room the account has; joining is a new membership.
    const newMembership = joinedNow && !options.entering;
    lastReplayed = await replayRoom(ctx, session, joined, options.after, newMembership);
  } finally {
    session.release(joined.key, lastReplayed);
  }
  const topic = ctx.rooms.get(joined.key)?.topic;
  if (topic) session.sendFrame({ type: 'topic', room: joined.name, topic });
  sendWho(ctx, session, joined);
}

/**
 * Whether this session may create a room now: rationed by the directory
 * (global, per address, per name) and by flood tokens on top of the join's.
 */
function admitCreation(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  now: number,
): NatterError | null {
  const cost = Math.min(ctx.limits.roomCreationCost, Math.max(0, ctx.limits.floodBurst - 1));
  if (cost > 0) {
    const wait = session.flood.charge(cost, now);
    if (wait > 0) {
      const seconds = Math.max(1, Math.ceil(wait / 1000));
      return natterError('rate_limited', `creating a room costs more; try again in ${seconds} s`);
    }
  }
  return ctx.rooms.admitCreation(
    { address: addressKey(session.remoteAddress), nameKey: session.account ?? user.key },
    now,
  );
}

/**
 * Sends the history a session entering a room should see, then (for an
 * account) its read position there with the unread count. Returns the last
 * id replayed.
 */
async function replayRoom(
  ctx: HubContext,
  session: Session,
  room: Room,
  after: number | undefined,
  newMembership: boolean,
): Promise<number> {
  const account = session.account;
  const plan = await replayPlan(ctx, account, after, room.key, (from, cap) =>
    ctx.store.countRoomMessages(room.key, from, cap),
  );
  const { lastId: last } = await replay(
    ctx,
    session,
    { room: room.name, key: room.key },
    plan.query,
  );
  if (account === null) return last;
  // A new member has read what it was just shown; so has a text-mode session, which shows everything.
  if ((newMembership || session.dialect === 'text') && last > 0) {
    ctx.markers.advance(account, room.key, last);
  }
  const marker = await ctx.markers.get(account, room.key);
  const unread = await ctx.store.countRoomMessages(room.key, marker, ctx.limits.historyMax + 1);
  session.sendFrame({ type: 'read', room: room.name, msg: marker, unread });
  return last;
}

/**
 * What to replay to a session entering a room (or its private messages):
 * after its resume point when it has one; for an account, everything unread
 * since its read position when that is more than the usual page (the newest
 * `historyMax` when it is more than that), else the usual page of recent
 * messages.
 */
export async function replayPlan(
  ctx: HubContext,
  account: string | null,
  after: number | undefined,
  markerKey: string,
  countAfter: (after: number, cap: number) => Promise<number>,
  unreadOnly = false,
): Promise<{ query: HistoryQuery }> {
  const { historyOnJoin, historyMax } = ctx.limits;
  if (after !== undefined && (after > 0 || account === null)) {
    return { query: { after, limit: historyMax } };
  }
  const recent = { query: { limit: historyOnJoin } };
  if (account === null) return recent;
  const marker = await ctx.markers.get(account, markerKey);
  if (marker === 0) return recent;
  const unread = await countAfter(marker, historyMax + 1);
  // More unread than one replay holds: the newest `historyMax`, up to now, so
  // the screen has no hole between old unread lines and live ones; the rest
  // is further back (`more: true`), for scroll-back to page.
  if (unread > historyMax) return { query: { limit: historyMax } };
  if (unreadOnly || unread > historyOnJoin) return { query: { after: marker, limit: historyMax } };
  return recent;
}

/** Makes a room the session is in its current room (text mode's /switch, and /join of a joined room). */
export function switchTo(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  rawRoom: string,
): NatterError | void {
  const room = ctx.chat.roomOf(user, roomNameOf(rawRoom));
  if (room instanceof NatterError) return room;
  session.room = room.key;
  session.sendFrame({ type: 'notice', text: `you are now in ${room.name}` });
}

/** The members of a room, to one session: the first ones of a big room, with the count. */
export function sendWho(ctx: HubContext, session: Session, room: Room): void {
  session.sendFrame(whoReply(ctx.limits, room));
}
