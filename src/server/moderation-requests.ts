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
import { SERVER_WIDE } from '../core/commands.ts';
import { checkName } from '../core/names.ts';
import { echoInput } from '../core/text-cut.ts';
import { SERVER_SCOPE, type Ban } from '../store/moderation.ts';
import { isServerOperator, type HubContext } from './hub-context.ts';
import { addressMatches, plainAddress } from './moderation.ts';
import { removeFromRoom } from './room-requests.ts';
import type { Session } from './session.ts';
import {
  announce,
  authorise,
  bannedError,
  banTarget,
  durationProblem,
  founderOf,
  founderProtection,
  reasonOf,
  withOptionals,
  type Scope,
} from './moderation-scope.ts';

export { bannedError, banTarget, durationProblem, type Scope };

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
