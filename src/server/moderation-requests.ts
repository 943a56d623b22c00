/**
 * Operator requests: kick, ban, unban, mute, unmute, op, deop, bans.
 * Scope: with a `room`, that room (`*`: the whole server); without, a
 * server operator acts server-wide and a room operator on the current room
 * (clients always send the room in view). Server-wide actions need a server
 * operator; room actions a room operator (or server operator) who is not
 * banned there; a room's founder is out of reach of all but server operators.
 */
import { NatterError, natterError } from '../protocol/errors.ts';
import type {
  BanEntry,
  BanRequest,
  BansRequest,
  KickRequest,
  ModerationEvent,
  MuteRequest,
  OpRequest,
  UnbanRequest,
  UnmuteRequest,
} from '../protocol/frames.ts';
import type { ChatUser } from '../core/chat.ts';
import { formatClock } from '../core/format.ts';
import { SERVER_WIDE } from '../core/commands.ts';
import { checkName } from '../core/names.ts';
import { checkRoomName } from '../core/rooms.ts';
import { cleanText, echoInput } from '../core/text-cut.ts';
import { MAX_MODERATION_MS } from '../protocol/limits.ts';
import { SERVER_SCOPE, type Ban } from '../store/moderation.ts';
import { isRoomOperator, isServerOperator, type HubContext } from './hub-context.ts';
import { addressMatches, parseAddressTarget, plainAddress } from './moderation.ts';
import { removeFromRoom } from './room-requests.ts';
import type { Session } from './session.ts';

const REASON_MAX_BYTES = 200; // UTF-8, cut on a grapheme boundary

export function bannedError(ban: Ban, where: string): NatterError {
  const until = ban.until === null ? '' : ` until ${formatClock(ban.until)}`;
  return natterError(
    'banned',
    `you are banned from ${where}${until}${ban.reason ? ` (${ban.reason})` : ''}`,
    { fatal: ban.scope === SERVER_SCOPE },
  );
}

export interface Scope {
  /** Room key, or SERVER_SCOPE. */
  key: string;
  /** Room name for events; absent server-wide. */
  room?: string;
}

/** Works out where a request applies and whether the session may act there. */
function authorise(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  named: string | undefined,
  serverWide: boolean,
): Scope | NatterError {
  if (named === SERVER_WIDE) {
    if (!serverWide) return natterError('bad_arguments', 'this acts on a room; name one');
    if (!isServerOperator(ctx, session)) {
      return natterError('unauthorized', 'only server operators act server-wide');
    }
    return { key: SERVER_SCOPE };
  }
  if (named === undefined && serverWide && isServerOperator(ctx, session))
    return { key: SERVER_SCOPE };
  let key: string;
  let name: string;
  if (named !== undefined) {
    const checked = checkRoomName(named);
    const record = checked.ok ? ctx.rooms.get(checked.key) : undefined;
    if (!record) return natterError('no_such_room', `there is no room ${echoInput(named)}`);
    key = record.key;
    name = record.name;
  } else {
    const room = ctx.targetRoom(session, user, undefined);
    if (room instanceof NatterError) return room;
    key = room.key;
    name = room.name;
  }
  if (!isRoomOperator(ctx, session, key)) {
    return natterError('unauthorized', `only operators of ${name} can do that`);
  }
  return { key, room: name };
}

/** The account that registered the room a scope names, if any. */
function founderOf(ctx: HubContext, scope: Scope): string | null {
  return scope.key === SERVER_SCOPE ? null : (ctx.rooms.get(scope.key)?.founder ?? null);
}

/** A room's founder is out of reach of its other operators; only a server operator acts on them. */
function founderProtection(
  ctx: HubContext,
  session: Session,
  scope: Scope,
  targetKey: string,
): NatterError | null {
  if (founderOf(ctx, scope) !== targetKey || isServerOperator(ctx, session)) return null;
  return natterError(
    'unauthorized',
    `${scope.room} was founded by that account; ask a server operator`,
  );
}

/** Durations are capped (ten years): longer would overflow a date and print NaN. */
export function durationProblem(duration: number | undefined): NatterError | null {
  if (duration === undefined || duration <= MAX_MODERATION_MS) return null;
  return natterError(
    'bad_arguments',
    'durations are at most ten years (3650d); omit it for "until lifted"',
  );
}

/** What a ban names: an address or CIDR block as given, else a name by its identity key. */
export function banTarget(
  text: string,
): { kind: Ban['kind']; value: string; label: string } | NatterError {
  const address = parseAddressTarget(text);
  if (address !== null) return { kind: 'ip', value: address, label: address };
  const checked = checkName(text);
  if (!checked.ok) {
    return natterError('bad_arguments', `${echoInput(text)} is neither a name nor an address`);
  }
  return { kind: 'name', value: checked.key, label: checked.display };
}

function reasonOf(raw: string | undefined): string | null {
  return raw ? cleanText(raw, REASON_MAX_BYTES) || null : null;
}

