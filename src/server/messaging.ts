/**
 * Room and private messages: checked, stored, acknowledged after the commit,
 * then delivered. A re-sent client id is only re-acknowledged.
 */
import { NatterError, natterError } from '../protocol/errors.ts';
import type { MessageKind } from '../protocol/frames.ts';
import type { ChatUser } from '../core/chat.ts';
import { checkName } from '../core/names.ts';
import { checkMessageText } from '../core/sanitize.ts';
import { echoInput } from '../core/text-cut.ts';
import { formatClock } from '../core/format.ts';
import type { Mute, NewMessage } from '../store/store.ts';
import { messageEvent } from './history.ts';
import type { HubContext } from './hub-context.ts';
import type { Session } from './session.ts';

/** The resume and hold key for private messages (room names start with #). */
export const PRIVATE_RESUME_KEY = '@';

function mutedError(mute: Mute): NatterError {
  const until = mute.until === null ? '' : ` until ${formatClock(mute.until)}`;
  const where = mute.scope === '*' ? 'on this server' : 'in this room';
  return natterError(
    'muted',
    `you are muted ${where}${until}${mute.reason ? ` (${mute.reason})` : ''}`,
  );
}

export function sayInRoom(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  kind: MessageKind,
  clientId: string,
  rawText: string,
  named: string | undefined,
): NatterError | void {
  const room = ctx.targetRoom(session, user, named);
  if (room instanceof NatterError) return room;
  const mute = ctx.moderation.muteFor(room.key, user.key, ctx.now());
  if (mute) return mutedError(mute);
  const text = checkMessageText(rawText, ctx.limits.maxMessageBytes);
  if (!text.ok) return natterError(text.code, text.reason);
  commit(ctx, session, clientId, {
    ts: ctx.now(),
    roomKey: room.key,
    roomName: room.name,
    fromKey: user.key,
    fromName: user.name,
    toKey: null,
    toName: null,
    kind,
    text: text.text,
    clientId,
    senderScope: senderScope(session),
  });
}

/**
 * Where this sender's client ids are unique: an account's device (its token),
 * else the holding of the name (when it began). Text sessions number their
 * ids randomly per connection, so their holding is enough too.
 */
function senderScope(session: Session): string {
  if (session.account !== null && session.tokenHash !== null) {
    return `device:${session.tokenHash.slice(0, 32)}`;
  }
  return `holding:${session.identity?.since ?? 0}`;
}

/**
 * A private message goes to whoever holds the name now; to a registered name
 * that is offline it is stored and delivered at its next login.
 */
export async function privateMessage(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  clientId: string,
  to: string,
  rawText: string,
): Promise<NatterError | void> {
  const online = ctx.chat.findUser(to);
  let target: { key: string; name: string } | undefined = online;
  if (!target) {
    const checked = checkName(to);
    const account = checked.ok ? await ctx.store.accounts.getAccount(checked.key) : undefined;
    if (!account) {
      return natterError('no_such_user', `nobody called ${echoInput(to)} is online`);
    }
    target = { key: account.nameKey, name: account.name };
  }
  const mute = ctx.moderation.muteFor(null, user.key, ctx.now());
  if (mute) return mutedError(mute);
  const text = checkMessageText(rawText, ctx.limits.maxMessageBytes);
  if (!text.ok) return natterError(text.code, text.reason);
  commit(
    ctx,
    session,
    clientId,
    {
      ts: ctx.now(),
      roomKey: null,
      roomName: null,
      fromKey: user.key,
      fromName: user.name,
      toKey: target.key,
      toName: target.name,
      kind: 'say',
      text: text.text,
      clientId,
      senderScope: senderScope(session),
    },
    online === undefined,
  );
}

/**
 * Commits, then acks the sender, then delivers — a re-sent client id is only
 * re-acked. The ack goes after any reply the session still owes for earlier
 * requests (Session.replyWhen); the commit itself starts at once.
 */
function commit(
  ctx: HubContext,
  session: Session,
  clientId: string,
  message: NewMessage,
  offline = false,
): void {
  session.replyWhen(ctx.writer.append(message), (outcome) => {
    if (!outcome.ok) {
      const error = outcome.error as Error;
      ctx.log.error('storing a message failed', { session: session.id, error: error.message });
      ctx.reportError(
        session,
        natterError('internal', 'message not stored; send it again'),
        clientId,
      );
      return;
    }
    const { message: stored, duplicate } = outcome.value;
    session.sendFrame({
      type: 'ack',
      id: clientId,
      msg: stored.id,
      ts: stored.ts,
      ...(offline ? { offline: true as const } : {}),
    });
    if (duplicate) return;
    ctx.metrics.increment('messages_stored');
    if (offline) ctx.metrics.increment('offline_messages');
    const event = messageEvent(stored);
    if (stored.roomKey !== null) {
      const room = ctx.chat.findRoom(stored.roomKey);
      if (room) ctx.deliverToRoom(room, event);
    } else {
      const users = [stored.toKey, stored.fromKey].map((key) => ctx.chat.userByKey(key));
      const online = new Set(users.filter((u): u is ChatUser => u !== undefined));
      ctx.deliver(online, event, PRIVATE_RESUME_KEY);
    }
  });
}
