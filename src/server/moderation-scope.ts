/**
 * Where an operator request applies and whether its sender may act there:
 * the scope (a room, or `*` for the server), the founder's protection, the
 * caps on durations, what a ban names, and telling the room.
 */
import { NatterError, natterError } from '../protocol/errors.ts';
import type { ModerationEvent } from '../protocol/frames.ts';
import type { ChatUser } from '../core/chat.ts';
import { formatClock } from '../core/format.ts';
import { SERVER_WIDE } from '../core/commands.ts';
import { checkName } from '../core/names.ts';
import { checkRoomName } from '../core/rooms.ts';
import { cleanText, echoInput } from '../core/text-cut.ts';
import { MAX_MODERATION_MS } from '../protocol/limits.ts';
import { SERVER_SCOPE, type Ban } from '../store/moderation.ts';
import { isRoomOperator, isServerOperator, type HubContext } from './hub-context.ts';
import { parseAddressTarget } from './moderation.ts';
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
export function authorise(
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
export function founderOf(ctx: HubContext, scope: Scope): string | null {
  return scope.key === SERVER_SCOPE ? null : (ctx.rooms.get(scope.key)?.founder ?? null);
}

/** A room's founder is out of reach of its other operators; only a server operator acts on them. */
export function founderProtection(
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

export function reasonOf(raw: string | undefined): string | null {
  return raw ? cleanText(raw, REASON_MAX_BYTES) || null : null;
}

/** Tells the room (or, server-wide, the target and the actor) what an operator did. */
export function announce(
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

export function withOptionals(
  event: Omit<ModerationEvent, 'type' | 'ts'>,
  until: number | null,
  reason: string | null,
) {
  if (until !== null) event.until = until;
  if (reason !== null) event.reason = reason;
  return event;
}