/** Tells the room (or, server-wide, the target and the actor) what an operator did. */
function announce(
  ctx: HubContext,
  scope: Scope,
  event: Omit<ModerationEvent, 'type' | 'ts'>,
  also: ChatUser[],
) {
  const frame: ModerationEvent = { type: 'moderation', ts: ctx.now(), ...event };
  const room = scope.key === SERVER_SCOPE ? undefined : ctx.chat.findRoom(scope.key);
  if (room) ctx.deliverToRoom(room, frame);
  const others = also.filter((u) => !room?.members.has(u.key));
  if (others.length > 0) ctx.deliver(new Set(others), frame);
}

function withOptionals(
  event: Omit<ModerationEvent, 'type' | 'ts'>,
  until: number | null,
  reason: string | null,
) {
  if (until !== null) event.until = until;
  if (reason !== null) event.reason = reason;
  return event;
}

export async function kick(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  request: KickRequest,
): Promise<NatterError | void> {
  const scope = authorise(ctx, session, user, request.room, false);
  if (scope instanceof NatterError) return scope;
  const room = ctx.chat.findRoom(scope.key);
  const target = ctx.chat.findUser(request.name);
  if (room && target && room.members.has(target.key)) {
    const protectedTarget = founderProtection(ctx, session, scope, target.key);
    if (protectedTarget) return protectedTarget;
  }
  return kickFromRoom(ctx, scope, request, user.name, [user]);
}

/**
 * A kick once authorised, by a person (`by` their name, `notify` them) or by
 * the server's operators through the admin socket.
 */
export async function kickFromRoom(
  ctx: HubContext,
  scope: Scope,
  request: Pick<KickRequest, 'name' | 'reason'>,
  by: string,
  notify: ChatUser[],
): Promise<NatterError | void> {
  const room = ctx.chat.findRoom(scope.key);
  const target = ctx.chat.findUser(request.name);
  if (!room || !target || !room.members.has(target.key)) {
    return natterError('no_such_user', `${echoInput(request.name)} is not in ${scope.room}`);
  }
  const reason = reasonOf(request.reason);
  announce(
    ctx,
    scope,
    withOptionals({ action: 'kick', room: room.name, target: target.name, by }, null, reason),
    notify,
  );
  await removeFromRoom(ctx, target, room, false);
  ctx.log.info('kick', { room: room.name, target: target.name, by });
}

export async function ban(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  request: BanRequest,
): Promise<NatterError | void> {
  const scope = authorise(ctx, session, user, request.room, true);
  if (scope instanceof NatterError) return scope;
  const target = banTarget(request.target);
  if (target instanceof NatterError) return target;
  const tooLong = durationProblem(request.duration);
  if (tooLong) return tooLong;
  if (target.kind === 'name') {
    const protectedTarget = founderProtection(ctx, session, scope, target.value);
    if (protectedTarget) return protectedTarget;
  }
  if (target.kind === 'ip' && addressMatches(target.value, plainAddress(session.remoteAddress))) {
    return natterError('bad_arguments', 'that would ban your own address');
  }
  if (target.kind === 'name' && target.value === user.key) {
    return natterError('bad_arguments', 'you cannot ban yourself');
  }
  await applyBan(ctx, scope, target, request, user.name, [user]);
}

/** A ban once authorised and checked; see kickFromRoom for `by` and `notify`. */
export async function applyBan(
  ctx: HubContext,
  scope: Scope,
  target: { kind: Ban['kind']; value: string; label: string },
  request: Pick<BanRequest, 'duration' | 'reason'>,
  by: string,
  notify: ChatUser[],
): Promise<void> {
  const { kind, value, label } = target;
  const now = ctx.now();
  const until = request.duration === undefined ? null : now + request.duration;
  const reason = reasonOf(request.reason);
  const entry: Ban = {
    scope: scope.key,
    kind,
    value,
    label,
    until,
    reason,
    by,
    createdAt: now,
  };
  await ctx.moderation.ban(entry);
  const hit = [...ctx.sessions()].filter(
    (s) => s.user && ctx.moderation.banFor(scope.key, s.user.key, s.remoteAddress, now) === entry,
  );
  const event = withOptionals({ action: 'ban', target: label, by }, until, reason);
  if (scope.room) event.room = scope.room;
  announce(ctx, scope, event, [...notify, ...hit.map((s) => s.user!)]);
  for (const s of hit) {
    if (scope.key === SERVER_SCOPE) s.fail(bannedError(entry, 'this server'));
    else {
      const room = ctx.chat.findRoom(scope.key);
      if (room?.members.has(s.user!.key)) await removeFromRoom(ctx, s.user!, room, false);
    }
  }
  ctx.log.info('ban', {
    scope: scope.room ?? 'server',
    kind: entry.kind,
    by,
    hit: hit.length,
  });
}

