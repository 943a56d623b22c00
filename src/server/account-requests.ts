/** Name ownership: /register claims the current name, /password changes it. */
import { NatterError, natterError } from '../protocol/errors.ts';
import type { PasswordRequest, RegisterRequest } from '../protocol/frames.ts';
import type { ChatUser } from '../core/chat.ts';
import type { HubContext } from './hub-context.ts';
import { repointToken } from './identity.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import type { Session } from './session.ts';

/**
 * Takes a password attempt from the name's and the address's allowance. A
 * device the account knows (its resume token) does not use the name's: a
 * stranger's wrong guesses must not lock the owner out.
 */
export function allowPasswordAttempt(
  ctx: HubContext,
  nameKey: string,
  address: string,
  knownDevice = false,
): NatterError | null {
  const now = ctx.now();
  const byName = knownDevice ? null : ctx.loginAttempts.byName.get(nameKey, now);
  const byAddress = ctx.loginAttempts.byAddress.get(address, now);
  const wait = Math.max(byName?.waitMs(now) ?? 0, byAddress.waitMs(now));
  if (wait > 0) {
    ctx.metrics.increment('rate_limited');
    return natterError(
      'rate_limited',
      `too many password attempts; try again in ${Math.ceil(wait / 1000)} s`,
    );
  }
  byName?.take(now);
  byAddress.take(now);
  return null;
}

/** A correct password gives its attempt back: only failures use up the allowance. */
export function refundPasswordAttempt(
  ctx: HubContext,
  nameKey: string,
  address: string,
  knownDevice = false,
): void {
  const now = ctx.now();
  if (!knownDevice) ctx.loginAttempts.byName.get(nameKey, now).refund(now);
  ctx.loginAttempts.byAddress.get(address, now).refund(now);
}

export async function register(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  request: RegisterRequest,
): Promise<NatterError | void> {
  if (session.account !== null)
    return natterError('already_registered', 'you are logged in to a registered name already');
  // Registering an operator's name from chat would make whoever got there first an operator.
  if (ctx.accounts.operators.has(user.key))
    return natterError(
      'unauthorized',
      `${user.name} is a server operator's name: its account is made with natter account create`,
    );
  const problem = passwordProblem(request.password);
  if (problem) return natterError('password_invalid', problem);
  const passwordHash = await hashPassword(request.password, ctx.accounts.scrypt);
  const createdAt = ctx.now();
  const created = await ctx.store.accounts.createAccount({
    nameKey: user.key,
    name: user.name,
    passwordHash,
    createdAt,
  });
  if (!created) return natterError('already_registered', `${user.name} is registered already`);
  session.account = user.key;
  // The name is now the account's: its identity (and this session's token) is
  // the account's, and tokens of earlier guest holdings of the name are void.
  session.identity = { nameKey: user.key, since: createdAt };
  await repointToken(ctx.store, session.tokenHash, session.identity, createdAt);
  for (const key of user.rooms) {
    const room = ctx.chat.findRoom(key);
    if (room) {
      await ctx.store.addMembership(
        user.key,
        { roomKey: key, roomName: room.name, lastRead: 0 },
        createdAt,
      );
    }
  }
  ctx.log.info('registered', { session: session.id, name: user.name });
  session.sendFrame({ type: 'registered', name: user.name });
  // Those sharing a room learn the name is an account now (IRC: account-notify).
  const audience = new Set<ChatUser>();
  for (const key of user.rooms) {
    for (const member of ctx.chat.findRoom(key)?.members.values() ?? []) {
      if (member !== user) audience.add(member);
    }
  }
  ctx.deliver(audience, { type: 'account', name: user.name, account: user.name });
}

export async function changePassword(
  ctx: HubContext,
  session: Session,
  request: PasswordRequest,
): Promise<NatterError | void> {
  if (session.account === null)
    return natterError('unauthorized', 'register a name first: /register PASSWORD');
  const refused = allowPasswordAttempt(ctx, session.account, session.remoteAddress);
  if (refused) return refused;
  const account = await ctx.store.accounts.getAccount(session.account);
  if (!account || !(await verifyPassword(request.current, account.passwordHash))) {
    return natterError('unauthorized', 'the current password is wrong');
  }
  refundPasswordAttempt(ctx, session.account, session.remoteAddress);
  const problem = passwordProblem(request.password);
  if (problem) return natterError('password_invalid', problem);
  await ctx.store.accounts.setPassword(
    account.nameKey,
    await hashPassword(request.password, ctx.accounts.scrypt),
  );
  session.sendFrame({ type: 'notice', text: 'password changed' });
}
