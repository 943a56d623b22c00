/** Name ownership: /register claims the current name, /password changes it. */
import { NatterError, natterError } from '../protocol/errors.ts';
import type { PasswordRequest, RegisterRequest } from '../protocol/frames.ts';
import type { ChatUser } from '../core/chat.ts';
import { addressGroup } from './addresses.ts';
import type { HubContext } from './hub-context.ts';
import { repointToken } from './identity.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import type { Session } from './session.ts';

/**
 * Password attempts (a login with a password, a password change) a minute.
 * Counted per (name, address) and per address — never per name alone: a
 * bucket any stranger can empty would let them lock the owner out with one
 * wrong guess every few seconds. A guesser is slowed on every address it
 * uses; spreading guesses over many addresses still pays a full hash for
 * each, and the hash slots (hash-slots.ts) bound what that costs the server.
 * A device the account knows (its resume token) skips the (name, address)
 * allowance: others' failures from its address do not hold it up.
 */
export const PASSWORD_ATTEMPTS = {
  perNameAtAddress: { capacity: 3, perSecond: 3 / 60 },
  perAddress: { capacity: 10, perSecond: 10 / 60 },
};

function attemptBuckets(
  ctx: HubContext,
  nameKey: string,
  address: string,
  now: number,
  knownDevice: boolean,
) {
  const group = addressGroup(address);
  const byAddress = ctx.loginAttempts.byAddress.get(group, now);
  if (knownDevice) return [byAddress];
  return [ctx.loginAttempts.byNameAtAddress.get(`${nameKey}\u0000${group}`, now), byAddress];
}

/** Takes a password attempt from the (name, address)'s and the address's allowance. */
export function allowPasswordAttempt(
  ctx: HubContext,
  nameKey: string,
  address: string,
  knownDevice = false,
): NatterError | null {
  const now = ctx.now();
  const buckets = attemptBuckets(ctx, nameKey, address, now, knownDevice);
  const wait = Math.max(...buckets.map((bucket) => bucket.waitMs(now)));
  if (wait > 0) {
    ctx.metrics.increment('rate_limited');
    return natterError(
      'rate_limited',
      `too many password attempts; try again in ${Math.ceil(wait / 1000)} s`,
    );
  }
  for (const bucket of buckets) bucket.take(now);
  return null;
}

/**
 * A registration takes from the address's allowance too, and keeps it:
 * each one is a hash and a new account, and connections are cheap to open.
 */
function allowRegistration(ctx: HubContext, address: string): NatterError | null {
  const now = ctx.now();
  const bucket = ctx.loginAttempts.byAddress.get(addressGroup(address), now);
  const wait = bucket.waitMs(now);
  if (wait === 0 && bucket.take(now)) return null;
  ctx.metrics.increment('rate_limited');
  return natterError(
    'rate_limited',
    `too many registrations and password attempts; try again in ${Math.ceil(wait / 1000)} s`,
  );
}

/** A correct password (or one never checked) gives its attempt back: only failures count. */
export function refundPasswordAttempt(
  ctx: HubContext,
  nameKey: string,
  address: string,
  knownDevice = false,
): void {
  const now = ctx.now();
  for (const bucket of attemptBuckets(ctx, nameKey, address, now, knownDevice)) {
    bucket.refund(now);
  }
}

/**
 * Runs one password hash through the server's hash slots, or says why it
 * cannot run now (`rate_limited`: this connection has one running; `busy`:
 * the queue is full).
 */
export function hashed<T>(
  ctx: HubContext,
  session: Session,
  work: () => Promise<T>,
): Promise<T> | NatterError {
  const run = ctx.accounts.hashing.run(session, addressGroup(session.remoteAddress), work);
  if (run instanceof NatterError) {
    ctx.metrics.increment('password_hashes_refused');
    ctx.log.info('password check refused', {
      session: session.id,
      address: session.remoteAddress,
      code: run.code,
    });
  } else ctx.metrics.increment('password_hashes');
  return run;
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
  // Checked before hashing too (the insert below decides races): a taken name costs no hash.
  if (await ctx.store.accounts.getAccount(user.key))
    return natterError('already_registered', `${user.name} is registered already`);
  const refused = allowRegistration(ctx, session.remoteAddress);
  if (refused) return refused;
  const hashing = hashed(ctx, session, () => hashPassword(request.password, ctx.accounts.scrypt));
  if (hashing instanceof NatterError) return hashing;
  const passwordHash = await hashing;
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
  const checking = account
    ? hashed(ctx, session, () => verifyPassword(request.current, account.passwordHash))
    : false;
  if (checking instanceof NatterError) {
    refundPasswordAttempt(ctx, session.account, session.remoteAddress);
    return checking;
  }
  if (!account || !(await checking)) {
    return natterError('unauthorized', 'the current password is wrong');
  }
  refundPasswordAttempt(ctx, session.account, session.remoteAddress);
  const problem = passwordProblem(request.password);
  if (problem) return natterError('password_invalid', problem);
  const hashing = hashed(ctx, session, () => hashPassword(request.password, ctx.accounts.scrypt));
  if (hashing instanceof NatterError) return hashing;
  await ctx.store.accounts.setPassword(account.nameKey, await hashing);
  session.sendFrame({ type: 'notice', text: 'password changed' });
}