export async function unban(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  request: UnbanRequest,
): Promise<NatterError | void> {
  const scope = authorise(ctx, session, user, request.room, true);
  if (scope instanceof NatterError) return scope;
  const target = banTarget(request.target);
  if (
    target instanceof NatterError ||
    !(await ctx.moderation.unban(scope.key, target.kind, target.value))
  ) {
    return natterError('bad_arguments', `there is no ban on ${echoInput(request.target)} here`);
  }
  const event: Omit<ModerationEvent, 'type' | 'ts'> = {
    action: 'unban',
    target: target.label, // the canonical address or name, never the raw input
    by: user.name,
  };
  if (scope.room) event.room = scope.room;
  announce(ctx, scope, event, [user]);
}

export async function mute(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  request: MuteRequest,
): Promise<NatterError | void> {
  const scope = authorise(ctx, session, user, request.room, true);
  if (scope instanceof NatterError) return scope;
  const checked = checkName(request.name);
  if (!checked.ok) return natterError(checked.code, checked.reason);
  const tooLong = durationProblem(request.duration);
  if (tooLong) return tooLong;
  const protectedTarget = founderProtection(ctx, session, scope, checked.key);
  if (protectedTarget) return protectedTarget;
  const now = ctx.now();
  const until = request.duration === undefined ? null : now + request.duration;
  const reason = reasonOf(request.reason);
  await ctx.moderation.mute({
    scope: scope.key,
    nameKey: checked.key,
    label: checked.display,
    until,
    reason,
    by: user.name,
    createdAt: now,
  });
  const target = ctx.chat.userByKey(checked.key);
  const event = withOptionals(
    { action: 'mute', target: checked.display, by: user.name },
    until,
    reason,
  );
  if (scope.room) event.room = scope.room;
  announce(ctx, scope, event, target ? [user, target] : [user]);
}

export async function unmute(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  request: UnmuteRequest,
): Promise<NatterError | void> {
  const scope = authorise(ctx, session, user, request.room, true);
  if (scope instanceof NatterError) return scope;
  const checked = checkName(request.name);
  if (!checked.ok || !(await ctx.moderation.unmute(scope.key, checked.key))) {
    return natterError('bad_arguments', `${echoInput(request.name)} is not muted here`);
  }
  const target = ctx.chat.userByKey(checked.key);
  const event: Omit<ModerationEvent, 'type' | 'ts'> = {
    action: 'unmute',
    target: checked.display,
    by: user.name,
  };
  if (scope.room) event.room = scope.room;
  announce(ctx, scope, event, target ? [user, target] : [user]);
}

export async function op(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  request: OpRequest,
): Promise<NatterError | void> {
  const scope = authorise(ctx, session, user, request.room, false);
  if (scope instanceof NatterError) return scope;
  const checked = checkName(request.name);
  if (!checked.ok) return natterError(checked.code, checked.reason);
  if (request.type === 'op') {
    if (!(await ctx.store.accounts.getAccount(checked.key))) {
      return natterError(
        'bad_arguments',
        `${checked.display} is not registered; only registered names can operate rooms`,
      );
    }
    await ctx.moderation.grant({ roomKey: scope.key, nameKey: checked.key, grantedBy: user.name });
  } else if (founderOf(ctx, scope) === checked.key && !isServerOperator(ctx, session)) {
    return natterError(
      'unauthorized',
      `${checked.display} founded ${scope.room}; only a server operator can take that away`,
    );
  } else if (!(await ctx.moderation.revoke(scope.key, checked.key))) {
    return natterError('bad_arguments', `${checked.display} is not an operator of ${scope.room}`);
  }
  const target = ctx.chat.userByKey(checked.key);
  announce(
    ctx,
    scope,
    { action: request.type, room: scope.room!, target: checked.display, by: user.name },
    target ? [user, target] : [user],
  );
}

export function bans(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  request: BansRequest,
): NatterError | void {
  const scope = authorise(ctx, session, user, request.room, true);
  if (scope instanceof NatterError) return scope;
  const now = ctx.now();
  const all =
    isServerOperator(ctx, session) && (request.room === undefined || request.room === SERVER_WIDE);
  const inScope = (s: string) => all || s === scope.key;
  const roomName = (key: string) =>
    key === SERVER_SCOPE ? undefined : (ctx.rooms.get(key)?.name ?? key);
  const entries: BanEntry[] = [
    ...ctx.moderation
      .bans(null, now)
      .filter((b) => inScope(b.scope))
      .map((b) => entry(roomName(b.scope), b.kind, b.label, b)),
    ...ctx.moderation
      .mutes(now)
      .filter((m) => inScope(m.scope))
      .map((m) => entry(roomName(m.scope), 'mute', m.label, m)),
  ];
  session.sendFrame({ type: 'bans', entries });
}

function entry(
  room: string | undefined,
  kind: BanEntry['kind'],
  target: string,
  source: { until: number | null; reason: string | null; by: string },
): BanEntry {
  const out: BanEntry = { kind, target, until: source.until, reason: source.reason, by: source.by };
  if (room !== undefined) out.room = room;
  return out;
}
