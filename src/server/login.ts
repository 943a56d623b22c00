/**
 * Login: a name is checked against server bans (by name and address), a
 * registered name against its password (attempts limited per name and per
 * address; a device the account knows is not slowed by strangers' guesses),
 * then the session joins its user: an account may have several sessions at
 * once (devices), a guest only one. A session presenting the token of a live
 * session of the same name is that device again: the old one is replaced,
 * told why, and the user never leaves in between.
 */
import { NatterError, natterError } from '../protocol/errors.ts';
import type { HelloFrame } from '../protocol/frames.ts';
import type { ChatUser } from '../core/chat.ts';
import { checkName } from '../core/names.ts';
import { SERVER_SCOPE } from '../store/moderation.ts';
import type { Account, Identity } from '../store/store.ts';
import { allowPasswordAttempt, hashed, refundPasswordAttempt } from './account-requests.ts';
import { enter, replaysPrivate } from './entry.ts';
import type { HubContext } from './hub-context.ts';
import {
  hashToken,
  identityOfToken,
  resolveAccountIdentity,
  resolveGuestIdentity,
} from './identity.ts';
import { PRIVATE_RESUME_KEY } from './messaging.ts';
import { bannedError } from './moderation-requests.ts';
import { verifyPassword } from './passwords.ts';
import type { Session } from './session.ts';

export type LoginHello = Pick<HelloFrame, 'resume' | 'token' | 'password'>;

/** Checks bans and the password; returns the verified account (null for a guest). */
async function admit(
  ctx: HubContext,
  session: Session,
  nameKey: string,
  display: string,
  password: string | undefined,
  knownDevice: boolean,
): Promise<Account | null | NatterError> {
  const ban = ctx.moderation.banFor(SERVER_SCOPE, nameKey, session.remoteAddress, ctx.now());
  if (ban) return bannedError(ban, 'this server');
  const account = await ctx.store.accounts.getAccount(nameKey);
  if (!account) {
    if (ctx.accounts.registeredOnly) {
      return natterError('unauthorized', 'only registered names may log in to this server');
    }
    return null;
  }
  if (account.locked) {
    return natterError('unauthorized', `${account.name} is locked by the server's operators`, {
      fatal: true,
    });
  }
  if (password === undefined) {
    return natterError(
      'password_required',
      `${account.name} is registered: its password is needed`,
    );
  }
  const refused = allowPasswordAttempt(ctx, nameKey, session.remoteAddress, knownDevice);
  if (refused) return refused;
  const checking = hashed(ctx, session, () => verifyPassword(password, account.passwordHash));
  if (checking instanceof NatterError) {
    refundPasswordAttempt(ctx, nameKey, session.remoteAddress, knownDevice);
    return checking;
  }
  if (!(await checking)) {
    ctx.log.info('wrong password', {
      session: session.id,
      address: session.remoteAddress,
      name: display,
    });
    return natterError('unauthorized', `wrong password for ${account.name}`);
  }
  refundPasswordAttempt(ctx, nameKey, session.remoteAddress, knownDevice);
  return account;
}

/** The live session of this user that holds the token being presented, if any. */
function sameDevice(ctx: HubContext, user: ChatUser, token: string | undefined) {
  if (token === undefined) return undefined;
  const tokenHash = hashToken(token);
  for (const live of ctx.sessionsOf(user)) if (live.tokenHash === tokenHash) return live;
  return undefined;
}

/** The old session of a device that logged in again: told why, then cut, without the user leaving. */
function replace(ctx: HubContext, stale: Session, by: Session): void {
  ctx.metrics.increment('sessions_replaced');
  ctx.log.info('session replaced', { session: stale.id, by: by.id, name: stale.user?.name });
  ctx.detach(stale);
  stale.fail(
    natterError('replaced', `replaced by a new login from ${by.remoteAddress}`, { fatal: true }),
  );
}

/**
 * Finds the user this session becomes part of — an account's user when it is
 * online already, else a freshly claimed name — or says why not.
 */
function claim(
  ctx: HubContext,
  session: Session,
  rawName: string,
  nameKey: string,
  account: Account | null,
  known: Identity | undefined,
  token: string | undefined,
): ChatUser | NatterError {
  const user = ctx.chat.userByKey(nameKey);
  if (!user) return ctx.chat.claimName(rawName);
  if (account !== null && [...ctx.sessionsOf(user)].some((s) => s.account === null)) {
    // A guest holds a name that was registered meanwhile (natter account create): the owner wins.
    for (const guest of [...ctx.sessionsOf(user)]) {
      guest.fail(
        natterError('name_taken', `${user.name} is registered; its owner logged in`, {
          fatal: true,
        }),
      );
      ctx.disconnected(guest);
    }
    return ctx.chat.claimName(rawName);
  }
  const device = sameDevice(ctx, user, token);
  if (account === null) {
    // A guest name has one holder; only that holding's own token takes it back.
    if (!device || known?.nameKey !== nameKey) return ctx.chat.claimName(rawName);
  } else if (!device && ctx.sessionsOf(user).size >= ctx.limits.maxSessionsPerAccount) {
    return natterError(
      'too_many_sessions',
      `${user.name} is logged in ${ctx.sessionsOf(user).size} times already (the most this server allows)`,
      { fatal: true },
    );
  }
  if (device) replace(ctx, device, session);
  return user;
}

export async function login(
  ctx: HubContext,
  session: Session,
  rawName: string,
  hello: LoginHello,
): Promise<NatterError | ChatUser> {
  const checked = checkName(rawName);
  if (!checked.ok) return natterError(checked.code, checked.reason);
  const known =
    hello.token === undefined
      ? undefined
      : await identityOfToken(ctx.store, hello.token, ctx.now());
  const knownDevice = known?.nameKey === checked.key;
  const account = await admit(
    ctx,
    session,
    checked.key,
    checked.display,
    hello.password,
    knownDevice,
  );
  if (account instanceof NatterError) return account;
  if (session.closing) return natterError('shutting_down', 'connection closed');
  const user = claim(ctx, session, rawName, checked.key, account, known, hello.token);
  if (user instanceof NatterError) return user;
  session.account = account?.nameKey ?? null;
  session.loggedIn(user, { pingMs: ctx.limits.idlePingMs });
  // Private messages arriving before the private replay is sent wait for it.
  if (replaysPrivate(session, hello.resume?.[PRIVATE_RESUME_KEY])) session.hold(PRIVATE_RESUME_KEY);
  ctx.adopt(session, user);
  const now = ctx.now();
  const resolved =
    account !== null
      ? await resolveAccountIdentity(ctx.store, account, known, hello.token, now)
      : await resolveGuestIdentity(
          ctx.store,
          user.key,
          known,
          hello.token,
          now,
          session.dialect === 'native',
        );
  session.identity = resolved.identity;
  session.tokenHash = resolved.tokenHash;
  if (session.closing) return user;
  ctx.metrics.increment('logins');
  ctx.log.info('login', {
    session: session.id,
    name: user.name,
    dialect: session.dialect,
    account: account !== null,
    sessions: ctx.sessionsOf(user).size,
  });
  await enter(ctx, session, user, hello, resolved.token);
  return user;
}
