/**
 * Resume tokens: a random secret handed out in `welcome` and presented in the
 * next `hello`. A token names one holding of a name — one person's time with
 * it, for a guest; for an account, one device — and proves a reconnecting
 * client is that holding (private history, taking over its own stale
 * connection). When someone new takes a free guest name, every older token of
 * that name is revoked: a token never spans two people. Only a hash is stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Account, Identity, Store } from '../store/store.ts';

export const RESUME_TOKEN_TTL_MS = 7 * 86_400_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * When a new identity's private history begins. One millisecond after login:
 * a message the previous holder of the name sent in the very millisecond of
 * this login must not count as this person's.
 */
export function identityStart(now: number): number {
  return now + 1;
}

/** The identity a token proves, if it is valid. */
export function identityOfToken(
  store: Store,
  token: string,
  now: number,
): Promise<Identity | undefined> {
  return store.findResumeToken(hashToken(token), now);
}

export interface ResolvedIdentity {
  identity: Identity;
  token: string;
  tokenHash: string;
}

/**
 * A guest's identity: the holding its valid token names, or a new holding —
 * which ends every earlier holder's tokens. `issueToken` is false for text
 * mode, which cannot present one.
 */
export async function resolveGuestIdentity(
  store: Store,
  nameKey: string,
  known: Identity | undefined,
  token: string | undefined,
  now: number,
  issueToken: boolean,
): Promise<ResolvedIdentity | { identity: Identity; token: ''; tokenHash: null }> {
  if (known && token !== undefined && known.nameKey === nameKey) {
    const tokenHash = hashToken(token);
    await store.saveResumeToken(tokenHash, known, now + RESUME_TOKEN_TTL_MS);
    return { identity: known, token, tokenHash };
  }
  const identity = { nameKey, since: identityStart(now) };
  if (!issueToken) {
    await store.revokeResumeTokens(nameKey, null);
    return { identity, token: '', tokenHash: null };
  }
  const fresh = randomBytes(24).toString('base64url');
  const tokenHash = hashToken(fresh);
  await store.revokeResumeTokens(nameKey, tokenHash);
  await store.saveResumeToken(tokenHash, identity, now + RESUME_TOKEN_TTL_MS);
  return { identity, token: fresh, tokenHash };
}

/**
 * An account's identity is the account (its private history since it was
 * registered); the token names the device, and a device that shows its
 * token again keeps it.
 */
export async function resolveAccountIdentity(
  store: Store,
  account: Account,
  known: Identity | undefined,
  token: string | undefined,
  now: number,
): Promise<ResolvedIdentity> {
  const identity = { nameKey: account.nameKey, since: account.createdAt };
  const kept = known && token !== undefined && known.nameKey === account.nameKey;
  const value = kept ? token : randomBytes(24).toString('base64url');
  const tokenHash = hashToken(value);
  await store.saveResumeToken(tokenHash, identity, now + RESUME_TOKEN_TTL_MS);
  return { identity, token: value, tokenHash };
}

/** A session's token now names another holding (after /nick or /register). */
export async function repointToken(
  store: Store,
  tokenHash: string | null,
  identity: Identity,
  now: number,
): Promise<void> {
  await store.revokeResumeTokens(identity.nameKey, tokenHash);
  if (tokenHash !== null) {
    await store.saveResumeToken(tokenHash, identity, now + RESUME_TOKEN_TTL_MS);
  }
}
