/**
 * Login: a name is checked against server bans (by name and address), a
 * registered name against its password (attempts limited per name and per
 * address), then claimed — or taken over from a stale connection of the same
 * person — and the session is brought into its rooms with what it missed.
 */
import { NatterError, natterError } from '../protocol/errors.ts';
import { PROTOCOL_VERSION, type HelloFrame } from '../protocol/frames.ts';
import { DEFAULT_ROOM } from '../protocol/limits.ts';
import type { ChatUser } from '../core/chat.ts';
import { checkName } from '../core/names.ts';
import { SERVER_SCOPE } from '../store/moderation.ts';
import { allowPasswordAttempt, refundPasswordAttempt } from './account-requests.ts';
import { readHistoryPage, sendHistoryPage } from './history.ts';
import type { HubContext } from './hub-context.ts';
import { identityOfToken, identityStart, resolveIdentity } from './identity.ts';
import { PRIVATE_RESUME_KEY } from './messaging.ts';
import { bannedError } from './moderation-requests.ts';
import { verifyPassword } from './passwords.ts';
import { join } from './room-requests.ts';
import type { Session } from './session.ts';

export type LoginHello = Pick<HelloFrame, 'resume' | 'token' | 'password'>;

/** Checks bans and the password; returns the verified account key (null for a guest). */
async function admit(
  ctx: HubContext,
  session: Session,
  nameKey: string,
  display: string,
  password: string | undefined,
): Promise<string | null | NatterError> {
  const ban = ctx.moderation.banFor(SERVER_SCOPE, nameKey, session.remoteAddress, ctx.now());
  if (ban) return bannedError(ban, 'this server');
  const account = await ctx.store.accounts.getAccount(nameKey);
  if (!account) {
    if (ctx.accounts.registeredOnly) {
      return natterError('unauthorized', 'only registered names may log in to this server');
    }
    return null;
  }
  if (password === undefined) {
    return natterError(
      'password_required',
      `${account.name} is registered: its password is needed`,
    );
  }
  const refused = allowPasswordAttempt(ctx, nameKey, session.remoteAddress);
  if (refused) return refused;
  if (!(await verifyPassword(password, account.passwordHash))) {
    ctx.log.info('wrong password', {
      session: session.id,
      address: session.remoteAddress,
      name: display,
    });
    return natterError('unauthorized', `wrong password for ${account.name}`);
  }
  refundPasswordAttempt(ctx, nameKey, session.remoteAddress);
  return account.nameKey;
}

/**
 * A reconnecting client whose old connection the server still holds (a
 * network drop is not always noticed at once) proves it is the same person —
 * with its token, or the account's password — and the stale connection goes.
 */
async function takeOver(
  ctx: HubContext,
  nameKey: string,
  token: string | undefined,
  verified: boolean,
) {
  const holder = ctx.chat.userByKey(nameKey);
  const stale = holder && ctx.sessionOf(holder);
  if (!holder || !stale) return false;
  if (!verified) {
    if (token === undefined) return false;
    const identity = await identityOfToken(ctx.store, token, ctx.now());
    if (!identity || identity.nameKey !== holder.key) return false;
  }
  if (ctx.sessionOf(holder) !== stale) return false;
  ctx.log.info('session taken over', { session: stale.id, name: holder.name });
  stale.destroy('reconnected');
  ctx.disconnected(stale);
  return true;
}

export async function login(
  ctx: HubContext,
  session: Session,
  rawName: string,
  hello: LoginHello,
): Promise<NatterError | ChatUser> {
  const checked = checkName(rawName);
  if (!checked.ok) return natterError(checked.code, checked.reason);
  const account = await admit(ctx, session, checked.key, checked.display, hello.password);
  if (account instanceof NatterError) return account;
  if (session.closing) return natterError('shutting_down', 'connection closed');
  let user = ctx.chat.claimName(rawName);
  if (user instanceof NatterError && user.code === 'name_taken') {
    if (await takeOver(ctx, checked.key, hello.token, account !== null))
      user = ctx.chat.claimName(rawName);
  }
  if (user instanceof NatterError) return user;
  session.account = account;
  session.loggedIn(user, { pingMs: ctx.limits.idlePingMs });
  ctx.adopt(session, user);
  // Private messages arriving before the "@" resume replay is sent wait for it.
  if (hello.resume?.[PRIVATE_RESUME_KEY] !== undefined) session.hold(PRIVATE_RESUME_KEY);
  const now = ctx.now();
  let token = '';
  if (account !== null) {
    // An account's private history is its own since the name was registered.
    const registered = await ctx.store.accounts.getAccount(account);
    session.identity = { nameKey: user.key, since: registered?.createdAt ?? identityStart(now) };
  } else if (session.dialect === 'native') {
    const resolved = await resolveIdentity(ctx.store, user.key, hello.token, now);
    session.identity = resolved.identity;
    token = resolved.token;
  } else {
    session.identity = { nameKey: user.key, since: identityStart(now) };
  }
  if (session.closing) return user;
  ctx.metrics.increment('logins');
  ctx.log.info('login', {
    session: session.id,
    name: user.name,
    dialect: session.dialect,
    account: account !== null,
  });
  await enter(ctx, session, user, hello, token);
  return user;
}

/** Welcome, then the resumed rooms (or #lobby), then missed private messages. */
async function enter(
  ctx: HubContext,
  session: Session,
  user: ChatUser,
  hello: LoginHello,
  token: string,
) {
  const resume = hello.resume ?? {};
  const resumeRooms = Object.keys(resume).filter((room) => room !== PRIVATE_RESUME_KEY);
  const rooms = resumeRooms.length > 0 ? resumeRooms : [DEFAULT_ROOM];
  const { limits } = ctx;
  session.sendFrame({
    type: 'welcome',
    version: PROTOCOL_VERSION,
    server: ctx.serverName,
    name: user.name,
    room: rooms[0]!,
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
  });
  for (const room of rooms) {
    const joined = await join(ctx, session, room, resume[room]);
    if (joined instanceof NatterError) ctx.reportError(session, joined);
  }
  const privateAfter = resume[PRIVATE_RESUME_KEY];
  if (privateAfter === undefined) return;
  let lastReplayed = 0;
  try {
    const since = session.identity?.since ?? ctx.now();
    const { page, more } = await readHistoryPage(
      { after: privateAfter, limit: limits.historyMax },
      (query) => ctx.store.privateHistory(user.key, null, since, query),
    );
    lastReplayed = sendHistoryPage(session, page, { with: '' }, more);
  } finally {
    session.release(PRIVATE_RESUME_KEY, lastReplayed);
  }
}
